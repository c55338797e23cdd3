/**
 * im/v1 message routes: reply, create (with uuid dedupe, rate-limited per chat) and patch (cards only,
 * rate-limited per message). The per-app gateway limits are applied before, in server.ts.
 */

import { type Answer, fail, field, fromCheck, ok, type RouteInput } from "./answer";
import { CODES, HTTP, TENANT_KEY, UUID_MAX_LENGTH } from "./constants";
import { randomHex } from "./crypto";
import { imLimit } from "./limits";
import type { SentMessage } from "./types";
import { badParam, type ContentCheck, checkContent } from "./validate";

const invalidMessageId = (): Answer => fromCheck(badParam("invalid message_id."));
const RECEIVE_ID_TYPES = new Set(["chat_id", "open_id", "user_id", "union_id", "email"]);

function messageData(m: SentMessage, appId: string, rootId: string): Record<string, unknown> {
  const time = String(m.created_at);
  return {
    message_id: m.message_id,
    root_id: rootId,
    parent_id: m.reply_to ?? "",
    msg_type: m.msg_type,
    create_time: time,
    update_time: time,
    deleted: false,
    updated: false,
    chat_id: m.chat_id,
    sender: { id: appId, id_type: "app_id", sender_type: "app", tenant_key: TENANT_KEY },
    body: { content: m.content },
  };
}

interface NewMessage {
  chat_id: string;
  root_id: string;
  reply_to?: string;
  receive_id?: string;
  receive_id_type?: string;
}

/** Shared by reply and create: uuid dedupe, content validation, creation. */
function send(input: RouteInput, target: NewMessage): Answer {
  const { state, options, body } = input;
  const uuid = field(body, "uuid");
  if (uuid !== undefined && (typeof uuid !== "string" || uuid.length > UUID_MAX_LENGTH)) {
    return fromCheck(badParam(`uuid must be a string of at most ${UUID_MAX_LENGTH} characters.`));
  }
  const existing = uuid ? state.byUuid(uuid) : undefined;
  const msgType = field(body, "msg_type");
  const content = field(body, "content");
  const check: ContentCheck = existing
    ? { ok: true }
    : checkContent(msgType, content, undefined, state.tenant);
  if (!check.ok) return fromCheck(check);
  // Checked once the call is otherwise valid; a uuid dedupe hit counts too [?].
  const limited = imLimit(
    state.windows,
    "messagesPerSecondPerChat",
    target.chat_id,
    options.messagesPerSecondPerChat,
    state.now(),
  );
  if (limited) return limited;
  if (existing) {
    return ok(messageData(existing, options.appId, state.known.get(existing.message_id)?.root_id ?? ""));
  }
  const message: SentMessage = {
    message_id: `om_emu${randomHex(14)}`,
    chat_id: target.chat_id,
    msg_type: msgType as string,
    content: content as string,
    created_at: state.now(),
    patches: [],
  };
  if (check.card !== undefined) message.card = check.card;
  if (check.text !== undefined) message.text = check.text;
  if (uuid) message.uuid = uuid;
  if (target.reply_to) message.reply_to = target.reply_to;
  if (target.receive_id !== undefined) message.receive_id = target.receive_id;
  if (target.receive_id_type !== undefined) message.receive_id_type = target.receive_id_type;
  state.addMessage(message, target.root_id);
  if (uuid) state.rememberUuid(uuid, message.message_id);
  return ok(messageData(message, options.appId, target.root_id));
}

export function reply(input: RouteInput): Answer {
  const parent = input.messageId ? input.state.known.get(input.messageId) : undefined;
  if (!parent) return invalidMessageId();
  return send(input, {
    chat_id: parent.chat_id,
    root_id: parent.root_id || parent.message_id,
    reply_to: parent.message_id,
  });
}

export function create(input: RouteInput): Answer {
  const type = input.query.receive_id_type;
  if (!type || !RECEIVE_ID_TYPES.has(type)) {
    return fail(HTTP.IM_ERROR, CODES.FIELD_VALIDATION, "field validation failed: receive_id_type");
  }
  const receiveId = field(input.body, "receive_id");
  if (typeof receiveId !== "string" || receiveId === "") return fromCheck(badParam("invalid receive_id."));
  const chatId =
    type === "chat_id"
      ? receiveId
      : input.state.p2pChat(type === "open_id" ? receiveId : `${type}:${receiveId}`);
  return send(input, { chat_id: chatId, root_id: "", receive_id: receiveId, receive_id_type: type });
}

export function patch({ state, options, body, messageId }: RouteInput): Answer {
  const known = messageId ? state.known.get(messageId) : undefined;
  const message = messageId ? state.message(messageId) : undefined;
  if (!known || !messageId) return invalidMessageId();
  if (!known.fromBot || !message) {
    return fail(HTTP.IM_ERROR, CODES.IM_NOT_SENDER, "Bot is NOT the sender of the message.");
  }
  if (message.msg_type !== "interactive")
    return fromCheck(badParam("only interactive messages can be patched."));
  const check = checkContent("interactive", field(body, "content"), message.card, state.tenant);
  if (!check.ok) return fromCheck(check);
  if (!check.card) return fromCheck(badParam("invalid message content."));
  const limited = imLimit(
    state.windows,
    "patchPerSecondPerMessage",
    messageId,
    options.patchPerSecondPerMessage,
    state.now(),
  );
  if (limited) return limited;
  const content = field(body, "content") as string;
  const at = state.now();
  message.content = content;
  message.card = check.card;
  message.patches.push({ at, content, card: check.card });
  return ok({});
}
