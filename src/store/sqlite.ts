import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations";
import type { InboxItem, InboxPayload, NewWatch, Store, Watch, WatchChanges } from "./types";

type Row = Record<string, unknown>;

const COLUMNS: Record<keyof WatchChanges, string> = {
  cardMessageId: "card_message_id",
  phase: "phase",
  state: "state",
  rawStatus: "raw_status",
  cardHash: "card_hash",
  cardDisabled: "card_disabled",
  notify: "notify",
  nextCheckAt: "next_check_at",
  checks: "checks",
  failures: "failures",
  lastCheckAt: "last_check_at",
  finishedAt: "finished_at",
  stoppedBy: "stopped_by",
};

/** The embedded default store: one SQLite file in WAL mode. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  /** Compiled statements by SQL text: better-sqlite3 statements are reusable, compiling is not free. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Writes waiting for the group commit at the end of this event-loop turn. */
  private queued: Array<{
    work: () => unknown;
    resolve: (value: never) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL"); // with WAL: durable against process crashes, the failure we guard
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
    // One bot process per SQLite file: leases left by a crashed predecessor are void, so a restart resumes
    // at once instead of waiting for them to expire. (A store shared by replicas relies on expiry instead.)
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
    return rows
      .map((r) => ({
        key: String(r.message_id),
        payload: JSON.parse(String(r.payload)) as InboxPayload,
        receivedAt: Number(r.received_at),
        attempts: Number(r.attempts),
      }))
      .sort((a, b) => a.receivedAt - b.receivedAt);
  }

  completeInbox(key: string, watches: NewWatch[], now: number): Promise<Watch[]> {
    return this.grouped(() => {
      const insert = this.prepare(
        `INSERT OR IGNORE INTO watches
           (task_id, chat_id, chat_type, requester_open_id, command_message_id, next_check_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const select = this.prepare("SELECT * FROM watches WHERE command_message_id = ? AND task_id = ?");
      const result: Watch[] = [];
      for (const w of watches) {
        insert.run(w.taskId, w.chatId, w.chatType, w.requesterOpenId, w.commandMessageId, now, now, now);
        result.push(toWatch(select.get(w.commandMessageId, w.taskId) as Row));
      }
      this.prepare(
        "UPDATE inbox SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE message_id = ?",
      ).run(now, key);
      return result;
    });
  }

  async retryInbox(key: string, nextAttemptAt: number, failed: boolean, now: number): Promise<void> {
    this.prepare(
      `UPDATE inbox SET state = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE message_id = ?`,
    ).run(failed ? "failed" : "pending", nextAttemptAt, now, key);
  }

  async claimDueWatches(
    now: number,
    taskLimit: number,
    owner: string,
    leaseMs: number,
    coalesceUntil: number,
  ): Promise<Watch[]> {
    const rows = this.prepare(
      `UPDATE watches SET lease_owner = @owner, lease_until = @until
         WHERE phase <> 'done' AND next_check_at <= @coalesce AND (lease_until IS NULL OR lease_until < @now)
           AND task_id IN (
             SELECT task_id FROM watches
             WHERE phase <> 'done' AND next_check_at <= @now AND (lease_until IS NULL OR lease_until < @now)
             GROUP BY task_id ORDER BY MIN(next_check_at) LIMIT @limit)
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
      `UPDATE watches SET lease_owner = ?, lease_until = ?
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
    const params: Record<string, unknown> = { id, owner, now };
    for (const [key, value] of Object.entries(changes) as [keyof WatchChanges, unknown][]) {
      sets.push(`${COLUMNS[key]} = @${key}`);
      params[key] = typeof value === "boolean" ? Number(value) : value;
    }
    if (release) sets.push("lease_owner = NULL, lease_until = NULL");
    this.prepare(`UPDATE watches SET ${sets.join(", ")} WHERE id = @id AND lease_owner = @owner`).run(params);
  }

  async getWatch(id: number): Promise<Watch | undefined> {
    const row = this.prepare("SELECT * FROM watches WHERE id = ?").get(id) as Row | undefined;
    return row ? toWatch(row) : undefined;
  }

  async requestStop(id: number, by: string, now: number): Promise<boolean> {
    const res = this.prepare(
      `UPDATE watches SET stop_requested_by = ?, next_check_at = MIN(next_check_at, ?), updated_at = ?
         WHERE id = ? AND phase <> 'done'`,
    ).run(by, now, now, id);
    return res.changes > 0;
  }

  async findOpenWatch(chatId: string, taskId: string): Promise<Watch | undefined> {
    const row = this.prepare(
      "SELECT * FROM watches WHERE chat_id = ? AND task_id = ? AND phase <> 'done' ORDER BY id LIMIT 1",
    ).get(chatId, taskId) as Row | undefined;
    return row ? toWatch(row) : undefined;
  }

  async listOpenWatches(chatId: string): Promise<Watch[]> {
    const rows = this.prepare(
      "SELECT * FROM watches WHERE chat_id = ? AND phase <> 'done' ORDER BY created_at, id LIMIT 100",
    ).all(chatId) as Row[];
    return rows.map(toWatch);
  }

  async countOpenWatches(): Promise<number> {
    const row = this.prepare("SELECT COUNT(*) AS n FROM watches WHERE phase <> 'done'").get() as Row;
    return Number(row.n);
  }

  async purge(olderThan: number): Promise<number> {
    const run = this.db.transaction(() => {
      const a = this.prepare("DELETE FROM seen_events WHERE seen_at < ?").run(olderThan).changes;
      const b = this.prepare("DELETE FROM inbox WHERE state <> 'pending' AND received_at < ?").run(
        olderThan,
      ).changes;
      return a + b;
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

function toWatch(r: Row): Watch {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: Number(r.id),
    taskId: String(r.task_id),
    chatId: String(r.chat_id),
    chatType: r.chat_type === "group" ? "group" : "p2p",
    requesterOpenId: String(r.requester_open_id),
    commandMessageId: String(r.command_message_id),
    cardMessageId: str(r.card_message_id),
    phase: String(r.phase) as Watch["phase"],
    state: String(r.state) as Watch["state"],
    rawStatus: str(r.raw_status),
    cardHash: str(r.card_hash),
    cardDisabled: Number(r.card_disabled) === 1,
    notify: Number(r.notify) === 1,
    nextCheckAt: Number(r.next_check_at),
    checks: Number(r.checks),
    failures: Number(r.failures),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    lastCheckAt: num(r.last_check_at),
    finishedAt: num(r.finished_at),
    stoppedBy: str(r.stopped_by),
    stopRequestedBy: str(r.stop_requested_by),
  };
}
