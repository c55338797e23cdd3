import type { InboxItem, InboxPayload } from "../core/inbox-item";
import type { NewWatch, Watch, WatchChanges, WatchReader } from "../core/watch";

/**
 * Persistence for the bot, by role: each consumer takes only the role it needs. SQLite (one process, the
 * embedded default) and PostgreSQL (shared by every replica of a deployment) implement every role, in mirrored
 * folders (sqlite/, postgres/), one file per role. Promise-based; due work is *claimed* with a lease rather
 * than read, and every write that needs the lease is fenced by it (LeaseLostError when it was lost). Times
 * come from the caller's clock, so replicas must keep their clocks in step (NTP).
 */

/**
 * How long claimed work (an inbox item, a watch's step) stays with the process that claimed it before another
 * may take it over. Every write by the holder renews it, so only a dead or stuck process loses its work.
 */
export const LEASE_MS = 20_000;

/** Who holds (or claims) work, at what time by their clock, and for how long a claim or a renewal holds. */
export interface Lease {
  owner: string;
  now: number;
  ms: number;
}

/** A lease for `owner` at `now`, held LEASE_MS. */
export function leaseOf(owner: string, now: number): Lease {
  return { owner, now, ms: LEASE_MS };
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

/** Accepted events, recorded before Feishu is answered, and handled after. */
export interface InboxStore {
  /**
   * Records accepted work durably, leased to the caller (the receiver hands it to its own inbox in memory).
   * "duplicate" when its key or its event id was recorded before: Feishu re-pushes the same message,
   * sometimes with a new event_id. Two replicas recording the same key at once: exactly one gets "new".
   */
  recordInbox(
    key: string,
    eventId: string,
    payload: InboxPayload,
    lease: Lease,
  ): Promise<"new" | "duplicate">;
  /** Records an event id on its own (card callbacks); false when it was seen before. */
  recordEvent(eventId: string, now: number): Promise<boolean>;
  /** Claims pending items whose lease is free or expired, oldest first. */
  claimInbox(limit: number, lease: Lease): Promise<InboxItem[]>;
  /**
   * Marks an item handled and creates its watches in one transaction; returns the watches (new or existing:
   * a task already watched in that chat returns that open watch, whichever command started it). Fenced by the
   * lease: throws LeaseLostError when its owner no longer holds the item.
   */
  completeInbox(key: string, watches: NewWatch[], lease: Lease): Promise<Watch[]>;
  /**
   * Keeps every pending item `lease.owner` holds (handling it, or waiting for its turn in the owner's memory)
   * for `lease.ms` more, in one statement; how many. Items another owner took over are left alone.
   */
  renewInbox(lease: Lease): Promise<number>;
  /** Gives an item back for a later attempt (or gives up on it when `failed`); fenced like completeInbox. */
  retryInbox(key: string, nextAttemptAt: number, failed: boolean, lease: Lease): Promise<void>;
}

/** An Idempotency-Key of the watch API: who used it (`scope`), the key, and a digest of its request. */
export interface IdempotencyKey {
  scope: string;
  key: string;
  request: string;
}

/** What createWatch did. `request`: the digest recorded with the key (when `existing` is "key"). */
export interface CreatedWatch {
  watch: Watch;
  created: boolean;
  existing?: "key" | "open_watch";
  request?: string;
}

/** The watches: read (WatchReader, core/watch.ts) and written. */
export interface WatchStore extends WatchReader {
  /**
   * Creates one watch (the watch API). With an idempotency key, a second call with the same scope and key
   * returns the first watch (and the digest recorded with the key) and creates nothing, also when both calls
   * run at the same instant; the key is recorded in the same transaction as the watch it answers. A chat has at
   * most one open watch per task: asked for again, the open one is returned (`existing: "open_watch"`).
   */
  createWatch(watch: NewWatch, now: number, idempotency?: IdempotencyKey): Promise<CreatedWatch>;
  /**
   * Claims the due watches of at most `taskLimit` tasks (a task is tenant + task id), oldest due first. With
   * each task come its other open watches due before `coalesceUntil`, so one task_check serves them all.
   */
  claimDueWatches(taskLimit: number, coalesceUntil: number, lease: Lease): Promise<Watch[]>;
  claimWatches(ids: number[], lease: Lease): Promise<Watch[]>;
  /**
   * Applies changes to a watch this owner holds and renews the lease for `lease.ms`, or gives it up when
   * `release`. Throws LeaseLostError when the owner no longer holds it.
   */
  updateWatch(id: number, changes: WatchChanges, lease: Lease, release: boolean): Promise<void>;
  /** Asks for an open watch to be stopped (no lease needed) and makes it due now; false if it has ended. */
  requestStop(id: number, by: string, now: number): Promise<boolean>;
  /** Makes an open watch due now (a refresh asked on another replica); false if it has ended. */
  requestCheck(id: number, now: number): Promise<boolean>;
  /** Makes every open watch checked as this person (or waiting for their authorization) due now; how many. */
  requestChecksOf(tenantKey: string, openId: string, now: number): Promise<number>;
}

/**
 * A person's user_access_token and refresh token, as kept: each sealed (auth/sealing.ts; never in clear), with
 * when it expires and what it may do. `refreshToken` null: the person did not grant offline_access.
 */
export interface StoredUserToken {
  tenantKey: string;
  openId: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string | null;
  refreshExpiresAt: number | null;
  scope: string;
  /** When the person authorized (the chain of refreshes Feishu caps at 365 days starts here). */
  authorizedAt: number;
  updatedAt: number;
}

/** An OAuth `state` handed to Feishu's authorization page: single use, bound to a person and a request. */
export interface AuthState {
  id: string;
  tenantKey: string;
  openId: string;
  /** The watch waiting for this authorization; null for /login. */
  watchId: number | null;
  createdAt: number;
  expiresAt: number;
}

/** What a locked piece of work on a person's tokens leaves: a token to keep, null to forget, undefined: as is. */
export interface UserTokenOutcome<T> {
  keep?: StoredUserToken | null;
  result: T;
}

/** People's tokens (user authorization) and the OAuth states of authorizations under way. */
export interface UserTokenStore {
  getUserToken(tenantKey: string, openId: string): Promise<StoredUserToken | undefined>;
  saveUserToken(token: StoredUserToken): Promise<void>;
  /**
   * Runs `work` on a person's tokens while no other process on this store runs it for the same person (a
   * refresh token works once: two replicas refreshing together would present it twice), and keeps what it
   * returns before the lock is let go, so a new pair is committed before anyone uses it.
   */
  lockUserToken<T>(
    tenantKey: string,
    openId: string,
    work: (current: StoredUserToken | undefined) => Promise<UserTokenOutcome<T>>,
  ): Promise<T>;
  /** Forgets a person's tokens; false when there were none. */
  deleteUserToken(tenantKey: string, openId: string): Promise<boolean>;
  createAuthState(state: AuthState): Promise<void>;
  /** The state with this id, removed (single use), when it has not expired at `now`. */
  takeAuthState(id: string, now: number): Promise<AuthState | undefined>;
}

/** The tenants of a store app. */
export interface TenantStore {
  /**
   * Marks a tenant uninstalled or active again (reinstalled). Uninstalled: its open watches end at once,
   * quietly, with `reason` (the one change of a watch's phase made outside the engine: nothing can be sent to
   * that tenant any more), and its people's tokens are forgotten. Returns how many watches were ended.
   */
  setTenantStatus(
    tenantKey: string,
    status: "active" | "uninstalled",
    reason: string,
    now: number,
  ): Promise<number>;
  /** Deletes every watch of the tenants uninstalled before `before`, and their marks; returns tenants purged. */
  purgeUninstalledTenants(before: number): Promise<number>;
}

/** Small shared values: a store app's ticket and tokens, and the content pinned to each outgoing message. */
export interface KvStore {
  getValue(key: string, now: number): Promise<string | undefined>;
  /** `expiresAt` null: kept until deleted. */
  setValue(key: string, value: string, expiresAt: number | null, now: number): Promise<void>;
  deleteValue(key: string): Promise<void>;
  /**
   * The content first meant for this message uuid: stores `content` the first time, returns what was stored.
   * A retried send then carries exactly the first content, so Feishu's uuid dedupe never sees one uuid with
   * two contents (what it answers then is not documented).
   */
  pinContent(uuid: string, content: string, now: number): Promise<string>;
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

/** Deployment-wide rate limits. */
export interface BudgetStore {
  /**
   * Takes one permit from every bucket at once, or none. Returns 0 when granted, else the milliseconds until
   * all could be granted (each bucket keeping its reserve).
   */
  takeBudget(buckets: BudgetBucket[], now: number): Promise<number>;
}

/** Wake-ups between the processes on one store. */
export interface WakeBus {
  /** Tells every process on this store (itself included) that watches became due now. */
  wake(): Promise<void>;
  /** Calls `listener` whenever some process called wake(); returns the unsubscribe function. */
  onWake(listener: () => void): () => void;
}

/** The store as a whole: every role, and its upkeep. */
export interface Store
  extends InboxStore,
    WatchStore,
    TenantStore,
    KvStore,
    BudgetStore,
    WakeBus,
    UserTokenStore {
  readonly kind: "sqlite" | "postgres";
  /**
   * Deletes delivery records, pinned contents and idempotency keys older than `olderThan`, and expired values
   * and OAuth states.
   */
  purge(olderThan: number, now: number): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
