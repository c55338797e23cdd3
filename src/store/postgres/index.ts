import type pg from "pg";
import type { InboxPayload } from "../../core/inbox-item";
import type { NewWatch, WatchChanges, WatchFilter } from "../../core/watch";
import type { Logger } from "../../logger";
import { urlPassword } from "../../redact";
import type {
  AuthState,
  BudgetBucket,
  IdempotencyKey,
  Lease,
  Store,
  StoredUserToken,
  UserTokenOutcome,
} from "../roles";
import * as budget from "./budget";
import * as inbox from "./inbox";
import * as kv from "./kv";
import { migrate } from "./migrations";
import { createPool, type Db, type PoolOptions, poolDb, scrubbed } from "./pool";
import * as tenants from "./tenants";
import * as userTokens from "./user-tokens";
import { WAKE_CHANNEL, WakeListener } from "./wake";
import * as watches from "./watches";

/** ping() answers false rather than make /healthz wait for a connection attempt. */
const PING_TIMEOUT_MS = 2_000;

/**
 * The store shared by every replica of a deployment. Work is claimed with FOR UPDATE SKIP LOCKED plus a
 * lease (owner, expiry) that outlives the claiming statement; every later write is fenced by the owner and
 * a write that matches no row throws LeaseLostError. Leases are never voided at open: another replica may
 * hold them. Budgets live in a table (budget.ts) and wake-ups travel as NOTIFY (wake.ts). One file per role.
 */
export class PostgresStore implements Store {
  readonly kind = "postgres" as const;

