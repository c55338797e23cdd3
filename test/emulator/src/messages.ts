/**
 * im/v1 message routes: reply, create (with uuid dedupe, rate-limited per chat) and patch (cards only,
 * rate-limited per message), with threads (topics) and the tenant's permanent refusals (refusals.ts). The
 * per-app gateway limits are applied before, in server.ts.
 */

import { type Answer, fail, field, fromCheck, ok, type RouteInput } from "./answer";
import { CODES, CROSS_TENANT, HTTP, UUID_MAX_LENGTH } from "./constants";
import { randomHex } from "./crypto";
import { imLimit } from "./limits";
import { refusal } from "./refusals";
import type { SentMessage } from "./types";
import { badParam, type ContentCheck, checkContent } from "./validate";

const invalidMessageId = (): Answer => fromCheck(badParam("invalid message_id."));
const RECEIVE_ID_TYPES = new Set(["chat_id", "open_id", "user_id", "union_id", "email"]);

function messageData(m: SentMessage, appId: string): Record<string, unknown> {
  const time = String(m.created_at);
  return {
    message_id: m.message_id,
    root_id: m.root_id ?? "",
    parent_id: m.reply_to ?? "",
    ...(m.thread_id ? { thread_id: m.thread_id } : {}),
    msg_type: m.msg_type,
    create_time: time,
    update_time: time,
    deleted: false,
    updated: false,
    chat_id: m.chat_id,
    sender: { id: appId, id_type: "app_id", sender_type: "app", tenant_key: m.tenant_key },
    body: { content: m.content },
  };
}

/** Where a new message goes in its chat's threads (topics). */
type Placement =
  /** A plain message, or a reply in a reply chain (root_id "" when it starts one). */
  | { kind: "plain"; root_id: string }
  /** Into an existing thread. */
  | { kind: "in"; thread_id: string; root_id: string }
  /** A reply with reply_in_thread: a new thread rooted at the message replied to. */
  | { kind: "from"; root_id: string }
  /** A create into a topic group: a new topic that starts with this message. */
  | { kind: "topic" };

interface NewMessage {
  chat_id: string;
  placement: Placement;
  reply_to?: string;
  receive_id?: string;
  receive_id_type?: string;
}

/** Shared by reply and create: uuid dedupe, content validation, creation. */
function send(input: RouteInput, target: NewMessage): Answer {
  const { state, options, body, tenant } = input;
  const uuid = field(body, "uuid");
  if (uuid !== undefined && (typeof uuid !== "string" || uuid.length > UUID_MAX_LENGTH)) {
    return fromCheck(badParam(`uuid must be a string of at most ${UUID_MAX_LENGTH} characters.`));
  }
  const existing = uuid ? state.im.byUuid(uuid) : undefined;
  const msgType = field(body, "msg_type");
  const content = field(body, "content");
  const check: ContentCheck = existing ? { ok: true } : checkContent(msgType, content, undefined, tenant);
  if (!check.ok) return fromCheck(check);
  // Checked once the call is otherwise valid; a uuid dedupe hit counts too [?].
  const limited = imLimit(
    state.windows,
    "messagesPerSecondPerChat",
    target.chat_id,
    options.messagesPerSecondPerChat,
    state.now(),
    tenant.key,
  );
  if (limited) return limited;
  if (existing) return ok(messageData(existing, options.appId));
  const message: SentMessage = {
    message_id: `om_emu${randomHex(14)}`,
    chat_id: target.chat_id,
    tenant_key: tenant.key,
    msg_type: msgType as string,
    content: content as string,
    created_at: state.now(),
    patches: [],
  };
  if (check.card !== undefined) message.card = check.card;
  if (check.text !== undefined) message.text = check.text;
  if (uuid) message.uuid = uuid;
  if (target.reply_to) message.reply_to = target.reply_to;
  const { placement } = target;
  if (placement.kind !== "topic" && placement.root_id) message.root_id = placement.root_id;
  if (placement.kind === "in") message.thread_id = placement.thread_id;
  if (target.receive_id !== undefined) message.receive_id = target.receive_id;
  if (target.receive_id_type !== undefined) message.receive_id_type = target.receive_id_type;
  if (placement.kind === "from") message.thread_id = state.im.startThread(message.chat_id, placement.root_id);
  if (placement.kind === "topic")
    message.thread_id = state.im.startThread(message.chat_id, message.message_id);
  state.im.addSent(message);
  if (uuid) state.im.rememberUuid(uuid, message.message_id);
  return ok(messageData(message, options.appId));
}

