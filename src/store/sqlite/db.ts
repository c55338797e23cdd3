import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations";

export type Row = Record<string, unknown>;

/**
 * One SQLite file in WAL mode, used by one process: its compiled statements, its migrations and its group
 * commit. The store's roles (inbox.ts, watches.ts, ...) run their SQL through it.
 */
export class SqliteDb {
  readonly db: Database.Database;
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
    // at once instead of waiting for them to expire. (The PostgreSQL store, shared by replicas, never does.)
    this.db.exec("UPDATE inbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL");
    this.db.exec("UPDATE watches SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL");
  }

  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` in a transaction of its own, now. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /**
   * Runs `work` in one transaction shared with every write queued in this event-loop turn (group commit), and
   * resolves only after that commit. Feishu gets its 200 only once its event is durable; a burst of events
   * costs one commit instead of one each.
   */
  grouped<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.commitQueued());
      this.queued.push({ work, resolve: resolve as (value: never) => void, reject });
    });
  }

  get open(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.queued.length > 0) this.commitQueued();
    if (this.db.open) this.db.close();
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
}
