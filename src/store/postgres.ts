import type pg from "pg";
import { urlPassword } from "../config";
import type { Logger } from "../logger";
import { migrate } from "./postgres-migrations";
import { createPool, type PoolOptions, type Queryable, scrubbed, transaction } from "./postgres-pool";
import { WAKE_CHANNEL, WakeListener } from "./postgres-wake";
import { COLUMNS, toWatch } from "./rows";
import {
  type BudgetBucket,
  type InboxItem,
  type InboxPayload,
  LEASE_MS,
  LeaseLostError,
  type NewWatch,
  type Store,
  type Watch,
  type WatchChanges,
  type WatchFilter,
} from "./types";

type Row = Record<string, unknown>;

const WATCH_COLUMNS = `tenant_key, task_id, origin, chat_id, chat_type, receive_open_id, requester_open_id,
  command_message_id, note, api_client, next_check_at, created_at, updated_at`;

/** Rows of due watches locked per task wanted: a task watched from several chats has several rows. */
const CANDIDATES_PER_TASK = 4;
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

  private constructor(
    private readonly pool: pg.Pool,
    private readonly wakes: WakeListener,
    private readonly password: string,
  ) {}

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

  /** One statement (its own transaction); errors never carry the password. */
  private async query(text: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
    try {
      return await this.pool.query<Row>(text, values);
    } catch (error) {
      throw scrubbed(error, this.password);
    }
  }

  private async tx<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    try {
      return await transaction(this.pool, work);
    } catch (error) {
      throw scrubbed(error, this.password);
    }
  }

  async recordInbox(
    key: string,
    eventId: string,
    payload: InboxPayload,
    now: number,
    owner: string,
    leaseMs: number,
  ): Promise<"new" | "duplicate"> {
    // One statement, so one transaction: a concurrent duplicate waits on the unique index, then does nothing.
    const { rows } = await this.query(
      `WITH seen AS (
         INSERT INTO seen_events (event_id, seen_at) VALUES ($2, $4) ON CONFLICT DO NOTHING RETURNING 1),
       item AS (
         INSERT INTO inbox (message_id, event_id, payload, attempts, next_attempt_at, lease_owner, lease_until,
           received_at, updated_at)
         SELECT $1, $2, $3, 1, $4, $5, $6, $4, $4 WHERE EXISTS (SELECT 1 FROM seen)
         ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*) AS n FROM item`,
      [key, eventId, JSON.stringify(payload), now, owner, now + leaseMs],
    );
    return Number(rows[0].n) > 0 ? "new" : "duplicate";
  }

  async recordEvent(eventId: string, now: number): Promise<boolean> {
    const res = await this.query(
      "INSERT INTO seen_events (event_id, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
      [eventId, now],
    );
    return res.rowCount === 1;
  }

  async claimInbox(now: number, limit: number, owner: string, leaseMs: number): Promise<InboxItem[]> {
    const { rows } = await this.query(
      `WITH c AS (
         SELECT message_id FROM inbox
          WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
          ORDER BY received_at LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE inbox i SET lease_owner = $3, lease_until = $4, attempts = i.attempts + 1, updated_at = $1
         FROM c WHERE i.message_id = c.message_id
       RETURNING i.message_id, i.payload, i.received_at, i.attempts`,
      [now, limit, owner, now + leaseMs],
    );
    return rows
      .map((r) => ({
        key: String(r.message_id),
        payload: JSON.parse(String(r.payload)) as InboxPayload,
        receivedAt: Number(r.received_at),
        attempts: Number(r.attempts),
      }))
      .sort((a, b) => a.receivedAt - b.receivedAt);
  }

  completeInbox(key: string, watches: NewWatch[], now: number, owner: string): Promise<Watch[]> {
    return this.tx(async (client) => {
      const done = await client.query(
        `UPDATE inbox SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = $1
           WHERE message_id = $2 AND lease_owner = $3`,
        [now, key, owner],
      );
      if (done.rowCount === 0) throw new LeaseLostError("inbox", key);
      const created: Watch[] = [];
      for (const w of watches) {
        await client.query(
          `INSERT INTO watches (${WATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11)
             ON CONFLICT (command_message_id, task_id) DO NOTHING`,
          watchValues(w, now),
        );
        const { rows } = await client.query<Row>(
          "SELECT * FROM watches WHERE command_message_id = $1 AND task_id = $2",
          [w.commandMessageId, w.taskId],
        );
        created.push(toWatch(rows[0]));
      }
      return created;
    });
  }

  async retryInbox(
    key: string,
    nextAttemptAt: number,
    failed: boolean,
    now: number,
    owner: string,
  ): Promise<void> {
    const res = await this.query(
      `UPDATE inbox SET state = $1, next_attempt_at = $2, lease_owner = NULL, lease_until = NULL, updated_at = $3
         WHERE message_id = $4 AND lease_owner = $5`,
      [failed ? "failed" : "pending", nextAttemptAt, now, key, owner],
    );
    if (res.rowCount === 0) throw new LeaseLostError("inbox", key);
  }

  async createWatch(
    watch: NewWatch,
    now: number,
    idempotency?: { scope: string; key: string },
  ): Promise<{ watch: Watch; created: boolean }> {
    const insert = `INSERT INTO watches (${WATCH_COLUMNS})
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11) RETURNING *`;
    if (!idempotency) {
      const { rows } = await this.query(insert, watchValues(watch, now));
      return { watch: toWatch(rows[0]), created: true };
    }
    // The request row comes first: a simultaneous twin's insert waits on its key until this commits, then
    // does nothing and finds the watch made here.
    for (let attempt = 0; ; attempt++) {
      const { rows } = await this.query(
        `WITH request AS (
           INSERT INTO api_requests (scope, idempotency_key, watch_id, created_at)
           VALUES ($12, $13, nextval(pg_get_serial_sequence('watches', 'id')), $11)
           ON CONFLICT DO NOTHING RETURNING watch_id)
         INSERT INTO watches (id, ${WATCH_COLUMNS})
         SELECT request.watch_id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11 FROM request
         RETURNING *`,
        [...watchValues(watch, now), idempotency.scope, idempotency.key],
      );
      if (rows.length > 0) return { watch: toWatch(rows[0]), created: true };
      const existing = await this.query(
        `SELECT w.* FROM api_requests r JOIN watches w ON w.id = r.watch_id
           WHERE r.scope = $1 AND r.idempotency_key = $2`,
        [idempotency.scope, idempotency.key],
      );
      if (existing.rows.length > 0) return { watch: toWatch(existing.rows[0]), created: false };
      // The request was purged (or its watch deleted) in between: record it afresh.
      if (attempt >= 2) throw new Error("idempotency key conflict could not be resolved");
    }
  }

  async claimDueWatches(
    now: number,
    taskLimit: number,
    owner: string,
    leaseMs: number,
    coalesceUntil: number,
  ): Promise<Watch[]> {
    // FOR UPDATE is not allowed with GROUP BY: lock the oldest due rows first, pick tasks among them, then
    // lock every open watch of those tasks due before coalesceUntil. Rows another claim holds are skipped;
    // a lease committed meanwhile is seen by the re-check FOR UPDATE makes.
    const { rows } = await this.query(
      `WITH candidates AS (
         SELECT id, tenant_key, task_id, next_check_at FROM watches
          WHERE phase <> 'done' AND next_check_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
          ORDER BY next_check_at, id LIMIT $2
          FOR UPDATE SKIP LOCKED),
       tasks AS (
         SELECT tenant_key, task_id FROM candidates
          GROUP BY tenant_key, task_id ORDER BY min(next_check_at) LIMIT $3),
       targets AS (
         SELECT w.id FROM watches w JOIN tasks t ON t.tenant_key = w.tenant_key AND t.task_id = w.task_id
          WHERE w.phase <> 'done' AND w.next_check_at <= $4 AND (w.lease_until IS NULL OR w.lease_until < $1)
          FOR UPDATE OF w SKIP LOCKED)
       UPDATE watches w SET lease_owner = $5, lease_until = $6 FROM targets WHERE w.id = targets.id
       RETURNING w.*`,
      [now, taskLimit * CANDIDATES_PER_TASK, taskLimit, Math.max(now, coalesceUntil), owner, now + leaseMs],
    );
    return rows.map(toWatch).sort((a, b) => a.nextCheckAt - b.nextCheckAt || a.id - b.id);
  }

  async claimWatches(ids: number[], now: number, owner: string, leaseMs: number): Promise<Watch[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.query(
      `WITH c AS (
         SELECT id FROM watches
          WHERE id = ANY($1::BIGINT[]) AND phase <> 'done' AND (lease_until IS NULL OR lease_until < $2)
          FOR UPDATE SKIP LOCKED)
       UPDATE watches w SET lease_owner = $3, lease_until = $4 FROM c WHERE w.id = c.id
       RETURNING w.*`,
      [ids, now, owner, now + leaseMs],
    );
    return rows.map(toWatch).sort((a, b) => a.id - b.id);
  }

  async updateWatch(
    id: number,
    changes: WatchChanges,
    owner: string,
    release: boolean,
    now: number,
  ): Promise<void> {
    const values: unknown[] = [id, owner, now];
    const sets = ["updated_at = $3"];
    for (const [key, value] of Object.entries(changes) as [keyof WatchChanges, unknown][]) {
      values.push(value);
      sets.push(`${COLUMNS[key]} = $${values.length}`);
    }
    if (release) {
      sets.push("lease_owner = NULL, lease_until = NULL");
    } else {
      values.push(now + LEASE_MS);
      sets.push(`lease_until = $${values.length}`);
    }
    const res = await this.query(
      `UPDATE watches SET ${sets.join(", ")} WHERE id = $1 AND lease_owner = $2`,
      values,
    );
    if (res.rowCount === 0) throw new LeaseLostError("watch", id);
  }

  async getWatch(id: number): Promise<Watch | undefined> {
    const { rows } = await this.query("SELECT * FROM watches WHERE id = $1", [id]);
    return rows[0] ? toWatch(rows[0]) : undefined;
  }

  async requestStop(id: number, by: string, now: number): Promise<boolean> {
    const res = await this.query(
      `UPDATE watches SET stop_requested_by = $1, next_check_at = LEAST(next_check_at, $2), updated_at = $2
         WHERE id = $3 AND phase <> 'done'`,
      [by, now, id],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async requestCheck(id: number, now: number): Promise<boolean> {
    const res = await this.query(
      "UPDATE watches SET next_check_at = LEAST(next_check_at, $1) WHERE id = $2 AND phase <> 'done'",
      [now, id],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async findOpenWatch(tenantKey: string, chatId: string, taskId: string): Promise<Watch | undefined> {
    const { rows } = await this.query(
      `SELECT * FROM watches WHERE tenant_key = $1 AND chat_id = $2 AND task_id = $3 AND phase <> 'done'
         ORDER BY id LIMIT 1`,
      [tenantKey, chatId, taskId],
    );
    return rows[0] ? toWatch(rows[0]) : undefined;
  }

  async listWatches(filter: WatchFilter): Promise<Watch[]> {
    const { rows } = await this.query(
      `SELECT * FROM watches WHERE tenant_key = $1
         AND ($2::TEXT IS NULL OR chat_id = $2) AND ($3::TEXT IS NULL OR api_client = $3)
         AND (NOT $4 OR phase <> 'done')
         ORDER BY created_at, id LIMIT $5`,
      [filter.tenantKey, filter.chatId ?? null, filter.apiClient ?? null, filter.openOnly, filter.limit],
    );
    return rows.map(toWatch);
  }

  async countOpenWatches(): Promise<number> {
    const { rows } = await this.query("SELECT count(*) AS n FROM watches WHERE phase <> 'done'");
    return Number(rows[0].n);
  }

  setTenantStatus(
    tenantKey: string,
    status: "active" | "uninstalled",
    reason: string,
    now: number,
  ): Promise<number> {
    return this.tx(async (client) => {
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
    const { rows } = await this.query("SELECT status, since FROM tenants WHERE tenant_key = $1", [tenantKey]);
    if (!rows[0]) return undefined;
    return {
      status: rows[0].status === "uninstalled" ? "uninstalled" : "active",
      since: Number(rows[0].since),
    };
  }

  async purgeUninstalledTenants(before: number): Promise<number> {
    const { rows } = await this.query(
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
    const inserted = await this.query(
      "INSERT INTO pinned_content (uuid, content, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      [uuid, content, now],
    );
    if (inserted.rowCount === 1) return content;
    // Another statement's snapshot: the conflicting row is committed by now (the insert waited for it).
    const { rows } = await this.query("SELECT content FROM pinned_content WHERE uuid = $1", [uuid]);
    return rows[0] ? String(rows[0].content) : this.pinContent(uuid, content, now);
  }

  async getValue(key: string, now: number): Promise<string | undefined> {
    const { rows } = await this.query(
      "SELECT value FROM kv WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)",
      [key, now],
    );
    return rows[0] ? String(rows[0].value) : undefined;
  }

  async setValue(key: string, value: string, expiresAt: number | null, now: number): Promise<void> {
    await this.query(
      `INSERT INTO kv (key, value, expires_at, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
           updated_at = excluded.updated_at`,
      [key, value, expiresAt, now],
    );
  }

  async deleteValue(key: string): Promise<void> {
    await this.query("DELETE FROM kv WHERE key = $1", [key]);
  }

  async takeBudget(buckets: BudgetBucket[], now: number): Promise<number> {
    const byKey = new Map(buckets.map((b) => [b.key, b]));
    const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const { rows } = await this.query("SELECT take_budget($1, $2, $3, $4, $5) AS wait", [
      sorted.map((b) => b.key),
      sorted.map((b) => b.rate),
      sorted.map((b) => b.burst),
      sorted.map((b) => b.reserve ?? 0),
      now,
    ]);
    return Number(rows[0].wait);
  }

  async wake(): Promise<void> {
    await this.query("SELECT pg_notify($1, '')", [WAKE_CHANNEL]);
  }

  onWake(listener: () => void): () => void {
    return this.wakes.on(listener);
  }

  purge(olderThan: number, now: number): Promise<number> {
    return this.tx(async (client) => {
      const deleted = [
        await client.query("DELETE FROM seen_events WHERE seen_at < $1", [olderThan]),
        await client.query("DELETE FROM inbox WHERE state <> 'pending' AND received_at < $1", [olderThan]),
        await client.query("DELETE FROM pinned_content WHERE created_at < $1", [olderThan]),
        await client.query("DELETE FROM api_requests WHERE created_at < $1", [olderThan]),
        await client.query("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $1", [now]),
      ];
      // Full buckets say nothing a missing row does not; not counted (they are no delivery records).
      await client.query("DELETE FROM budgets WHERE full_at <= $1", [now]);
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

function watchValues(w: NewWatch, now: number): unknown[] {
  return [
    w.tenantKey,
    w.taskId,
    w.origin,
    w.chatId,
    w.chatType,
    w.receiveOpenId ?? null,
    w.requesterOpenId,
    w.commandMessageId,
    w.note ?? null,
    w.apiClient ?? null,
    now,
  ];
}
