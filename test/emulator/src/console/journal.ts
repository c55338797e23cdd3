/**
 * The inspector's journal: every API call the bot made to the emulator and every event or callback the
 * console sent the bot, in order, with the JSON of both sides, secrets redacted (redact.ts). Keeps the last
 * MAX_ENTRIES; each change goes to the page as it happens.
 */
import type { Emulator } from "../index";
import type { RecordedRequest } from "../types";
import { redact } from "./redact";

export interface JournalEntry {
  seq: number;
  kind: "api" | "event" | "callback";
  /** `POST /open-apis/im/v1/messages/:id/reply` or the event type. */
  title: string;
  /** The emulator's route name (API calls), or the transport (events). */
  route: string;
  at: number;
  /** HTTP status, or the ack's code; 0 while pending. */
  status: number;
  ms?: number;
  request: unknown;
  response?: unknown;
  /** A fault answered it, a rate limit refused it, or why an event did not arrive. */
  note?: string;
}

const MAX_ENTRIES = 2000;

export class Journal {
  private readonly entries: JournalEntry[] = [];
  private seq = 0;
  private readonly records = new WeakMap<RecordedRequest, JournalEntry>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    emu: Emulator,
    private readonly secrets: readonly string[],
    private readonly changed: (entry: JournalEntry) => void,
  ) {
    this.unsubscribe = [
      emu.onRequest((record) => {
        const entry = this.add({
          kind: "api",
          title: `${record.method} ${record.path}`,
          route: record.route,
          at: Date.now(),
          status: 0,
          request: { query: record.query, headers: record.headers, body: record.body },
        });
        this.records.set(record, entry);
      }),
      emu.onAnswer((record) => {
        const entry = this.records.get(record);
        if (!entry) return;
        this.update(entry, {
          status: record.status,
          ms: Date.now() - entry.at,
          response: record.response,
          note: record.rateLimit
            ? `rate limit: ${record.rateLimit}`
            : record.fault
              ? "answered by an injected fault"
              : undefined,
        });
      }),
    ];
  }

  add(entry: Omit<JournalEntry, "seq">): JournalEntry {
    const full: JournalEntry = { ...entry, seq: ++this.seq };
    full.request = redact(full.request, this.secrets);
    this.entries.push(full);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    this.changed(full);
    return full;
  }

  update(entry: JournalEntry, change: Partial<Omit<JournalEntry, "seq">>): void {
    Object.assign(entry, change);
    if ("response" in change) entry.response = redact(change.response, this.secrets);
    if ("request" in change) entry.request = redact(change.request, this.secrets);
    this.changed(entry);
  }

  all(): JournalEntry[] {
    return [...this.entries];
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }
}

/** Who the journal must never show: the app secret, the encrypt key and the verification token. */
export function secretsOf(emu: Emulator): string[] {
  const { appSecret, encryptKey, verificationToken } = emu.options;
  return [appSecret, encryptKey, verificationToken].filter((s) => s !== "");
}
