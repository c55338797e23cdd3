import { PassThrough } from "node:stream";
import type { Locale } from "../../cards/types";
import type { OutgoingMessage } from "../../src/core/feishu-api";
import type { CardActionContext, ChatContext, HandlerContext } from "../../src/core/handling";
import type { IncomingMessage } from "../../src/core/incoming";
import type { Watch, WatchFilter, WatchReader } from "../../src/core/watch";
import { createLogger } from "../../src/logger";

/**
 * Handler contexts without HTTP, the SDK or a store (STYLE §3): watches from a list, replies and stops kept for
 * the test to read. The handlers are plain functions of these contexts; their integration suites run them
 * against the real bot and the emulator.
 */

export const T0 = Date.UTC(2026, 10, 29, 2, 42, 0);
export const ALICE = "ou_a11ce00000000000000000000000001";
export const BOB = "ou_b0b0000000000000000000000000002";

/** A watch as the store would return it, open and running unless `over` says otherwise. */
export function watchOf(over: Partial<Watch> = {}): Watch {
  return {
    id: 7,
    tenantKey: "",
    taskId: "7360595374803812356",
    origin: "command",
    chatId: "oc_group",
    chatType: "group",
    receiveOpenId: null,
    requesterOpenId: ALICE,
    commandMessageId: "om_first",
    note: null,
    cardMessageId: "om_card",
    phase: "active",
    state: "running",
    rawStatus: "process",
    cardHash: null,
    cardDisabled: false,
    notify: true,
    nextCheckAt: T0 + 5000,
    checks: 1,
    failures: 0,
    createdAt: T0,
    updatedAt: T0,
    lastCheckAt: T0,
    shownCheckAt: T0,
    finishedAt: null,
    stoppedBy: null,
    stopRequestedBy: null,
    endReason: null,
    apiClient: null,
    asUser: null,
    authUntil: null,
    ...over,
  };
}

/** A read-only view over a list of watches, answering as the stores do. */
export function watchReader(watches: Watch[]): WatchReader {
  const open = (w: Watch) => w.phase !== "done";
  return {
    getWatch: async (id) => watches.find((w) => w.id === id),
    findOpenWatch: async (tenantKey, chatId, taskId) =>
      watches.find((w) => open(w) && w.tenantKey === tenantKey && w.chatId === chatId && w.taskId === taskId),
    listWatches: async (f: WatchFilter) =>
      watches
        .filter((w) => w.tenantKey === f.tenantKey && (!f.chatId || w.chatId === f.chatId))
        .filter((w) => (!f.apiClient || w.apiClient === f.apiClient) && (!f.openOnly || open(w)))
        .slice(0, f.limit),
    countOpenWatches: async () => watches.filter(open).length,
  };
}

/** A message as a handler gets it: a text command in a group, by Alice unless `over` says otherwise. */
export function messageOf(text: string, over: Partial<IncomingMessage> = {}): IncomingMessage {
  return {
    messageId: "om_command",
    eventId: "ev_command",
    chatId: "oc_group",
    chatType: "group",
    threadId: "",
    senderOpenId: ALICE,
    senderType: "user",
    messageType: "text",
    text,
    mentions: [],
    ...over,
  };
}

const quiet = () => createLogger({ level: "error", format: "json", secrets: [], stream: new PassThrough() });

export interface Recorded {
  replies: Array<{ name: string; message: OutgoingMessage }>;
  stops: Array<{ watchId: number; by: string }>;
}

/** A command's context over `watches`; what it replies and stops is recorded. */
export function commandContext(
  message: IncomingMessage,
  watches: Watch[] = [],
  locale: Locale = "en_us",
): { ctx: HandlerContext } & Recorded {
  const replies: Recorded["replies"] = [];
  const stops: Recorded["stops"] = [];
  const ctx: HandlerContext = {
    tenantKey: "",
    message,
    watches: watchReader(watches),
    logger: quiet(),
    locale,
    now: () => T0 + 60_000,
    reply: async (m, name) => {
      replies.push({ name, message: m });
    },
    stopWatch: async (watchId, by) => {
      stops.push({ watchId, by });
      return true;
    },
  };
  return { ctx, replies, stops };
}

/** A chat event's context (the bot added to a group); its posts are recorded. */
export function chatContext(chatId = "oc_group"): { ctx: ChatContext; posts: Recorded["replies"] } {
  const posts: Recorded["replies"] = [];
  const ctx: ChatContext = {
    tenantKey: "",
    chatId,
    logger: quiet(),
    locale: "en_us",
    userAuth: false,
    post: async (message, name) => {
      posts.push({ name, message });
    },
  };
  return { ctx, posts };
}

/** A card click's context over `watches`: refresh answers `refreshed` (or the watch as it is). */
export function cardActionContext(
  watches: Watch[],
  refreshed?: (w: Watch) => Watch | undefined,
): { ctx: CardActionContext } & Pick<Recorded, "stops"> & { refreshes: number[] } {
  const stops: Recorded["stops"] = [];
  const refreshes: number[] = [];
  const reader = watchReader(watches);
  const ctx: CardActionContext = {
    watches: reader,
    logger: quiet(),
    locale: "en_us",
    refresh: async (id) => {
      refreshes.push(id);
      const w = await reader.getWatch(id);
      return w && (refreshed ? refreshed(w) : w);
    },
    stopWatch: async (watchId, by) => {
      stops.push({ watchId, by });
      const w = watches.find((x) => x.id === watchId);
      if (w) Object.assign(w, { stopRequestedBy: by });
      return true;
    },
    cardOf: (w) => ({
      schema: "2.0",
      body: { elements: [{ tag: "markdown", content: `${w.taskId} ${w.state}` }] },
    }),
  };
  return { ctx, stops, refreshes };
}

/** The text of a reply (text, or a card's JSON). */
export const textOf = (m: OutgoingMessage) => ("text" in m ? m.text : JSON.stringify(m.card));
