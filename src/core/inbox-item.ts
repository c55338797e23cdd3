import type { IncomingMessage } from "./incoming";

/** Work recorded before Feishu gets its answer: a chat message, or the bot being added to a group. */
export type InboxPayload =
  | { kind: "message"; tenantKey: string; message: IncomingMessage }
  | { kind: "bot_added"; tenantKey: string; chatId: string; operatorOpenId: string; eventId: string };

export interface InboxItem {
  /** Unique per tenant and message: see `scopedKey`. */
  key: string;
  payload: InboxPayload;
  receivedAt: number;
  attempts: number;
}

/** A dedupe key (message id, event id) made unique per tenant; a self-built app has the one tenant "". */
export function scopedKey(tenantKey: string, id: string): string {
  return tenantKey ? `${tenantKey}:${id}` : id;
}
