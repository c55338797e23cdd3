import { createHash } from "node:crypto";
import type { FeishuApi, OutgoingMessage, Purpose, Recipient, SentMessage } from "./core/feishu-api";
import type { KvStore } from "./store/roles";

/**
 * Sends each intended message at most once. Every message carries a Feishu `uuid` derived from what it is for
 * (messageUuid), and its content is pinned to that uuid the first time (KvStore.pinContent): a retry, or a
 * redo after a crash between "sent" and "recorded", sends exactly what the first try meant to, and Feishu's
 * uuid dedupe (one hour) hands back the first message instead of posting a second.
 */
/** A message the outbox sent; `pinnedEarlier`: an earlier try pinned other content to its uuid, so Feishu holds
 * that content (its uuid dedupe hands back the first message), not the content asked for now. */
export interface OutboxSent extends SentMessage {
  pinnedEarlier: boolean;
}

export class Outbox {
  constructor(
    private readonly kv: Pick<KvStore, "pinContent">,
    private readonly feishu: FeishuApi,
    private readonly now: () => number,
  ) {}

  /** Replies to a message (in its topic when it is in one). */
  async reply(
    tenantKey: string,
    to: { messageId: string; chatId: string },
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<OutboxSent> {
    const { pinned, pinnedEarlier } = await this.pin(uuid, message);
    return { ...(await this.feishu.reply(tenantKey, to, pinned, uuid, purpose)), pinnedEarlier };
  }

  /** A new message into a chat (in a topic group: a new topic) or to a user. */
  async send(
    tenantKey: string,
    to: Recipient,
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<OutboxSent> {
    const { pinned, pinnedEarlier } = await this.pin(uuid, message);
    return { ...(await this.feishu.send(tenantKey, to, pinned, uuid, purpose)), pinnedEarlier };
  }

  private async pin(
    uuid: string,
    message: OutgoingMessage,
  ): Promise<{ pinned: OutgoingMessage; pinnedEarlier: boolean }> {
    const content = JSON.stringify(message);
    const kept = await this.kv.pinContent(uuid, content, this.now());
    return { pinned: JSON.parse(kept) as OutgoingMessage, pinnedEarlier: kept !== content };
  }
}

/**
 * A deterministic Feishu `uuid` (≤ 50 chars) for one intended message, so that a retry, or a crash between
 * "sent" and "recorded", never posts it twice (Feishu keeps a uuid for one hour).
 */
export function messageUuid(purpose: string, ...parts: string[]): string {
  const digest = createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 40);
  return `${purpose.slice(0, 8)}-${digest}`;
}
