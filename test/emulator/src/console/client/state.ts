/** What the page knows: the snapshot the server sends on connect, kept up to date by its events. */
import type { MessageView } from "../conversation";
import type { JournalEntry } from "../journal";
import type { ConsoleChat, Person } from "../world";

export type { JournalEntry, MessageView };

export interface TaskView {
  task_id: string;
  operation: "move" | "delete";
  started_at: number;
  ends_at: number;
  result: "success" | "fail";
  forced: "success" | "fail" | null;
}

export interface FaultView {
  name: string;
  label: string;
  on: boolean;
}

export interface Snapshot {
  bot: { openId: string; name: string };
  people: Person[];
  chats: ConsoleChat[];
  dms: Record<string, string>;
  members: Record<string, boolean>;
  messages: MessageView[];
  journal: JournalEntry[];
  tasks: TaskView[];
  faults: FaultView[];
  transport: string;
}

export const state = {
  snapshot: undefined as Snapshot | undefined,
  messages: new Map<string, MessageView>(),
  journal: new Map<number, JournalEntry>(),
  chat: "dm" as ConsoleChat["key"],
  speaker: "",
  locale: "en_us",
  threadOf: "" as string,
};

export function currentChat(): ConsoleChat | undefined {
  return state.snapshot?.chats.find((c) => c.key === state.chat);
}

/** The Feishu chat id shown now (a DM is the speaker's own). */
export function currentChatId(): string {
  const chat = currentChat();
  return chat?.chatId ?? state.snapshot?.dms[state.speaker] ?? "";
}

/** open_id → name, for mentions and `<person>` in cards. */
export function names(): Record<string, string> {
  const s = state.snapshot;
  if (!s) return {};
  return Object.fromEntries([...s.people.map((p) => [p.openId, p.name]), [s.bot.openId, s.bot.name]]);
}
