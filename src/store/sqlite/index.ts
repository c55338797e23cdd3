import type { InboxPayload } from "../../core/inbox-item";
import type { NewWatch, WatchChanges, WatchFilter } from "../../core/watch";
import type {
  AuthState,
  BudgetBucket,
  IdempotencyKey,
  Lease,
  Store,
  StoredUserToken,
  UserTokenOutcome,
} from "../roles";
import { MemoryBuckets } from "./budget";
import { type Row, SqliteDb } from "./db";
import * as inbox from "./inbox";
import * as kv from "./kv";
import * as tenants from "./tenants";
import * as userTokens from "./user-tokens";
import { MemoryWakeBus } from "./wake";
import * as watches from "./watches";

/** The embedded default store: one SQLite file in WAL mode, used by one process. One file per role beside it. */
export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly d: SqliteDb;
  /** One process per file: its rate budget and its wake-ups live in memory. */
  private readonly buckets = new MemoryBuckets();
  private readonly wakes = new MemoryWakeBus();
  private readonly personLocks = new userTokens.PersonLocks();

  constructor(path: string) {
    this.d = new SqliteDb(path);
  }

  // --- InboxStore (inbox.ts)
  recordInbox(key: string, eventId: string, payload: InboxPayload, lease: Lease) {
    return inbox.recordInbox(this.d, key, eventId, payload, lease);
  }
  recordEvent(eventId: string, now: number) {
    return inbox.recordEvent(this.d, eventId, now);
  }
  claimInbox(limit: number, lease: Lease) {
    return inbox.claimInbox(this.d, limit, lease);
  }
  completeInbox(key: string, newWatches: NewWatch[], lease: Lease) {
    return inbox.completeInbox(this.d, key, newWatches, lease);
  }
  renewInbox(lease: Lease) {
    return inbox.renewInbox(this.d, lease);
  }
  retryInbox(key: string, nextAttemptAt: number, failed: boolean, lease: Lease) {
    return inbox.retryInbox(this.d, key, nextAttemptAt, failed, lease);
  }

  // --- WatchStore (watches.ts)
  createWatch(watch: NewWatch, now: number, idempotency?: IdempotencyKey) {
    return watches.createWatch(this.d, watch, now, idempotency);
  }
  claimDueWatches(taskLimit: number, coalesceUntil: number, lease: Lease) {
    return watches.claimDueWatches(this.d, taskLimit, coalesceUntil, lease);
  }
  claimWatches(ids: number[], lease: Lease) {
    return watches.claimWatches(this.d, ids, lease);
  }
  updateWatch(id: number, changes: WatchChanges, lease: Lease, release: boolean) {
    return watches.updateWatch(this.d, id, changes, lease, release);
  }
  getWatch(id: number) {
    return watches.getWatch(this.d, id);
  }
  requestStop(id: number, by: string, now: number) {
    return watches.requestStop(this.d, id, by, now);
  }
  requestCheck(id: number, now: number) {
    return watches.requestCheck(this.d, id, now);
  }
  requestChecksOf(tenantKey: string, openId: string, now: number) {
    return watches.requestChecksOf(this.d, tenantKey, openId, now);
  }
  findOpenWatch(tenantKey: string, chatId: string, taskId: string) {
    return watches.findOpenWatch(this.d, tenantKey, chatId, taskId);
  }
  listWatches(filter: WatchFilter) {
    return watches.listWatches(this.d, filter);
  }
  countOpenWatches() {
    return watches.countOpenWatches(this.d);
  }

  // --- TenantStore (tenants.ts)
  setTenantStatus(tenantKey: string, status: "active" | "uninstalled", reason: string, now: number) {
    return tenants.setTenantStatus(this.d, tenantKey, status, reason, now);
  }
  purgeUninstalledTenants(before: number) {
    return tenants.purgeUninstalledTenants(this.d, before);
  }

  // --- KvStore (kv.ts)
  getValue(key: string, now: number) {
    return kv.getValue(this.d, key, now);
  }
  setValue(key: string, value: string, expiresAt: number | null, now: number) {
    return kv.setValue(this.d, key, value, expiresAt, now);
  }
  deleteValue(key: string) {
    return kv.deleteValue(this.d, key);
  }
  pinContent(uuid: string, content: string, now: number) {
    return kv.pinContent(this.d, uuid, content, now);
  }

  // --- UserTokenStore (user-tokens.ts)
  getUserToken(tenantKey: string, openId: string) {
    return userTokens.getUserToken(this.d, tenantKey, openId);
  }
  saveUserToken(token: StoredUserToken) {
    return userTokens.saveUserToken(this.d, token);
  }
  lockUserToken<T>(
    tenantKey: string,
    openId: string,
    work: (current: StoredUserToken | undefined) => Promise<UserTokenOutcome<T>>,
  ) {
    return this.personLocks.run(this.d, tenantKey, openId, work);
  }
  deleteUserToken(tenantKey: string, openId: string) {
    return userTokens.deleteUserToken(this.d, tenantKey, openId);
  }
  createAuthState(state: AuthState) {
    return userTokens.createAuthState(this.d, state);
  }
  takeAuthState(id: string, now: number) {
    return userTokens.takeAuthState(this.d, id, now);
  }

  // --- BudgetStore (budget.ts) and WakeBus (wake.ts): in memory
  async takeBudget(buckets: BudgetBucket[], now: number) {
    return this.buckets.take(buckets, now);
  }
  wake() {
    return this.wakes.wake();
  }
  onWake(listener: () => void) {
    return this.wakes.onWake(listener);
  }

  // --- upkeep
  async purge(olderThan: number, now: number): Promise<number> {
    return this.d.transaction(() => {
      const deleted = [
        this.d.prepare("DELETE FROM seen_events WHERE seen_at < ?").run(olderThan),
        this.d.prepare("DELETE FROM inbox WHERE state <> 'pending' AND received_at < ?").run(olderThan),
        this.d.prepare("DELETE FROM pinned_content WHERE created_at < ?").run(olderThan),
        this.d.prepare("DELETE FROM api_requests WHERE created_at < ?").run(olderThan),
        this.d.prepare("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?").run(now),
        this.d.prepare("DELETE FROM auth_states WHERE expires_at <= ?").run(now),
      ];
      return deleted.reduce((sum, r) => sum + r.changes, 0);
    });
  }

  async ping(): Promise<boolean> {
    return this.d.open && (this.d.prepare("SELECT 1 AS ok").get() as Row).ok === 1;
  }

  async close(): Promise<void> {
    this.d.close();
  }
}
