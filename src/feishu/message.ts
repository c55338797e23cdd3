import { type IncomingMessage, type Mention, readChatType } from "../core/incoming";
import { asObject, requireString } from "./envelope";
import { WebhookError } from "./verify";

/** A text message may be 150 KB; a command is a few words, so only its start is kept. */
const MAX_TEXT = 4000;

/** Reads an im.message.receive_v1 event body; throws WebhookError(400) when its shape is wrong. */
export function readMessageEvent(event: Record<string, unknown>, eventId: string): IncomingMessage {
  const sender = asObject(event.sender, "event.sender");
  const senderId = sender.sender_id === undefined ? {} : asObject(sender.sender_id, "event.sender.sender_id");
  const message = asObject(event.message, "event.message");
  if (typeof message.chat_type !== "string")
    throw new WebhookError(400, "message.chat_type must be a string");
  const messageType = requireString(message.message_type, "message.message_type");
  return {
    messageId: requireString(message.message_id, "message.message_id").slice(0, 200),
    eventId,
    chatId: requireString(message.chat_id, "message.chat_id").slice(0, 200),
    chatType: readChatType(message.chat_type),
    threadId: typeof message.thread_id === "string" ? message.thread_id.slice(0, 200) : "",
    senderOpenId: typeof senderId.open_id === "string" ? senderId.open_id : "",
    senderType: typeof sender.sender_type === "string" ? sender.sender_type : "",
    messageType,
    text: readWords(messageType, message.content),
    mentions: readMentions(message.mentions),
  };
}

function readWords(messageType: string, content: unknown): string {
  if (messageType !== "text" && messageType !== "post") return "";
  if (typeof content !== "string") throw new WebhookError(400, "message.content must be a JSON string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new WebhookError(400, "message.content is not JSON");
  }
  if (parsed === null || typeof parsed !== "object") return "";
  const words = messageType === "text" ? (parsed as { text?: unknown }).text : postText(parsed);
  return typeof words === "string" ? words.slice(0, MAX_TEXT) : "";
}

/**
 * The plain text of a rich-text (`post`) content: `{"title", "content": [[element, ...], ...]}`, one line per
 * paragraph. `text`, `a`, `code_block` and `md` give their text; `at` gives its mention placeholder (so mentions
 * are stripped exactly as in a text message); images, emoji and anything unknown give a space. A content
 * wrapped in a language key (`{"zh_cn": {...}}`, the shape used for sending) is read too.
 */
function postText(post: object): string {
  let body = post as { title?: unknown; content?: unknown };
  if (!Array.isArray(body.content)) {
    const inner = Object.values(post).find(
      (v) => v !== null && typeof v === "object" && Array.isArray((v as { content?: unknown }).content),
    );
    if (!inner) return "";
    body = inner as typeof body;
  }
  const lines: string[] = [];
  let length = 0;
  for (const paragraph of body.content as unknown[]) {
    if (!Array.isArray(paragraph) || length > MAX_TEXT) continue;
    const line = paragraph.map(elementText).join("");
    lines.push(line);
    length += line.length;
  }
  // The title is not part of the command: a user who typed one still expects "/status ..." to work.
  return lines.join("\n");
}

function elementText(element: unknown): string {
  if (element === null || typeof element !== "object") return " ";
  const e = element as { tag?: unknown; text?: unknown; user_id?: unknown };
  switch (e.tag) {
    case "text":
    case "a":
    case "code_block":
    case "md":
      return typeof e.text === "string" ? e.text : " ";
    case "at":
      // In received events user_id is the placeholder (@_user_1); anything else is only a name to drop.
      return typeof e.user_id === "string" && e.user_id.startsWith("@_") ? ` ${e.user_id} ` : " ";
    default:
      return " ";
  }
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

/** Reads im.chat.member.bot.added_v1. */
export function readBotAdded(event: Record<string, unknown>): { chatId: string; operatorOpenId: string } {
  const operator = event.operator_id === undefined ? {} : asObject(event.operator_id, "event.operator_id");
  return {
    chatId: requireString(event.chat_id, "event.chat_id"),
    operatorOpenId: typeof operator.open_id === "string" ? operator.open_id : "",
  };
}
