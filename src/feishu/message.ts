import { asObject, requireString } from "./envelope";
import { WebhookError } from "./verify";

export interface Mention {
  key: string;
  openId: string;
  name: string;
}

/** The one shape of an incoming chat message that the core and the handlers see. */
export interface IncomingMessage {
  messageId: string;
  eventId: string;
  chatId: string;
  chatType: "p2p" | "group";
  senderOpenId: string;
  senderType: string;
  messageType: string;
  /** Text of a text message (placeholders like @_user_1 still in it); "" for other types. */
  text: string;
  mentions: Mention[];
}

const MAX_TEXT = 4000;

/** Reads an im.message.receive_v1 event body; throws WebhookError(400) when its shape is wrong. */
export function readMessageEvent(event: Record<string, unknown>, eventId: string): IncomingMessage {
  const sender = asObject(event.sender, "event.sender");
  const senderId = sender.sender_id === undefined ? {} : asObject(sender.sender_id, "event.sender.sender_id");
  const message = asObject(event.message, "event.message");
  const chatType = message.chat_type;
  if (chatType !== "p2p" && chatType !== "group")
    throw new WebhookError(400, "message.chat_type is not p2p or group");
  const messageType = requireString(message.message_type, "message.message_type");
  return {
    messageId: requireString(message.message_id, "message.message_id").slice(0, 200),
    eventId,
    chatId: requireString(message.chat_id, "message.chat_id").slice(0, 200),
    chatType,
    senderOpenId: typeof senderId.open_id === "string" ? senderId.open_id : "",
    senderType: typeof sender.sender_type === "string" ? sender.sender_type : "",
    messageType,
    text: messageType === "text" ? readText(message.content) : "",
    mentions: readMentions(message.mentions),
  };
}

function readText(content: unknown): string {
  if (typeof content !== "string") throw new WebhookError(400, "message.content must be a JSON string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new WebhookError(400, "message.content is not JSON");
  }
  const text = (parsed as { text?: unknown } | null)?.text;
  return typeof text === "string" ? text.slice(0, MAX_TEXT) : "";
}

function readMentions(value: unknown): Mention[] {
  if (!Array.isArray(value)) return [];
  const mentions: Mention[] = [];
  for (const item of value.slice(0, 50)) {
    if (item === null || typeof item !== "object") continue;
    const m = item as { key?: unknown; name?: unknown; id?: { open_id?: unknown } };
    if (typeof m.key !== "string") continue;
    mentions.push({
      key: m.key,
      openId: typeof m.id?.open_id === "string" ? m.id.open_id : "",
      name: typeof m.name === "string" ? m.name : "",
    });
  }
  return mentions;
}

/** Reads a card.action.trigger event body (callbacks of JSON 2.0 cards). */
export function readCardAction(
  event: Record<string, unknown>,
  eventId: string,
): {
  eventId: string;
  operatorOpenId: string;
  openMessageId: string;
  chatId: string;
  value: Record<string, unknown>;
} {
  const operator = asObject(event.operator, "event.operator");
  const action = asObject(event.action, "event.action");
  const context = asObject(event.context, "event.context");
  let value: unknown = action.value;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      value = {};
    }
  }
  return {
    eventId,
    operatorOpenId: requireString(operator.open_id, "event.operator.open_id"),
    openMessageId: requireString(context.open_message_id, "event.context.open_message_id"),
    chatId: typeof context.open_chat_id === "string" ? context.open_chat_id : "",
    value:
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : {},
  };
}

/** Reads im.chat.member.bot.added_v1. */
export function readBotAdded(event: Record<string, unknown>): { chatId: string; operatorOpenId: string } {
  const operator = event.operator_id === undefined ? {} : asObject(event.operator_id, "event.operator_id");
  return {
    chatId: requireString(event.chat_id, "event.chat_id"),
    operatorOpenId: typeof operator.open_id === "string" ? operator.open_id : "",
  };
}