export function reply(input: RouteInput): Answer {
  const { state, body } = input;
  const parent = input.messageId ? state.im.known.get(input.messageId) : undefined;
  if (!parent) return invalidMessageId();
  const refused = refusal(state, input.tenant, "reply", parent.chat_id, parent);
  if (refused) return refused;
  const root = parent.root_id || parent.message_id;
  let placement: Placement = { kind: "plain", root_id: root };
  if (parent.thread_id) {
    const thread = state.im.thread(parent.thread_id);
    placement = { kind: "in", thread_id: parent.thread_id, root_id: thread?.root_id ?? root };
  } else if (field(body, "reply_in_thread") === true) {
    placement = { kind: "from", root_id: parent.message_id };
  }
  return send(input, { chat_id: parent.chat_id, placement, reply_to: parent.message_id });
}

export function create(input: RouteInput): Answer {
  const { state, tenant } = input;
  const type = input.query.receive_id_type;
  if (!type || !RECEIVE_ID_TYPES.has(type)) {
    return fail(HTTP.IM_ERROR, CODES.FIELD_VALIDATION, "field validation failed: receive_id_type");
  }
  const receiveId = field(input.body, "receive_id");
  if (typeof receiveId !== "string" || receiveId === "") return fromCheck(badParam("invalid receive_id."));
  if (type !== "chat_id" && !tenant.isKnownUser(receiveId)) {
    // A user only another tenant has is outside this tenant's availability [?].
    const elsewhere = state.tenants.all().some((t) => t !== tenant && t.isKnownUser(receiveId));
    if (elsewhere) return fail(HTTP.IM_ERROR, CROSS_TENANT.USER.code, CROSS_TENANT.USER.msg);
  }
  const openId = type === "open_id" ? receiveId : (tenant.openIdOf(receiveId) ?? `${type}:${receiveId}`);
  const chatId = type === "chat_id" ? receiveId : tenant.p2pChat(openId);
  const refused = refusal(state, tenant, "create", chatId);
  if (refused) return refused;
  const topic = tenant.chat(chatId).type === "topic_group";
  const placement: Placement = topic ? { kind: "topic" } : { kind: "plain", root_id: "" };
  return send(input, { chat_id: chatId, placement, receive_id: receiveId, receive_id_type: type });
}

export function patch({ state, options, body, messageId, tenant }: RouteInput): Answer {
  const known = messageId ? state.im.known.get(messageId) : undefined;
  const message = messageId ? state.im.sent(messageId) : undefined;
  if (!known || !messageId) return invalidMessageId();
  if (!known.fromBot || !message) {
    return fail(HTTP.IM_ERROR, CODES.IM_NOT_SENDER, "Bot is NOT the sender of the message.");
  }
  const refused = refusal(state, tenant, "patch", known.chat_id, known);
  if (refused) return refused;
  if (message.msg_type !== "interactive")
    return fromCheck(badParam("only interactive messages can be patched."));
  const check = checkContent("interactive", field(body, "content"), message.card, tenant);
  if (!check.ok) return fromCheck(check);
  if (!check.card) return fromCheck(badParam("invalid message content."));
  const limited = imLimit(
    state.windows,
    "patchPerSecondPerMessage",
    messageId,
    options.patchPerSecondPerMessage,
    state.now(),
    tenant.key,
  );
  if (limited) return limited;
  const content = field(body, "content") as string;
  const at = state.now();
  message.content = content;
  message.card = check.card;
  message.patches.push({ at, content, card: check.card });
  return ok({});
}
