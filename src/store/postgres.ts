import type pg from "pg";
import { urlPassword } from "../config";
import type { Logger } from "../logger";
import * as inbox from "./postgres-inbox";
import { migrate } from "./postgres-migrations";
import { createPool, type Db, type PoolOptions, poolDb, scrubbed } from "./postgres-pool";
import { WAKE_CHANNEL, WakeListener } from "./postgres-wake";
import * as watches from "./postgres-watches";
import type { BudgetBucket, InboxPayload, NewWatch, Store, WatchChanges, WatchFilter } from "./types";

/** ping() answers false rather than make /healthz wait for a connection attempt. */
const PING_TIMEOUT_MS = 2_000;

/**
 * The store shared by every replica of a deployment. Work is claimed with FOR UPDATE SKIP LOCKED plus a
 * lease (owner, expiry) that outlives the claiming statement; every later write is fenced by the owner and
 * a write that matches no row throws LeaseLostError. Leases are never voided at open: another replica may
 * hold them. Budgets live in a table (take_budget, postgres-migrations.ts) and wake-ups travel as NOTIFY.
 */
export class PostgresStore implements Store {
  readonly kind = "postgres" as const;

  private readonly db: Db;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly wakes: WakeListener,
    password: string,
  ) {
    this.db = poolDb(pool, password);
  }

  /** Connects, creates or migrates the schema (safe when replicas start together) and starts listening. */
  static async open(url: string, logger: Logger, options: PoolOptions = {}): Promise<PostgresStore> {
    const pool = createPool(url, logger, options);
    const wakes = new WakeListener(url, logger);
    try {
      const applied = await migrate(pool);
      if (applied.length > 0) logger.info("PostgreSQL schema migrated", { versions: applied });
      await wakes.start();
    } catch (error) {
      await wakes.close();
      await pool.end().catch(() => undefined);
      throw scrubbed(error, urlPassword(url));
    }
    return new PostgresStore(pool, wakes, urlPassword(url));
  }

  // --- inbox (postgres-inbox.ts) and watches (postgres-watches.ts) ---
  recordInbox(
    key: string,
    eventId: string,
    payload: InboxPayload,
    now: number,
    owner: string,
    leaseMs: number,
  ) {
    return inbox.recordInbox(this.db, key, eventId, payload, now, owner, leaseMs);
  }
  recordEvent(eventId: string, now: number) {
    return inbox.recordEvent(this.db, eventId, now);
  }
  claimInbox(now: number, limit: number, owner: string, leaseMs: number) {
    return inbox.claimInbox(this.db, now, limit, owner, leaseMs);
  }
  completeInbox(key: string, newWatches: NewWatch[], now: number, owner: string) {
    return inbox.completeInbox(this.db, key, newWatches, now, owner);
  }
  renewInbox(key: string, now: number, owner: string) {
    return inbox.renewInbox(this.db, key, now, owner);
  }
  retryInbox(key: string, nextAttemptAt: number, failed: boolean, now: number, owner: string) {
    return inbox.retryInbox(this.db, key, nextAttemptAt, failed, now, owner);
  }
  createWatch(watch: NewWatch, now: number, idempotency?: { scope: string; key: string }) {
    return watches.createWatch(this.db, watch, now, idempotency);
  }
  claimDueWatches(now: number, taskLimit: number, owner: string, leaseMs: number, coalesceUntil: number) {
    return watches.claimDueWatches(this.db, now, taskLimit, owner, leaseMs, coalesceUntil);
  }
  claimWatches(ids: number[], now: number, owner: string, leaseMs: number) {
    return watches.claimWatches(this.db, ids, now, owner, leaseMs);
  }
  updateWatch(id: number, changes: WatchChanges, owner: string, release: boolean, now: number) {
    return watches.updateWatch(this.db, id, changes, owner, release, now);
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
  findOpenWatch(tenantKey: string, chatId: string, taskId: string) {
    return watches.findOpenWatch(this.db, tenantKey, chatId, taskId);
  }
  listWatches(filter: WatchFilter) {
    return watches.listWatches(this.db, filter);
  }
  countOpenWatches() {
    return watches.countOpenWatches(this.db);
  }

  setTenantStatus(
    tenantKey: string,
    status: "active" | "uninstalled",
    reason: string,
    now: number,
  ): Promise<number> {
    return this.db.tx(async (client) => {
      await client.query(
        `INSERT INTO tenants (tenant_key, status, since) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_key) DO UPDATE SET status = excluded.status, since = excluded.since`,
        [tenantKey, status, now],
      );
      if (status === "active") return 0;
      const ended = await client.query(
        `UPDATE watches SET phase = 'done', state = 'stopped', notify = false, end_reason = $1,
           finished_at = COALESCE(finished_at, $2), lease_owner = NULL, lease_until = NULL, updated_at = $2
           WHERE tenant_key = $3 AND phase <> 'done'`,
        [reason, now, tenantKey],
      );
      return ended.rowCount ?? 0;
    });
  }

  async tenantStatus(
    tenantKey: string,
  ): Promise<{ status: "active" | "uninstalled"; since: number } | undefined> {
    const { rows } = await this.db.query("SELECT status, since FROM tenants WHERE tenant_key = $1", [
      tenantKey,
    ]);
    if (!rows[0]) return undefined;
    return {
      status: rows[0].status === "uninstalled" ? "uninstalled" : "active",
      since: Number(rows[0].since),
    };
  }

  async purgeUninstalledTenants(before: number): Promise<number> {
    const { rows } = await this.db.query(
      `WITH gone AS (
         DELETE FROM tenants WHERE status = 'uninstalled' AND since < $1 RETURNING tenant_key),
       watches_gone AS (
         DELETE FROM watches WHERE tenant_key IN (SELECT tenant_key FROM gone))
       SELECT count(*) AS n FROM gone`,
      [before],
    );
    return Number(rows[0].n);
  }

  async pinContent(uuid: string, content: string, now: number): Promise<string> {
    const inserted = await this.db.query(
      "INSERT INTO pinned_content (uuid, content, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      [uuid, content, now],
    );
    if (inserted.rowCount === 1) return content;
    // Another statement's snapshot: the conflicting row is committed by now (the insert waited for it).
    const { rows } = await this.db.query("SELECT content FROM pinned_content WHERE uuid = $1", [uuid]);
    return rows[0] ? String(rows[0].content) : this.pinContent(uuid, content, now);
  }

  async getValue(key: string, now: number): Promise<string | undefined> {
    const { rows } = await this.db.query(
      "SELECT value FROM kv WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)",
      [key, now],
    );
    return rows[0] ? String(rows[0].value) : undefined;
  }

  async setValue(key: string, value: string, expiresAt: number | null, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO kv (key, value, expires_at, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
           updated_at = excluded.updated_at`,
      [key, value, expiresAt, now],
    );
  }

  async deleteValue(key: string): Promise<void> {
    await this.db.query("DELETE FROM kv WHERE key = $1", [key]);
  }

  async takeBudget(buckets: BudgetBucket[], now: number): Promise<number> {
    const byKey = new Map(buckets.map((b) => [b.key, b]));
    const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const { rows } = await this.db.query("SELECT take_budget($1, $2, $3, $4, $5) AS wait", [
      sorted.map((b) => b.key),
      sorted.map((b) => b.rate),
      sorted.map((b) => b.burst),
      sorted.map((b) => b.reserve ?? 0),
      now,
    ]);
    return Number(rows[0].wait);
  }

  async wake(): Promise<void> {
    await this.db.query("SELECT pg_notify($1, '')", [WAKE_CHANNEL]);
  }

  onWake(listener: () => void): () => void {
    return this.wakes.on(listener);
  }

  purge(olderThan: number, now: number): Promise<number> {
    return this.db.tx(async (client) => {
      const deleted = [
        await client.query("DELETE FROM seen_events WHERE seen_at < $1", [olderThan]),
        await client.query("DELETE FROM inbox WHERE state <> 'pending' AND received_at < $1", [olderThan]),
        await client.query("DELETE FROM pinned_content WHERE created_at < $1", [olderThan]),
        await client.query("DELETE FROM api_requests WHERE created_at < $1", [olderThan]),
        await client.query("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $1", [now]),
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