  private readonly db: Db;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly wakes: WakeListener,
    password: string,
    /** The database's clock less this process's (to 100 ms), measured when the store opened. */
    private readonly clockOffsetMs = 0,
  ) {
    this.db = poolDb(pool, password);
  }

  /** Connects, creates or migrates the schema (safe when replicas start together) and starts listening. */
  static async open(url: string, logger: Logger, options: PoolOptions = {}): Promise<PostgresStore> {
    const pool = createPool(url, logger, options);
    const wakes = new WakeListener(url, logger);
    let offset: number;
    try {
      const applied = await migrate(pool);
      if (applied.length > 0) logger.info("PostgreSQL schema migrated", { versions: applied });
      await wakes.start();
      offset = await clockOffset(pool);
    } catch (error) {
      await wakes.close();
      await pool.end().catch(() => undefined);
      throw scrubbed(error, urlPassword(url));
    }
    return new PostgresStore(pool, wakes, urlPassword(url), offset);
  }

  // --- InboxStore (inbox.ts)
  recordInbox(key: string, eventId: string, payload: InboxPayload, lease: Lease) {
    return inbox.recordInbox(this.db, key, eventId, payload, lease);
  }
  recordEvent(eventId: string, now: number) {
    return inbox.recordEvent(this.db, eventId, now);
  }
  claimInbox(limit: number, lease: Lease) {
    return inbox.claimInbox(this.db, limit, lease);
  }
  completeInbox(key: string, newWatches: NewWatch[], lease: Lease) {
    return inbox.completeInbox(this.db, key, newWatches, lease);
  }
  renewInbox(lease: Lease) {
    return inbox.renewInbox(this.db, lease);
  }
  retryInbox(key: string, nextAttemptAt: number, failed: boolean, lease: Lease) {
    return inbox.retryInbox(this.db, key, nextAttemptAt, failed, lease);
  }

  // --- WatchStore (watches.ts)
  createWatch(watch: NewWatch, now: number, idempotency?: IdempotencyKey) {
    return watches.createWatch(this.db, watch, now, idempotency);
  }
  claimDueWatches(taskLimit: number, coalesceUntil: number, lease: Lease) {
    return watches.claimDueWatches(this.db, taskLimit, coalesceUntil, lease);
  }
  claimWatches(ids: number[], lease: Lease) {
    return watches.claimWatches(this.db, ids, lease);
  }
  updateWatch(id: number, changes: WatchChanges, lease: Lease, release: boolean) {
    return watches.updateWatch(this.db, id, changes, lease, release);
  }
  getWatch(id: number) {
    return watches.getWatch(this.db, id);
  }
  requestStop(id: number, by: string, now: number) {
    return watches.requestStop(this.db, id, by, now);
  }
  requestCheck(id: number, now: number) {
    return watches.requestCheck(this.db, id, now);
  }
  requestChecksOf(tenantKey: string, openId: string, now: number) {
    return watches.requestChecksOf(this.db, tenantKey, openId, now);
  }
  findOpenWatch(tenantKey: string, chatId: string, taskId: string) {
    return watches.findOpenWatch(this.db, tenantKey, chatId, taskId);
  }
  listWatches(filter: WatchFilter) {
    return watches.listWatches(this.db, filter);
  }
  countOpenWatches() {
    return watches.countOpenWatches(this.db);
  }

  // --- TenantStore (tenants.ts)
  setTenantStatus(tenantKey: string, status: "active" | "uninstalled", reason: string, now: number) {
    return tenants.setTenantStatus(this.db, tenantKey, status, reason, now);
  }
  purgeUninstalledTenants(before: number) {
    return tenants.purgeUninstalledTenants(this.db, before);
  }

  // --- KvStore (kv.ts)
  getValue(key: string, now: number) {
    return kv.getValue(this.db, key, now);
  }
  setValue(key: string, value: string, expiresAt: number | null, now: number) {
    return kv.setValue(this.db, key, value, expiresAt, now);
  }
  deleteValue(key: string) {
    return kv.deleteValue(this.db, key);
  }
  pinContent(uuid: string, content: string, now: number) {
    return kv.pinContent(this.db, uuid, content, now);
  }

  // --- UserTokenStore (user-tokens.ts)
  getUserToken(tenantKey: string, openId: string) {
    return userTokens.getUserToken(this.db, tenantKey, openId);
  }
  saveUserToken(token: StoredUserToken) {
    return userTokens.saveUserToken(this.db, token);
  }
  lockUserToken<T>(
    tenantKey: string,
    openId: string,
    work: (current: StoredUserToken | undefined) => Promise<UserTokenOutcome<T>>,
  ) {
    return userTokens.lockUserToken(this.db, tenantKey, openId, work);
  }
  deleteUserToken(tenantKey: string, openId: string) {
    return userTokens.deleteUserToken(this.db, tenantKey, openId);
  }
  createAuthState(state: AuthState) {
    return userTokens.createAuthState(this.db, state);
  }
  takeAuthState(id: string, now: number) {
    return userTokens.takeAuthState(this.db, id, now);
  }

  // --- BudgetStore (budget.ts) and WakeBus (wake.ts)
  takeBudget(buckets: BudgetBucket[], now: number) {
    // The shared buckets are stamped on one clock, the database's: replicas whose clocks differ would each see
    // the other's stamp as older than it is and refill early (found by the soak: 7 task_checks in a second at
    // TASK_CHECK_RPS 5 with clocks 1 s apart).
    return budget.takeBudget(this.db, buckets, now + this.clockOffsetMs);
  }
  async wake(): Promise<void> {
    await this.db.query("SELECT pg_notify($1, '')", [WAKE_CHANNEL]);
  }
  onWake(listener: () => void): () => void {
    return this.wakes.on(listener);
  }

  // --- upkeep
  purge(olderThan: number, now: number): Promise<number> {
    return this.db.tx(async (client) => {
      const deleted = [
        await client.query("DELETE FROM seen_events WHERE seen_at < $1", [olderThan]),
        await client.query("DELETE FROM inbox WHERE state <> 'pending' AND received_at < $1", [olderThan]),
        await client.query("DELETE FROM pinned_content WHERE created_at < $1", [olderThan]),
        await client.query("DELETE FROM api_requests WHERE created_at < $1", [olderThan]),
        await client.query("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $1", [now]),
        await client.query("DELETE FROM auth_states WHERE expires_at <= $1", [now]),
      ];
      // Full buckets say nothing a missing row does not; not counted (they are no delivery records). A row a
      // take holds is skipped, so this never waits for, nor deadlocks with, take_budget's ordered locks.
      await client.query(
        `DELETE FROM budgets WHERE key IN (
           SELECT key FROM budgets WHERE full_at <= $1 ORDER BY key FOR UPDATE SKIP LOCKED)`,
        [now],
      );
      return deleted.reduce((sum, r) => sum + (r.rowCount ?? 0), 0);
    });
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const answer = this.pool.query("SELECT 1 AS ok").then(
      (res) => Number(res.rows[0]?.ok) === 1,
      () => false,
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.wakes.close();
    await this.pool.end().catch(() => undefined);
  }
}

/** The database's clock less this process's, to 100 ms (the middle of the round trip is taken as "now"). */
async function clockOffset(pool: pg.Pool): Promise<number> {
  const before = Date.now();
  const { rows } = await pool.query("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT AS now");
  const local = (before + Date.now()) / 2;
  return Math.round((Number(rows[0].now) - local) / 100) * 100;
}
