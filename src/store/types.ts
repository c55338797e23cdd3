import type { CardState } from "../../cards/types";
import type { ChatType, IncomingMessage } from "../feishu/message";

/**
 * Where a watch is in its life. Each step is persisted before the next side effect, and every message
 * the bot sends carries a uuid derived from the watch, so a crash between two steps never repeats one.
 *   new -> active -> finishing -> notifying -> done
 *   new -> done (not found / invalid / refused / already finished when first checked)
 */
export type WatchPhase = "new" | "active" | "finishing" | "notifying" | "done";

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
  state: CardState;
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

/**
 * How long claimed work (an inbox item, a watch's step) stays with the process that claimed it before another
 * may take it over. Every write by the holder renews it, so only a dead or stuck process loses its work.
 */
export const LEASE_MS = 20_000;

/** Work recorded before Feishu gets its answer: a chat message, or the bot being added to a group. */
export type InboxPayload =
  | { kind: "message"; tenantKey: string; message: IncomingMessage }
  | { kind: "bot_added"; tenantKey: string; chatId: string; operatorOpenId: string; eventId: string };

export interface InboxItem {
  /** Unique per tenant and message: see `inboxKey`. */
  key: string;
  payload: InboxPayload;
  receivedAt: number;
  attempts: number;
}

/**
 * One bucket of a deployment-wide rate limit: `rate` permits per second, at most `burst` saved up.
 * `reserve` (0..1) keeps that share of the burst untouched: low-priority work passes only while the bucket
 * is well filled.
 */
export interface BudgetBucket {
  key: string;
  rate: number;
  burst: number;
  reserve?: number;
}

/** Filter for listing watches (the `/list` command, the watch API). */
export interface WatchFilter {
  tenantKey: string;
  chatId?: string;
  apiClient?: string;
  openOnly: boolean;
  limit: number;
}

/** An update fenced by a lease this process no longer holds: another replica took the work over. */
export class LeaseLostError extends Error {
  constructor(
    readonly what: "watch" | "inbox",
    readonly id: string | number,
  ) {
    super(`lease on ${what} ${id} was lost to another owner`);
    this.name = "LeaseLostError";
  }
}

/**
 * Persistence for the bot, shared by every replica of a deployment (PostgreSQL) or owned by one process
 * (SQLite). Promise-based, and due work is *claimed* with a lease (owner + expiry) rather than read; every
 * write that needs a lease is fenced by it and throws LeaseLostError when the lease was lost. Times (`now`)
 * come from the caller's clock, so replicas must keep their clocks in step (NTP).
 */
export interface Store {
  readonly kind: "sqlite" | "postgres";

  // --- inbox: accepted events, recorded before Feishu is answered ---
  /**
   * Records accepted work durably, leased to `owner` for `leaseMs` (the receiver hands it to its own inbox in
   * memory). "duplicate" when its key or its event id was recorded before: Feishu re-pushes the same message,
   * sometimes with a new event_id. Two replicas recording the same key at once: exactly one gets "new".
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
  /** Claims pending items whose lease is free or expired, oldest first. */
  claimInbox(now: number, limit: number, owner: string, leaseMs: number): Promise<InboxItem[]>;
  /**
   * Marks an item handled and creates its watches in one transaction; returns the watches (new or existing:
   * a task already watched in that chat returns that open watch, whichever command started it). Fenced by the
   * lease: throws LeaseLostError when `owner` no longer holds the item.
   */
  completeInbox(key: string, watches: NewWatch[], now: number, owner: string): Promise<Watch[]>;
  /** Keeps an item this owner is still handling for LEASE_MS more; throws LeaseLostError when it was lost. */
  renewInbox(key: string, now: number, owner: string): Promise<void>;
  /** Gives an item back for a later attempt (or gives up on it when `failed`); fenced like completeInbox. */
  retryInbox(key: string, nextAttemptAt: number, failed: boolean, now: number, owner: string): Promise<void>;

