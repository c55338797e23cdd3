/**
 * The one shape of what arrives from Feishu, as the core sees it: whichever transport (webhook, long
 * connection) and envelope (v2, v1, the legacy card callback) carried it. The readers that build these from
 * Feishu's bodies live in feishu/ (message.ts, incoming.ts); nothing here knows about them.
 */

/**
 * `p2p` (a direct message), `group`, or `topic_group` (话题群: every message lives in a topic, and a plain
 * send opens a new one). Any chat type Feishu adds later is read as `group`: never an error.
 */
export type ChatType = "p2p" | "group" | "topic_group";

export function readChatType(value: unknown): ChatType {
  return value === "p2p" || value === "topic_group" ? value : "group";
}

export interface Mention {
  key: string;
  openId: string;
  name: string;
}

/** An incoming chat message, as the core and the handlers see it. */
export interface IncomingMessage {
  messageId: string;
  eventId: string;
  chatId: string;
  chatType: ChatType;
  /** The topic the message belongs to ("" outside topics); replies to the message stay in it. */
  threadId: string;
  senderOpenId: string;
  senderType: string;
  messageType: string;
  /**
   * The words of a `text` or `post` (rich text) message, as plain text: mention placeholders like @_user_1
   * still in it, paragraphs on their own lines; "" for other types.
   */
  text: string;
  mentions: Mention[];
}

/** A click on a card button, verified, from either callback format. */
export interface CardAction {
  /** Unique per click: the event id (`card.action.trigger`), or the legacy body's update token. */
  eventId: string;
  tenantKey: string;
  operatorOpenId: string;
  openMessageId: string;
  chatId: string;
  value: Record<string, unknown>;
}

/** One verified event. */
export type Incoming =
  | { kind: "message"; tenantKey: string; message: IncomingMessage }
  | { kind: "bot_added"; tenantKey: string; eventId: string; chatId: string; operatorOpenId: string }
  | { kind: "card_action"; action: CardAction }
  /** Store apps: the hourly ticket from which app access tokens are made. */
  | { kind: "app_ticket"; eventId: string; ticket: string }
  /** Store apps: the app was uninstalled, stopped or started again by a tenant. */
  | { kind: "tenant_status"; eventId: string; tenantKey: string; status: "active" | "uninstalled" }
  /** A person's authorization of the app ended at Feishu (signed out, revoked, left the company, ...). */
  | { kind: "user_revoked"; eventId: string; tenantKey: string; openId: string }
  | { kind: "other"; eventId: string; eventType: string };
