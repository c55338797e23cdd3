/**
 * The chats as people see them: what people said (the events the console sent) and what the bot sent (the
 * emulator's messages), each with the card it shows now. A click's answer may carry a card, which Feishu
 * shows in place of the old one until the bot patches it again; the newer of the two wins.
 */
import type { Emulator } from "../index";
import type { EventEnvelope, MessageReceiveEvent, SentMessage } from "../types";
import type { Person } from "./world";

export interface MessageView {
  id: string;
  chatId: string;
  senderId: string;
  senderName: string;
  bot: boolean;
  at: number;
  msgType: string;
  text?: string;
  post?: unknown;
  card?: unknown;
  /** The message it is shown under (a reply chain's or a topic's first message); none = top level. */
  rootId?: string;
  threadId?: string;
  /** How often the card changed (patches and click answers). */
  updates: number;
  /** What happened to a person's message on its way (not sent to the bot, the bot's answer, …). */
  note?: string;
}

interface Override {
  card: unknown;
  at: number;
}

function parse(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return undefined;
  }
}

export class Conversation {
  private readonly people = new Map<string, MessageView>();
  private readonly overrides = new Map<string, Override>();
  /** What the page last got for each bot message: patch count and override time. */
  private readonly shown = new Map<string, string>();

  constructor(
    private readonly emu: Emulator,
    private readonly changed: (view: MessageView) => void,
  ) {}

  /** A person's message, from the event the console built. */
  said(envelope: EventEnvelope<MessageReceiveEvent>, person: Person): MessageView {
    const m = envelope.event.message;
    const view: MessageView = {
      id: m.message_id,
      chatId: m.chat_id,
      senderId: person.openId,
      senderName: person.name,
      bot: false,
      at: Date.now(),
      msgType: m.message_type,
      ...(m.message_type === "post"
        ? { post: parse(m.content) }
        : { text: withMentions(textOf(m.content), m.mentions ?? []) }),
      ...(m.root_id ? { rootId: m.root_id } : {}),
      ...(m.thread_id ? { threadId: m.thread_id } : {}),
      updates: 0,
    };
    this.people.set(view.id, view);
    this.changed(view);
    return view;
  }

  note(messageId: string, note: string): void {
    const view = this.people.get(messageId);
    if (!view) return;
    view.note = note;
    this.changed(view);
  }

  /** A click's answer carried a card: the client shows it now. */
  override(messageId: string, card: unknown): void {
    this.overrides.set(messageId, { card, at: Date.now() });
    this.sync();
  }

  /** The card a message shows now (the bot's latest patch, or a newer click answer). */
  cardOf(messageId: string): unknown {
    const sent = this.emu.message(messageId);
    if (!sent) return undefined;
    const override = this.overrides.get(messageId);
    const lastPatch = sent.patches.at(-1)?.at ?? sent.created_at;
    return override && override.at >= lastPatch ? override.card : sent.card;
  }

  /** Tells the page about every bot message that is new or changed since the last sync. */
  sync(): void {
    for (const sent of this.emu.messages) {
      const mark = `${sent.patches.length}:${this.overrides.get(sent.message_id)?.at ?? 0}`;
      if (this.shown.get(sent.message_id) === mark) continue;
      this.shown.set(sent.message_id, mark);
      this.changed(this.botView(sent));
    }
  }

  all(): MessageView[] {
    const bot = this.emu.messages.map((m) => this.botView(m));
    return [...this.people.values(), ...bot].sort((a, b) => a.at - b.at);
  }

  private botView(sent: SentMessage): MessageView {
    const root = sent.root_id ?? sent.reply_to;
    return {
      id: sent.message_id,
      chatId: sent.chat_id,
      senderId: this.emu.options.botOpenId,
      senderName: this.emu.options.botName,
      bot: true,
      at: sent.created_at,
      msgType: sent.msg_type,
      ...(sent.msg_type === "interactive" ? { card: this.cardOf(sent.message_id) } : {}),
      ...(sent.msg_type === "text" ? { text: sent.text ?? "" } : {}),
      ...(sent.msg_type === "post" ? { post: parse(sent.content) } : {}),
      ...(root && root !== sent.message_id ? { rootId: root } : {}),
      ...(sent.thread_id ? { threadId: sent.thread_id } : {}),
      updates: sent.patches.length + (this.overrides.has(sent.message_id) ? 1 : 0),
    };
  }
}

function textOf(content: string): string {
  const parsed = parse(content) as { text?: unknown } | undefined;
  return typeof parsed?.text === "string" ? parsed.text : content;
}

/** The client shows a mention key (`@_user_1`) as the person it names: an `<at>` the renderer draws. */
function withMentions(
  text: string,
  mentions: ReadonlyArray<{ key: string; name: string; id: { open_id?: string } }>,
): string {
  let out = text;
  for (const m of mentions) out = out.split(m.key).join(`<at user_id="${m.id.open_id ?? ""}">${m.name}</at>`);
  return out;
}
