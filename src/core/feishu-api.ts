/**
 * What the core needs from Feishu: the port. feishu/paced.ts implements it over the SDK (paced by the store's
 * budgets); tests may hand the app another implementation.
 */

export type TaskStatus = string; // "process" | "success" | "fail", or anything Feishu adds later

/** A message the bot sends: an interactive card (JSON 2.0) or plain text. */
export type OutgoingMessage = { card: object } | { text: string };

/** A message that was created: its id, and the chat it went into (a direct send by open_id learns it here). */
export interface SentMessage {
  messageId: string;
  chatId: string;
}

/** Where a new message goes: a chat, or a user (a direct message) by open_id. */
export interface Recipient {
  type: "chat_id" | "open_id";
  id: string;
}

/**
 * Why a message-API call is made. It sets the call's priority (a completion never waits behind cosmetics)
 * and labels the metric of calls by purpose, so operators see where their quota goes.
 */
export type Purpose = "reply" | "state_change" | "freshness" | "final" | "notice";

export interface FeishuApi {
  botOpenId(tenantKey: string): Promise<string>;
  /**
   * As the app, or as a person with their user_access_token (user authorization). `notAfter` (ms since the
   * epoch, real time): when the turn in the task_check budget comes later, the call is not made
   * (LeaseLostError): the caller's lease on the watch has run out meanwhile, and another replica has the work.
   */
  taskCheck(
    tenantKey: string,
    taskId: string,
    userAccessToken?: string,
    notAfter?: number,
  ): Promise<TaskStatus>;
  /** Replies to a message (in its topic when it is in one). */
  reply(
    tenantKey: string,
    to: { messageId: string; chatId: string },
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<SentMessage>;
  /** A new message into a chat (in a topic group: a new topic) or to a user. */
  send(
    tenantKey: string,
    to: Recipient,
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<SentMessage>;
  /** Updates a card; "dropped" when a freshness update found the budget short (it is not queued). */
  patchCard(
    tenantKey: string,
    messageId: string,
    card: object,
    purpose: Purpose,
  ): Promise<"sent" | "dropped">;
}
