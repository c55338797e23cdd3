/**
 * A chat as a person reads it, for the emulator CLI and the demo: a transcript printer (who speaks, when,
 * cards as boxes) and a feed that prints what a bot sends to the emulator as it arrives. Node only.
 */
import type { ConversationItem } from "./card-html";
import type { Emulator } from "./index";
import { renderCard, renderText } from "./render";
import type { SentMessage } from "./types";

/** Something a script expected did not happen; its message says what. */
export class ExpectationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpectationError";
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** ANSI colours only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

export interface TranscriptOptions {
  names: Readonly<Record<string, string>>;
  color: boolean;
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
  /** How a moment is shown; default "+03.1s" relative to the transcript's start. */
  stamp?: (at: number) => string;
  /** Also hands every line over as data (the demo's `--html` page); `botName` tells the bot's lines apart. */
  record?: (item: ConversationItem) => void;
  botName?: string;
}

const INDENT = " ".repeat(8);

/** Prints a chat as a person would read it: `+00.4s  Alice (DM) › /status 7360…`, cards as boxes. */
export class Transcript {
  t0 = Date.now();
  readonly names: Readonly<Record<string, string>>;
  readonly color: boolean;
  private readonly write: (line: string) => void;
  private readonly stampOf: (at: number) => string;
  private readonly record: (item: ConversationItem) => void;
  private readonly botName: string | undefined;

  constructor(options: TranscriptOptions) {
    this.names = options.names;
    this.color = options.color;
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.stampOf = options.stamp ?? ((at) => `+${((at - this.t0) / 1000).toFixed(1).padStart(4, "0")}s`);
    this.record = options.record ?? (() => undefined);
    this.botName = options.botName;
  }

  private isBot(who: string): boolean {
    return this.botName !== undefined && who.startsWith(this.botName);
  }

  /** Restarts the relative clock (the first message of the conversation is +00.0s). */
  restart(at = Date.now()): void {
    this.t0 = at;
  }

  private dim(text: string): string {
    return this.color ? `\x1b[2m${text}\x1b[0m` : text;
  }

  /** One utterance; later lines of a multi-line text are indented under the first. */
  say(who: string, arrow: string, text: string, at = Date.now()): void {
    this.record({ kind: "text", who, bot: this.isBot(who), text, at });
    this.utterance(who, arrow, text, at);
  }

  private utterance(who: string, arrow: string, text: string, at: number): void {
    const [first = "", ...rest] = text.split("\n");
    this.write(`${this.dim(this.stampOf(at).padEnd(6))}  ${who} ${arrow} ${first}`);
    for (const line of rest) this.write(`${INDENT}${" ".repeat(who.length + arrow.length + 2)}${line}`);
  }

  /** A card, drawn as a box under the line that announces it. */
  card(who: string, arrow: string, label: string, card: unknown, at = Date.now()): void {
    this.record({ kind: "card", who, bot: this.isBot(who), label, card, at });
    this.utterance(who, arrow, label, at);
    for (const line of renderCard(card, { names: this.names, color: this.color })) this.write(INDENT + line);
  }

  /** A narrator's line: what happens outside the chat. */
  note(text: string, at = Date.now()): void {
    this.record({ kind: "note", text, at });
    this.write(this.dim(`${this.stampOf(at).padEnd(6)}  · ${text}`));
  }

  heading(text: string): void {
    this.record({ kind: "heading", text });
    this.write("");
    this.write(this.color ? `\x1b[1m${text}\x1b[0m` : text);
    this.write(this.dim("─".repeat(Math.min(60, Math.max(8, text.length)))));
  }

  line(text = ""): void {
    this.write(text);
  }
}

/** The content a message was created with (its `content` changes with every patch). */
function originalContent(emu: Emulator, message: SentMessage): string {
  for (const r of emu.requests) {
    if (r.route !== "reply" && r.route !== "create") continue;
    const data = (r.response as { data?: { message_id?: unknown } } | undefined)?.data;
    const content = (r.body as { content?: unknown } | undefined)?.content;
    if (data?.message_id === message.message_id && typeof content === "string") return content;
  }
  return message.content;
}

function parse(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return undefined;
  }
}

/**
 * Prints every message the bot sends through the emulator, and every accepted patch of a card, in the order
 * they happened. `flush()` prints what is new; call it often (until() does).
 */
export class MessageFeed {
  private readonly printed = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emu: Emulator,
    private readonly transcript: Transcript,
    /** "Task Bot (DM)" for a chat id. */
    private readonly speaker: (chatId: string) => string,
  ) {}

  /** Counts of what was printed so far. */
  get counts(): { messages: number; patches: number } {
    let patches = 0;
    for (const n of this.printed.values()) patches += n;
    return { messages: this.printed.size, patches };
  }

  flush(): void {
    const events: Array<{ at: number; print: () => void }> = [];
    for (const m of this.emu.messages) {
      const done = this.printed.get(m.message_id);
      if (done === undefined) events.push({ at: m.created_at, print: () => this.printMessage(m) });
      m.patches.slice(done ?? 0).forEach((patch) => {
        events.push({
          at: patch.at,
          print: () =>
            this.transcript.card(this.speaker(m.chat_id), "✎", "card updated", patch.card, patch.at),
        });
      });
      this.printed.set(m.message_id, m.patches.length);
    }
    events.sort((a, b) => a.at - b.at);
    for (const e of events) e.print();
  }

  private printMessage(m: SentMessage): void {
    const who = this.speaker(m.chat_id);
    if (m.msg_type === "interactive") {
      this.transcript.card(who, "›", "[card]", parse(originalContent(this.emu, m)) ?? m.card, m.created_at);
    } else if (m.msg_type === "text") {
      const text = (parse(originalContent(this.emu, m)) as { text?: unknown } | undefined)?.text;
      this.transcript.say(
        who,
        "›",
        renderText(String(text ?? m.text ?? ""), this.transcript.names),
        m.created_at,
      );
    } else {
      this.transcript.say(who, "›", `[${m.msg_type} message]`, m.created_at);
    }
  }

  /** Prints new messages and patches every `intervalMs` until stop(). */
  start(intervalMs = 100): void {
    this.stop();
    this.timer = setInterval(() => this.flush(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Waits for `check()` to return something, printing what arrives meanwhile. Throws an ExpectationError saying what
   * was expected (`what`, e.g. "a card in the DM") after `timeoutMs`.
   */
  async until<T>(what: string, check: () => T | undefined | false | null, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.flush();
      const value = check();
      if (value) return value;
      if (Date.now() >= deadline)
        throw new ExpectationError(`did not see ${what} within ${timeoutMs / 1000} s`);
      await sleep(25);
    }
  }

  /** Prints what arrives during `ms`. */
  async during(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      this.flush();
      await sleep(25);
    }
    this.flush();
  }
}
