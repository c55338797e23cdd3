import type { ChatType } from "./incoming";

/**
 * A watch: one task watched for one chat (or one user), from its first card to its one notice. The engine
 * (watch/engine.ts) moves it through its phases; the store keeps it.
 */

/**
 * Where a watch is in its life. Each step is persisted before the next side effect, and every message
 * the bot sends carries a uuid derived from the watch, so a crash between two steps never repeats one.
 *   new -> active -> finishing -> notifying -> done
 *   new -> done (not found / invalid / refused / already finished when first checked)
 * Only the engine changes a watch's phase, with one exception: a tenant that uninstalls the app (store apps)
 * has its open watches ended at once by TenantStore.setTenantStatus (no message can reach that tenant any more).
 */
export type WatchPhase = "new" | "active" | "finishing" | "notifying" | "done";

/** What a watch's task is known to be (the card draws it: cards/ CardState holds every one of these). */
export type WatchState =
  | "running" // task_check said `process`
  | "success" // task_check said `success`
  | "fail" // task_check said `fail`
  | "unknown" // task_check answered a status we do not know (kept in rawStatus); still watched
  | "not_found" // Feishu does not know the task (1061003) or does not let this app see it (1061004)
  | "invalid" // Feishu rejected the id (1061002)
  | "stopped" // someone stopped the watch
  | "timed_out" // still running after WATCH_TIMEOUT_MINUTES: we stopped watching
  | "awaiting_auth"; // the app cannot see the task: waiting for the requester to let the bot check it as them

/** Who asked for the watch: a chat command (`/status`) or a script through the watch API. */
export type WatchOrigin = "command" | "api";

export interface Watch {
  id: number;
  /** The tenant the watch belongs to; "" for a self-built app (one tenant). */
  tenantKey: string;
  taskId: string;
  origin: WatchOrigin;
  /** The chat of the card; "" for an API watch sent to a user until its card is posted. */
  chatId: string;
  chatType: ChatType;
  /** An API watch sent as a direct message to this user (`open_id`); null otherwise. */
  receiveOpenId: string | null;
  /** open_id of the person who asked (commands) or whom the notice @-mentions (API); "" for nobody. */
  requesterOpenId: string;
  /** The command message the card and the notice reply to; null for API watches. */
  commandMessageId: string | null;
  /** A short line shown on the card as plain text (API watches). */
  note: string | null;
  cardMessageId: string | null;
  phase: WatchPhase;
  state: WatchState;
  rawStatus: string | null;
  /** Hash of the card content last shown, to patch only when something visible changed. */
  cardHash: string | null;
  /** The card can no longer be patched (recalled, deleted, refused). */
  cardDisabled: boolean;
  /** Whether the end of this watch is announced with a notification. */
  notify: boolean;
  nextCheckAt: number;
  checks: number;
  /** Failed attempts in the current phase (reset when the phase changes); bounded per phase. */
  failures: number;
  createdAt: number;
  updatedAt: number;
  lastCheckAt: number | null;
  /** The check time the card shows ("last checked"); moves only on changes, refreshes and a thinning schedule. */
  shownCheckAt: number | null;
  finishedAt: number | null;
  stoppedBy: string | null;
  /** open_id of someone who asked to stop this watch; the engine ends it at its next step. */
  stopRequestedBy: string | null;
  /** Why a watch ended other than by its task ending (e.g. "refused:230027", "bot_not_in_chat"). */
  endReason: string | null;
  /** The API client (a hash of its token) that created an API watch; null for commands. */
  apiClient: string | null;
  /**
   * The person whose own token checks the task (user authorization: the app could not see it); null: the app.
   * Only this person's token is ever used for the watch, whoever else in the chat presses its buttons.
   */
  asUser: string | null;
  /** Waiting for the requester's authorization until then (state awaiting_auth); null when not waiting. */
  authUntil: number | null;
}

export type WatchChanges = Partial<
  Pick<
    Watch,
    | "chatId"
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
    | "shownCheckAt"
    | "finishedAt"
    | "stoppedBy"
    | "endReason"
    | "asUser"
    | "authUntil"
  >
>;

export interface NewWatch {
  tenantKey: string;
  taskId: string;
  origin: WatchOrigin;
  chatId: string;
  chatType: ChatType;
  receiveOpenId?: string | null;
  requesterOpenId: string;
  commandMessageId: string | null;
  note?: string | null;
  apiClient?: string | null;
}

/** Filter for listing watches (the `/list` command, the watch API). */
export interface WatchFilter {
  tenantKey: string;
  chatId?: string;
  apiClient?: string;
  openOnly: boolean;
  limit: number;
}

/** A read-only view of the watches: what handlers and the watch API may look at. */
export interface WatchReader {
  getWatch(id: number): Promise<Watch | undefined>;
  /** The open watch of this task in this chat, if any. */
  findOpenWatch(tenantKey: string, chatId: string, taskId: string): Promise<Watch | undefined>;
  listWatches(filter: WatchFilter): Promise<Watch[]>;
  countOpenWatches(): Promise<number>;
}
