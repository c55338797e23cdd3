import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { MemoryBuckets } from "./budget";
import { MIGRATIONS } from "./migrations";
import { COLUMNS, toInboxItems, toWatch } from "./rows";
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

const INSERT_WATCH = `INSERT INTO watches (tenant_key, task_id, origin, chat_id, chat_type, receive_open_id,
    requester_open_id, command_message_id, note, api_client, next_check_at, created_at, updated_at)
  VALUES (@tenantKey, @taskId, @origin, @chatId, @chatType, @receiveOpenId, @requesterOpenId, @commandMessageId,
    @note, @apiClient, @now, @now, @now)`;

/** The embedded default store: one SQLite file in WAL mode, used by one process. */
export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  /** Compiled statements by SQL text: better-sqlite3 statements are reusable, compiling is not free. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Writes waiting for the group commit at the end of this event-loop turn. */
  private queued: Array<{
    work: () => unknown;
    resolve: (value: never) => void;
    reject: (error: unknown) => void;
  }> = [];
  /** One process per file: its rate budget and its wake-ups live in memory. */
  private readonly buckets = new MemoryBuckets();
  private readonly wakes = new EventEmitter();

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL"); // with WAL: durable against process crashes, the failure we guard
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
    // One bot process per SQLite file: leases left by a crashed predecessor are void, so a restart resumes
    // at once instead of waiting for them to expire. (The PostgreSQL store, shared by replicas, never does.)
    this.db.exec("UPDATE inbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL");
    this.db.exec("UPDATE watches SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL");
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `database schema version ${version} is newer than this bot (${MIGRATIONS.length}); upgrade the bot`,
      );
    }
    MIGRATIONS.slice(version).forEach((sql, i) => {
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${version + i + 1}`);
      })();
    });
  }

  /**
   * Runs `work` in one transaction shared with every write queued in this event-loop turn (group commit), and
   * resolves only after that commit. Feishu gets its 200 only once its event is durable; a burst of events
   * costs one commit instead of one each.
   */
  private grouped<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.commitQueued());
      this.queued.push({ work, resolve: resolve as (value: never) => void, reject });
    });
  }

  private commitQueued(): void {
    const batch = this.queued;
    this.queued = [];
    try {
      const results = this.db.transaction(() => batch.map((q) => q.work()))();
      for (const [i, q] of batch.entries()) q.resolve(results[i] as never);
    } catch {
      // One bad write must not fail the others: each on its own.
      for (const q of batch) {
        try {
          q.resolve(this.db.transaction(q.work)() as never);
        } catch (error) {
          q.reject(error);
        }
      }
    }
  }

  recordInbox(
    key: string,
    eventId: string,
    payload: InboxPayload,
    now: number,
    owner: string,
    leaseMs: number,
  ): Promise<"new" | "duplicate"> {
    return this.grouped(() => {
      const seen = this.prepare("INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)");
      if (seen.run(eventId, now).changes === 0) return "duplicate";
      const inbox = this.prepare(
        `INSERT OR IGNORE INTO inbox (message_id, event_id, payload, attempts, next_attempt_at, lease_owner,
           lease_until, received_at, updated_at)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`,
      );
      const row = inbox.run(key, eventId, JSON.stringify(payload), now, owner, now + leaseMs, now, now);
      return row.changes > 0 ? "new" : "duplicate";
    });
  }

  async recordEvent(eventId: string, now: number): Promise<boolean> {
    const res = this.prepare("INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)").run(
      eventId,
      now,
    );
    return res.changes > 0;
  }

  async claimInbox(now: number, limit: number, owner: string, leaseMs: number): Promise<InboxItem[]> {
    const rows = this.prepare(
      `UPDATE inbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
         WHERE message_id IN (
           SELECT message_id FROM inbox
           WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
           ORDER BY received_at LIMIT ?)
         RETURNING message_id, payload, received_at, attempts`,
    ).all(owner, now + leaseMs, now, now, now, limit) as Row[];
    return toInboxItems(rows);
  }

  completeInbox(key: string, watches: NewWatch[], now: number, owner: string): Promise<Watch[]> {
    return this.grouped(() => {
      const done = this.prepare(
        `UPDATE inbox SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = ?
           WHERE message_id = ? AND lease_owner = ?`,
      ).run(now, key, owner);
      if (done.changes === 0) throw new LeaseLostError("inbox", key);
      const insert = this.prepare(INSERT_WATCH.replace("INSERT INTO", "INSERT OR IGNORE INTO"));
      const select = this.prepare("SELECT * FROM watches WHERE command_message_id = ? AND task_id = ?");
      return watches.map((w) => {
        insert.run(watchParams(w, now));
        const row = (select.get(w.commandMessageId, w.taskId) as Row | undefined) ?? this.openInChat(w);
        return toWatch(row);
      });
    });
  }

  async renewInbox(key: string, now: number, owner: string): Promise<void> {
    const res = this.prepare(
      "UPDATE inbox SET lease_until = ? WHERE message_id = ? AND lease_owner = ? AND state = 'pending'",
    ).run(now + LEASE_MS, key, owner);
    if (res.changes === 0) throw new LeaseLostError("inbox", key);
  }

  async retryInbox(
    key: string,
    nextAttemptAt: number,
    failed: boolean,
    now: number,
    owner: string,
  ): Promise<void> {
    const res = this.prepare(
      `UPDATE inbox SET state = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE message_id = ? AND lease_owner = ?`,
    ).run(failed ? "failed" : "pending", nextAttemptAt, now, key, owner);
    if (res.changes === 0) throw new LeaseLostError("inbox", key);
  }

  async createWatch(
    watch: NewWatch,
    now: number,
    idempotency?: { scope: string; key: string },
  ): Promise<{ watch: Watch; created: boolean; existing?: "key" | "open_watch" }> {
    return this.db.transaction(() => {
      if (idempotency) {
        const existing = this.prepare(
          "SELECT watch_id FROM api_requests WHERE scope = ? AND idempotency_key = ?",
        ).get(idempotency.scope, idempotency.key) as Row | undefined;
        if (existing) {
          const row = this.prepare("SELECT * FROM watches WHERE id = ?").get(existing.watch_id) as Row;
          return { watch: toWatch(row), created: false, existing: "key" as const };
        }
      }
      const insert = this.prepare(INSERT_WATCH.replace("INSERT INTO", "INSERT OR IGNORE INTO"));
      const inserted = insert.run(watchParams(watch, now));
      const row =
        inserted.changes > 0
          ? (this.prepare("SELECT * FROM watches WHERE id = ?").get(inserted.lastInsertRowid) as Row)
          : this.openInChat(watch);
      if (idempotency) {
        this.prepare(
          "INSERT INTO api_requests (scope, idempotency_key, watch_id, created_at) VALUES (?, ?, ?, ?)",
        ).run(idempotency.scope, idempotency.key, row.id, now);
      }
      if (inserted.changes > 0) return { watch: toWatch(row), created: true };
      return { watch: toWatch(row), created: false, existing: "open_watch" as const };
    })();
  }

  /** The open watch of this task in this chat (the one a new watch met on the unique index). */
  private openInChat(w: NewWatch): Row {
    const row = this.prepare(
      `SELECT * FROM watches WHERE tenant_key = ? AND chat_id = ? AND task_id = ? AND phase <> 'done'
         AND receive_open_id IS NULL`,
    ).get(w.tenantKey, w.chatId, w.taskId) as Row | undefined;
    if (!row) throw new Error(`watch of task ${w.taskId} for message ${w.commandMessageId} was not created`);
    return row;
  }

  async claimDueWatches(
    now: number,
    taskLimit: number,
    owner: string,
    leaseMs: number,
    coalesceUntil: number,
  ): Promise<Watch[]> {
    // Due rows come through watches_due (few at a time), their tasks' other watches through watches_task; the
    // "+" keeps the planner from walking every open watch in task order to group them.
    const rows = this.prepare(
      `UPDATE watches SET lease_owner = @owner, lease_until = @until, recheck = 0
         WHERE phase <> 'done' AND next_check_at <= @coalesce AND (lease_until IS NULL OR lease_until < @now)
           AND (tenant_key, task_id) IN (
             SELECT tenant_key, task_id FROM watches
             WHERE phase <> 'done' AND next_check_at <= @now AND (lease_until IS NULL OR lease_until < @now)
             GROUP BY tenant_key, +task_id ORDER BY MIN(next_check_at) LIMIT @limit)
         RETURNING *`,
    ).all({
      owner,
      until: now + leaseMs,
      now,
      coalesce: Math.max(now, coalesceUntil),
      limit: taskLimit,
    }) as Row[];
    return rows.map(toWatch).sort((a, b) => a.nextCheckAt - b.nextCheckAt || a.id - b.id);
  }

  async claimWatches(ids: number[], now: number, owner: string, leaseMs: number): Promise<Watch[]> {
    if (ids.length === 0) return [];
    const rows = this.prepare(
      `UPDATE watches SET lease_owner = ?, lease_until = ?, recheck = 0
         WHERE id IN (SELECT value FROM json_each(?)) AND phase <> 'done'
           AND (lease_until IS NULL OR lease_until < ?)
         RETURNING *`,
    ).all(owner, now + leaseMs, JSON.stringify(ids), now) as Row[];
    return rows.map(toWatch).sort((a, b) => a.id - b.id);
  }

  async updateWatch(
    id: number,
    changes: WatchChanges,
    owner: string,
    release: boolean,
    now: number,
  ): Promise<void> {
    const sets: string[] = ["updated_at = @now"];
    const params: Record<string, unknown> = { id, owner, now, until: now + LEASE_MS };
    for (const [key, value] of Object.entries(changes) as [keyof WatchChanges, unknown][]) {
      // A check asked meanwhile (requestCheck/requestStop since the claim) keeps the watch due now.
      sets.push(
        key === "nextCheckAt"
          ? "next_check_at = CASE WHEN recheck = 1 THEN MIN(@nextCheckAt, @now) ELSE @nextCheckAt END"
          : `${COLUMNS[key]} = @${key}`,
      );
      params[key] = typeof value === "boolean" ? Number(value) : value;
    }
    sets.push(release ? "lease_owner = NULL, lease_until = NULL" : "lease_until = @until");
    const res = this.prepare(
      `UPDATE watches SET ${sets.join(", ")} WHERE id = @id AND lease_owner = @owner`,
    ).run(params);
    if (res.changes === 0) throw new LeaseLostError("watch", id);
  }

  async getWatch(id: number): Promise<Watch | undefined> {
    const row = this.prepare("SELECT * FROM watches WHERE id = ?").get(id) as Row | undefined;
    return row ? toWatch(row) : undefined;
  }

  async requestStop(id: number, by: string, now: number): Promise<boolean> {
    const res = this.prepare(
      `UPDATE watches SET stop_requested_by = ?, next_check_at = MIN(next_check_at, ?), recheck = 1,
         updated_at = ? WHERE id = ? AND phase <> 'done'`,
    ).run(by, now, now, id);
    return res.changes > 0;
  }

  async requestCheck(id: number, now: number): Promise<boolean> {
    const res = this.prepare(
      "UPDATE watches SET next_check_at = MIN(next_check_at, ?), recheck = 1 WHERE id = ? AND phase <> 'done'",
    ).run(now, id);
    return res.changes > 0;
  }

  async findOpenWatch(tenantKey: string, chatId: string, taskId: string): Promise<Watch | undefined> {
    const row = this.prepare(
      `SELECT * FROM watches WHERE tenant_key = ? AND chat_id = ? AND task_id = ? AND phase <> 'done'
         ORDER BY id LIMIT 1`,
    ).get(tenantKey, chatId, taskId) as Row | undefined;
    return row ? toWatch(row) : undefined;
  }

  async listWatches(filter: WatchFilter): Promise<Watch[]> {
    const rows = this.prepare(
      `SELECT * FROM watches WHERE tenant_key = @tenantKey
         AND (@chatId IS NULL OR chat_id = @chatId) AND (@apiClient IS NULL OR api_client = @apiClient)
         AND (@openOnly = 0 OR phase <> 'done')
         ORDER BY created_at, id LIMIT @limit`,
    ).all({
      tenantKey: filter.tenantKey,
      chatId: filter.chatId ?? null,
      apiClient: filter.apiClient ?? null,
      openOnly: filter.openOnly ? 1 : 0,
      limit: filter.limit,
    }) as Row[];
    return rows.map(toWatch);
  }

  async countOpenWatches(): Promise<number> {
    const row = this.prepare("SELECT COUNT(*) AS n FROM watches WHERE phase <> 'done'").get() as Row;
    return Number(row.n);
  }

  async setTenantStatus(
    tenantKey: string,
    status: "active" | "uninstalled",
    reason: string,
    now: number,
  ): Promise<number> {
    return this.db.transaction(() => {
      this.prepare(
        `INSERT INTO tenants (tenant_key, status, since) VALUES (?, ?, ?)
           ON CONFLICT (tenant_key) DO UPDATE SET status = excluded.status, since = excluded.since`,
      ).run(tenantKey, status, now);
      if (status === "active") return 0;
      return this.prepare(
        `UPDATE watches SET phase = 'done', state = 'stopped', notify = 0, end_reason = ?,
           finished_at = COALESCE(finished_at, ?), lease_owner = NULL, lease_until = NULL, updated_at = ?
           WHERE tenant_key = ? AND phase <> 'done'`,
      ).run(reason, now, now, tenantKey).changes;
    })();
  }

  async tenantStatus(
    tenantKey: string,
  ): Promise<{ status: "active" | "uninstalled"; since: number } | undefined> {
    const row = this.prepare("SELECT status, since FROM tenants WHERE tenant_key = ?").get(tenantKey) as
      | Row
      | undefined;
    if (!row) return undefined;
    return { status: row.status === "uninstalled" ? "uninstalled" : "active", since: Number(row.since) };
  }

  async purgeUninstalledTenants(before: number): Promise<number> {
    return this.db.transaction(() => {
      const gone = this.prepare(
        "SELECT tenant_key FROM tenants WHERE status = 'uninstalled' AND since < ?",
      ).all(before) as Row[];
      for (const { tenant_key } of gone) {
        this.prepare("DELETE FROM watches WHERE tenant_key = ?").run(tenant_key);
        this.prepare("DELETE FROM tenants WHERE tenant_key = ?").run(tenant_key);
      }
      return gone.length;
    })();
  }

  async pinContent(uuid: string, content: string, now: number): Promise<string> {
    this.prepare("INSERT OR IGNORE INTO pinned_content (uuid, content, created_at) VALUES (?, ?, ?)").run(
      uuid,
      content,
      now,
    );
    const row = this.prepare("SELECT content FROM pinned_content WHERE uuid = ?").get(uuid) as Row;
    return String(row.content);
  }

  async getValue(key: string, now: number): Promise<string | undefined> {
    const row = this.prepare(
      "SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
    ).get(key, now) as Row | undefined;
    return row ? String(row.value) : undefined;
  }

  async setValue(key: string, value: string, expiresAt: number | null, now: number): Promise<void> {
    this.prepare(
      `INSERT INTO kv (key, value, expires_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
           updated_at = excluded.updated_at`,
    ).run(key, value, expiresAt, now);
  }

  async deleteValue(key: string): Promise<void> {
    this.prepare("DELETE FROM kv WHERE key = ?").run(key);
  }

  async takeBudget(buckets: BudgetBucket[], now: number): Promise<number> {
    return this.buckets.take(buckets, now);
  }

  async wake(): Promise<void> {
    this.wakes.emit("wake");
  }

  onWake(listener: () => void): () => void {
    this.wakes.on("wake", listener);
    return () => {
      this.wakes.off("wake", listener);
    };
  }

  async purge(olderThan: number, now: number): Promise<number> {
    const run = this.db.transaction(() => {
      const deleted = [
        this.prepare("DELETE FROM seen_events WHERE seen_at < ?").run(olderThan),
        this.prepare("DELETE FROM inbox WHERE state <> 'pending' AND received_at < ?").run(olderThan),
        this.prepare("DELETE FROM pinned_content WHERE created_at < ?").run(olderThan),
        this.prepare("DELETE FROM api_requests WHERE created_at < ?").run(olderThan),
        this.prepare("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?").run(now),
      ];
      return deleted.reduce((sum, r) => sum + r.changes, 0);
    });
    return run();
  }

  async ping(): Promise<boolean> {
    return this.db.open && (this.prepare("SELECT 1 AS ok").get() as Row).ok === 1;
  }

  async close(): Promise<void> {
    if (this.queued.length > 0) this.commitQueued();
    if (this.db.open) this.db.close();
  }
}

function watchParams(w: NewWatch, now: number): Record<string, unknown> {
  return {
    tenantKey: w.tenantKey,
    taskId: w.taskId,
    origin: w.origin,
    chatId: w.chatId,
    chatType: w.chatType,
    receiveOpenId: w.receiveOpenId ?? null,
    requesterOpenId: w.requesterOpenId,
    commandMessageId: w.commandMessageId,
    note: w.note ?? null,
    apiClient: w.apiClient ?? null,
    now,
  };
}
