import type { CardState } from "../../cards/types";
import type { IncomingMessage } from "../feishu/message";

/**
 * Where a watch is in its life. Each step is persisted before the next side effect, and every message
 * the bot sends carries a uuid derived from the watch, so a crash between two steps never repeats one.
 *   new -> active -> finishing -> notifying -> done
 *   new -> done (not found / invalid / already finished when first checked)
 */
export type WatchPhase = "new" | "active" | "finishing" | "notifying" | "done";

export interface Watch {
  id: number;
  taskId: string;
  chatId: string;
  chatType: "p2p" | "group";
  requesterOpenId: string;
  commandMessageId: string;
  cardMessageId: string | null;
  phase: WatchPhase;
  state: CardState;
  rawStatus: string | null;
  /** Hash of the card content last shown, to patch only when something visible changed. */
  cardHash: string | null;
  /** The card can no longer be patched (recalled, deleted, too old). */
  cardDisabled: boolean;
  /** Whether the end of this watch is announced with a notification. */
  notify: boolean;
  nextCheckAt: number;
  checks: number;
  failures: number;
  createdAt: number;
  updatedAt: number;
  lastCheckAt: number | null;
  finishedAt: number | null;
  stoppedBy: string | null;
  /** open_id of someone who asked to stop this watch; the engine ends it at its next step. */
  stopRequestedBy: string | null;
}

export type WatchChanges = Partial<
  Pick<
    Watch,
    | "cardMessageId"
    | "phase"
    | "state"
    | "rawStatus"
    | "cardHash"
    | "cardDisabled"
    | "notify"
    | "nextCheckAt"
    | "checks"
    | "failures"
    | "lastCheckAt"
    | "finishedAt"
    | "stoppedBy"
  >
>;

export interface NewWatch {
  taskId: string;
  chatId: string;
  chatType: "p2p" | "group";
  requesterOpenId: string;
  commandMessageId: string;
}

/** Work recorded before Feishu gets its 200: a chat message, or the bot being added to a group. */
export type InboxPayload =
  | { kind: "message"; message: IncomingMessage }
  | { kind: "bot_added"; chatId: string; operatorOpenId: string; eventId: string };

export interface InboxItem {
  /** The message_id for a message; "bot_added:<event_id>" for the other kind. */
  key: string;
  payload: InboxPayload;
  receivedAt: number;
  attempts: number;
}

/**
 * Persistence for the bot. Promise-based although SQLite is synchronous, and due work is *claimed* with a
 * lease (owner + expiry) rather than read, so a networked store shared by replicas can implement it as is.
 */
export interface Store {
  /**
   * Records accepted work durably, before Feishu is answered, leased to `owner` for `leaseMs` (the receiver
   * hands it to its own inbox in memory). "duplicate" when its key (a message_id) or its event_id was
   * recorded before: Feishu re-pushes the same message, sometimes with a new event_id.
   */
  recordInbox(
    key: string,
    eventId: string,
    payload: InboxPayload,
    now: number,
    owner: string,
    leaseMs: number,
  ): Promise<"new" | "duplicate">;
  /** Records an event id on its own (card callbacks); false when it was seen before. */
  recordEvent(eventId: string, now: number): Promise<boolean>;
  claimInbox(now: number, limit: number, owner: string, leaseMs: number): Promise<InboxItem[]>;
  /** Marks a message handled and creates its watches in one transaction; returns the watches (new or existing). */
  completeInbox(key: string, watches: NewWatch[], now: number): Promise<Watch[]>;
  /** Gives an item back for a later attempt (or gives up on it when `failed`). */
  retryInbox(key: string, nextAttemptAt: number, failed: boolean, now: number): Promise<void>;

  /**
   * Claims the due watches of at most `taskLimit` tasks, oldest due first. With each task come its other
   * open watches due before `coalesceUntil`, so one task_check serves them all.
   */
  claimDueWatches(
    now: number,
    taskLimit: number,
    owner: string,
    leaseMs: number,
    coalesceUntil: number,
  ): Promise<Watch[]>;
  claimWatches(ids: number[], now: number, owner: string, leaseMs: number): Promise<Watch[]>;
  /** Applies changes to a watch this owner holds; `release` also gives up the lease. */
  updateWatch(id: number, changes: WatchChanges, owner: string, release: boolean, now: number): Promise<void>;
  getWatch(id: number): Promise<Watch | undefined>;
  /** Asks for an open watch to be stopped (no lease needed) and makes it due now; false if it has ended. */
  requestStop(id: number, by: string, now: number): Promise<boolean>;
  findOpenWatch(chatId: string, taskId: string): Promise<Watch | undefined>;
  listOpenWatches(chatId: string): Promise<Watch[]>;
  countOpenWatches(): Promise<number>;
  /** Deletes delivery records older than `olderThan` (dedupe keeps them longer than Feishu's retry window). */
  purge(olderThan: number): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