  // --- watches ---
  /**
   * Creates one watch (the watch API). With an idempotency key, a second call with the same scope and key
   * returns the first watch and creates nothing, also when both calls run at the same instant. A chat has
   * at most one open watch per task: asked for again, the open one is returned (`existing: "open_watch"`).
   */
  createWatch(
    watch: NewWatch,
    now: number,
    idempotency?: { scope: string; key: string },
  ): Promise<{ watch: Watch; created: boolean; existing?: "key" | "open_watch" }>;
  /**
   * Claims the due watches of at most `taskLimit` tasks (a task is tenant + task id), oldest due first. With
   * each task come its other open watches due before `coalesceUntil`, so one task_check serves them all.
   */
  claimDueWatches(
    now: number,
    taskLimit: number,
    owner: string,
    leaseMs: number,
    coalesceUntil: number,
  ): Promise<Watch[]>;
  claimWatches(ids: number[], now: number, owner: string, leaseMs: number): Promise<Watch[]>;
  /**
   * Applies changes to a watch this owner holds and renews the lease for LEASE_MS, or gives it up when
   * `release`. Throws LeaseLostError when `owner` no longer holds it.
   */
  updateWatch(id: number, changes: WatchChanges, owner: string, release: boolean, now: number): Promise<void>;
  getWatch(id: number): Promise<Watch | undefined>;
  /** Asks for an open watch to be stopped (no lease needed) and makes it due now; false if it has ended. */
  requestStop(id: number, by: string, now: number): Promise<boolean>;
  /** Makes an open watch due now (a refresh asked on another replica); false if it has ended. */
  requestCheck(id: number, now: number): Promise<boolean>;
  findOpenWatch(tenantKey: string, chatId: string, taskId: string): Promise<Watch | undefined>;
  listWatches(filter: WatchFilter): Promise<Watch[]>;
  countOpenWatches(): Promise<number>;

  // --- tenants (store apps) ---
  /**
   * Marks a tenant uninstalled (its open watches end quietly, with `reason`) or active again (reinstalled).
   * Returns how many watches were ended.
   */
  setTenantStatus(
    tenantKey: string,
    status: "active" | "uninstalled",
    reason: string,
    now: number,
  ): Promise<number>;
  /** "uninstalled" with the time it was marked, or undefined for a tenant never marked (active). */
  tenantStatus(tenantKey: string): Promise<{ status: "active" | "uninstalled"; since: number } | undefined>;
  /** Deletes every watch of the tenants uninstalled before `before`, and their marks; returns tenants purged. */
  purgeUninstalledTenants(before: number): Promise<number>;

  // --- outbound messages ---
  /**
   * The content first meant for this message uuid: stores `content` the first time, returns what was stored.
   * A retried send then carries exactly the first content, so Feishu's uuid dedupe never sees one uuid with
   * two contents (what it answers then is not documented).
   */
  pinContent(uuid: string, content: string, now: number): Promise<string>;

  // --- small shared values (store apps: the app_ticket, access tokens, tenant status) ---
  getValue(key: string, now: number): Promise<string | undefined>;
  /** `expiresAt` null: kept until deleted. */
  setValue(key: string, value: string, expiresAt: number | null, now: number): Promise<void>;
  deleteValue(key: string): Promise<void>;

  // --- deployment-wide rate limits ---
  /**
   * Takes one permit from every bucket at once, or none. Returns 0 when granted, else the milliseconds until
   * all could be granted (each bucket keeping its reserve).
   */
  takeBudget(buckets: BudgetBucket[], now: number): Promise<number>;

  // --- wake-ups between replicas ---
  /** Tells every process on this store (itself included) that watches became due now. */
  wake(): Promise<void>;
  /** Calls `listener` whenever some process called wake(); returns the unsubscribe function. */
  onWake(listener: () => void): () => void;

  /** Deletes delivery records, pinned contents and expired values older than `olderThan`. */
  purge(olderThan: number, now: number): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A dedupe key (message id, event id) made unique per tenant; a self-built app has the one tenant "". */
export function scopedKey(tenantKey: string, id: string): string {
  return tenantKey ? `${tenantKey}:${id}` : id;
}
