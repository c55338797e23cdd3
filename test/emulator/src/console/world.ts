/**
 * The console's little company: three people to speak as, a direct message with the bot and two groups (one
 * of them a topic group, 话题群), with the bot a member of both at the start. Plain data, shared with the page.
 */
import type { ChatType } from "../types";

export interface Person {
  openId: string;
  name: string;
}

export interface ConsoleChat {
  /** The console's own key; the DM's Feishu chat id depends on who speaks. */
  key: "dm" | "ops" | "releases";
  type: ChatType;
  title: string;
  /** Feishu chat id (groups); a DM's is `dmChatId(person)`. */
  chatId?: string;
  about: string;
}

export const PEOPLE: readonly Person[] = [
  { openId: "ou_c0a11ce0000000000000000000000001", name: "Alice" },
  { openId: "ou_c0b0b000000000000000000000000002", name: "Bob" },
  { openId: "ou_c0c4e1e0000000000000000000000003", name: "陈伟" },
];

export const CHATS: readonly ConsoleChat[] = [
  { key: "dm", type: "p2p", title: "Direct message", about: "You and the bot: a bare task id is enough" },
  {
    key: "ops",
    type: "group",
    chatId: "oc_c0501e00000000000000000000000005",
    title: "#ops",
    about: "A group: @-mention the bot (the composer does it for you)",
  },
  {
    key: "releases",
    type: "topic_group",
    chatId: "oc_c0501e00000000000000000000000007",
    title: "#releases (topics)",
    about: "A topic group: every message opens a topic, replies stay in it",
  },
];

/** A person's DM with the bot: one chat per person, as in Feishu. */
export function dmChatId(person: Person): string {
  return `oc_c0d0${person.openId.slice(-28)}`;
}

export function personOf(openId: unknown): Person | undefined {
  return PEOPLE.find((p) => p.openId === openId);
}

export function chatOf(key: unknown): ConsoleChat | undefined {
  return CHATS.find((c) => c.key === key);
}

/** The chat's Feishu id for the person speaking. */
export function chatIdFor(chat: ConsoleChat, person: Person): string {
  return chat.chatId ?? dmChatId(person);
}
