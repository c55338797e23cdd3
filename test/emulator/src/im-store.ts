/**
 * The messages of every tenant (message ids are global; each message belongs to one tenant): those the bot sent (kept for tests as SentMessage), those users sent
 * (registered by messageEvent), their threads (topics) and whether they were recalled or deleted, and the
 * uuid window of sends.
 */
import { UUID_WINDOW_MS } from "./constants";
import { randomHex } from "./crypto";
import type { SentMessage } from "./types";

/** A message the bot may reply to or patch: one it received (messageEvent) or one it sent. */
export interface KnownMessage {
  message_id: string;
  chat_id: string;
  /** The tenant whose chat it is in. */
  tenant_key: string;
  /** The first message of its reply chain or thread; "" for a message that starts one. */
  root_id: string;
  parent_id: string;
  /** The thread (topic) it lives in, "omt_..."; "" for none. */
  thread_id: string;
  fromBot: boolean;
  /** The emulator clock when it was sent. */
  created_at: number;
  /** Set by recall() / deleteMessage(). */
  gone?: "recalled" | "deleted";
}

export class ImStore {
  messages: SentMessage[] = [];
  readonly known = new Map<string, KnownMessage>();
  private readonly byId = new Map<string, SentMessage>();
  private readonly threads = new Map<string, { chat_id: string; root_id: string }>();
  private uuids = new Map<string, { messageId: string; at: number }>();

  constructor(private readonly now: () => number) {}

  addSent(message: SentMessage): void {
    this.messages.push(message);
    this.byId.set(message.message_id, message);
    this.known.set(message.message_id, {
      message_id: message.message_id,
      chat_id: message.chat_id,
      tenant_key: message.tenant_key,
      root_id: message.root_id ?? "",
      parent_id: message.reply_to ?? "",
      thread_id: message.thread_id ?? "",
      fromBot: true,
      created_at: message.created_at,
    });
  }

  sent(messageId: string): SentMessage | undefined {
    return this.byId.get(messageId);
  }

  registerInbound(message: Omit<KnownMessage, "fromBot">): void {
    this.known.set(message.message_id, { ...message, fromBot: false });
  }

  /** Opens a thread (topic) rooted at a message: the root and later messages in it carry its id. */
  startThread(chatId: string, rootId: string): string {
    const threadId = `omt_${randomHex(14)}`;
    this.threads.set(threadId, { chat_id: chatId, root_id: rootId });
    const root = this.known.get(rootId);
    if (root) root.thread_id = threadId;
    const sent = this.byId.get(rootId);
    if (sent) sent.thread_id = threadId;
    return threadId;
  }

  /** recall() / deleteMessage(): later replies to it and patches of it are refused. */
  markGone(messageId: string, how: "recalled" | "deleted"): void {
    const known = this.known.get(messageId);
    if (!known)
      throw new Error(`${how === "recalled" ? "recall" : "deleteMessage"}: unknown message ${messageId}`);
    known.gone = how;
  }

  thread(threadId: string): { chat_id: string; root_id: string } | undefined {
    return this.threads.get(threadId);
  }

  /** The message already created with this uuid within the last hour, if any. */
  byUuid(uuid: string): SentMessage | undefined {
    const hit = this.uuids.get(uuid);
    if (!hit || this.now() - hit.at > UUID_WINDOW_MS) return undefined;
    return this.byId.get(hit.messageId);
  }

  rememberUuid(uuid: string, messageId: string): void {
    this.uuids.set(uuid, { messageId, at: this.now() });
  }

  reset(): void {
    this.messages = [];
    this.known.clear();
    this.byId.clear();
    this.threads.clear();
    this.uuids = new Map();
  }
}
