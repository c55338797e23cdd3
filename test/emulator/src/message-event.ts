/**
 * `im.message.receive_v1` as Feishu sends it: text or rich text (`post`), in a p2p chat, a group or a topic
 * group, inside a thread or not. Registers the message (and its sender, mentions and chat type) so the bot
 * can reply to it.
 */
import { DEFAULT_USER_OPEN_ID } from "./constants";
import { randomHex } from "./crypto";
import { envelope, eventTenant } from "./events";
import type { EmulatorState } from "./state";
import type { Tenant } from "./tenant";
import type {
  EmulatorOptions,
  EventEnvelope,
  MessageEventInput,
  MessageMention,
  MessageReceiveEvent,
  PostElement,
} from "./types";

const BOT_KEY = "@_user_1";

function chatOf(state: EmulatorState, tenant: Tenant, input: MessageEventInput, sender: string): string {
  const anchor = input.threadOf === undefined ? undefined : state.im.known.get(input.threadOf);
  if (input.threadOf !== undefined && !anchor) {
    throw new Error(`messageEvent: threadOf ${input.threadOf} is not a message the emulator knows`);
  }
  if (anchor && input.chatId !== undefined && input.chatId !== anchor.chat_id) {
    throw new Error(
      `messageEvent: message ${anchor.message_id} is in chat ${anchor.chat_id}, not ${input.chatId}`,
    );
  }
  const chatId = anchor?.chat_id ?? input.chatId;
  if (input.chatType === "p2p") return tenant.p2pChat(sender, chatId);
  const id = chatId ?? `oc_${randomHex(16)}`;
  tenant.setChatType(id, input.chatType);
  return id;
}

/** The event's message_type and content string. */
function contentOf(input: MessageEventInput, botName: string): { type: string; content: string } {
  const type = input.messageType ?? (input.post ? "post" : "text");
  if (input.content !== undefined) return { type, content: input.content };
  if (!input.post) {
    const text = input.text ?? "";
    return { type, content: JSON.stringify({ text: input.mentionBot ? `${BOT_KEY} ${text}` : text }) };
  }
  const paragraphs: PostElement[][] = input.post.paragraphs.map((p) => [...p]);
  if (input.mentionBot) {
    const at: PostElement = { tag: "at", user_id: BOT_KEY, user_name: botName };
    if (paragraphs.length === 0) paragraphs.push([at]);
    else paragraphs[0].unshift(at, { tag: "text", text: " " });
  }
  return { type, content: JSON.stringify({ title: input.post.title ?? "", content: paragraphs }) };
}

export function messageEvent(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  input: MessageEventInput,
): EventEnvelope<MessageReceiveEvent> {
  const tenant = eventTenant(state, "messageEvent", { ...input, messageId: input.threadOf });
  const senderTenantKey = input.senderTenantKey ?? tenant.key;
  const senderOpenId = input.senderOpenId ?? DEFAULT_USER_OPEN_ID;
  const senderIds = tenant.addUser(senderOpenId);
  const chatId = chatOf(state, tenant, input, senderOpenId);
  const messageId = input.messageId ?? `om_${randomHex(16)}`;
  const mentions: MessageMention[] = (input.mentions ?? []).map((m) => ({
    key: m.key,
    id: tenant.addUser(m.openId),
    name: m.name,
    tenant_key: senderTenantKey,
  }));
  // Mentions carry the sender's tenant_key, as in the official example (feishu-protocol.md §3).
  if (input.mentionBot) {
    const id = tenant.addUser(tenant.botOpenId);
    mentions.unshift({ key: BOT_KEY, id, name: options.botName, tenant_key: senderTenantKey });
  }
  // Threads: into the thread of `threadOf` (starting one there if needed), or a new topic in a topic group.
  const now = options.now();
  let thread = { thread_id: "", root_id: "", parent_id: "" };
  const anchor = input.threadOf === undefined ? undefined : state.im.known.get(input.threadOf);
  if (anchor) {
    const existing = anchor.thread_id ? state.im.thread(anchor.thread_id) : undefined;
    const threadId = existing ? anchor.thread_id : state.im.startThread(chatId, anchor.message_id);
    const rootId = existing?.root_id ?? anchor.message_id;
    thread = { thread_id: threadId, root_id: rootId, parent_id: anchor.message_id };
  }
  const inbound = { message_id: messageId, chat_id: chatId, tenant_key: tenant.key, created_at: now };
  state.im.registerInbound({ ...inbound, ...thread });
  if (!anchor && tenant.chat(chatId).type === "topic_group") {
    thread.thread_id = state.im.startThread(chatId, messageId); // a new topic: root_id stays "" [?]
  }
  const { type, content } = contentOf(input, options.botName);
  const event: MessageReceiveEvent = {
    sender: { sender_id: senderIds, sender_type: input.senderType ?? "user", tenant_key: senderTenantKey },
    message: {
      message_id: messageId,
      root_id: thread.root_id,
      parent_id: thread.parent_id,
      create_time: String(now),
      update_time: String(now),
      chat_id: chatId,
      thread_id: thread.thread_id,
      chat_type: input.chatType,
      message_type: type,
      content,
    },
  };
  if (mentions.length > 0) event.message.mentions = mentions;
  return envelope(options, "im.message.receive_v1", event, tenant.key, input.eventId);
}
