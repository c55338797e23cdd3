/**
 * The tenant the emulator plays: its users and chats, and the states in which Feishu refuses a bot for good
 * (muted or external groups, a bot removed from a chat, dissolved chats, users who blocked the bot or are
 * outside the app's availability). Every open_id in an event the emulator builds joins the users; the type of
 * every chat an event names is remembered (p2p, group, topic_group).
 */
import { MUTE_CODES } from "./constants";
import { derivedHex, randomHex } from "./crypto";
import type { ChatType, UserIds } from "./types";

/** The user ids Feishu puts next to an open_id (stable per open_id). */
export function userIds(openId: string): UserIds {
  return {
    open_id: openId,
    union_id: `on_${derivedHex(`union:${openId}`)}`,
    user_id: derivedHex(`user:${openId}`, 8),
  };
}

export interface Chat {
  chat_id: string;
  type: ChatType;
  /** p2p chats: the user on the other side. */
  user?: string;
  /** 230018 (group settings) or 230035 (speaking restricted): the bot may not post here. */
  muted?: number;
  /** An external chat, and the app has no external sharing: 230027. */
  external?: boolean;
  /** The bot is no longer a member: 230002. */
  botRemoved?: boolean;
  /** 232009. */
  dissolved?: boolean;
}

export interface User {
  open_id: string;
  /** The user stopped the bot from sending messages: 230053. */
  blockedBot?: boolean;
  /** Outside the app's availability (可用范围): 230013. */
  unavailable?: boolean;
}

export class Tenant {
  /** Every id of every known user (open_id, user_id, union_id) → the user. */
  private readonly users = new Map<string, User>();
  private readonly chats = new Map<string, Chat>();
  private readonly p2p = new Map<string, string>();

  addUser(openId: string): UserIds {
    const ids = userIds(openId);
    const user = this.users.get(openId) ?? { open_id: openId };
    for (const id of Object.values(ids)) this.users.set(id, user);
    return ids;
  }

  isKnownUser(id: string): boolean {
    return this.users.has(id);
  }

  /** The user with this open_id (declared on first use). */
  user(openId: string): User {
    this.addUser(openId);
    return this.users.get(openId) as User;
  }

  /** The chat with this id; an unknown id is taken for a group, as Feishu would hold it. */
  chat(chatId: string): Chat {
    let chat = this.chats.get(chatId);
    if (!chat) {
      chat = { chat_id: chatId, type: "group" };
      this.chats.set(chatId, chat);
    }
    return chat;
  }

  /** muteChat(): the bot may no longer post here, refused with `code` (230018 or 230035). */
  mute(chatId: string, code: number): void {
    if (!MUTE_CODES.some((c) => c === code))
      throw new Error(`muteChat: code must be one of ${MUTE_CODES.join(", ")}`);
    this.chat(chatId).muted = code;
  }

  /** Remembers a chat's type as an event names it. */
  setChatType(chatId: string, type: ChatType): Chat {
    const chat = this.chat(chatId);
    chat.type = type;
    return chat;
  }

  /** The open_id of a known user given any of its ids, else undefined. */
  openIdOf(id: string): string | undefined {
    return this.users.get(id)?.open_id;
  }

  /**
   * The p2p chat of a user (created on first use, or `chatId` when given), so DMs and create(open_id) share
   * one chat.
   */
  p2pChat(openId: string, chatId?: string): string {
    let id = this.p2p.get(openId);
    if (!id || (chatId !== undefined && chatId !== id)) {
      id = chatId ?? `oc_${randomHex(16)}`;
      if (!this.p2p.has(openId)) this.p2p.set(openId, id);
      Object.assign(this.setChatType(id, "p2p"), { user: openId });
    }
    return id;
  }

  reset(): void {
    this.users.clear();
    this.chats.clear();
    this.p2p.clear();
  }
}
