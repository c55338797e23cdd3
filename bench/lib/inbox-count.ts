import Database from "better-sqlite3";
import { query } from "./postgres";
import type { Verdict } from "./report";

/**
 * How a benchmark proves that what the bot answered it had really recorded: after the bot has stopped (its
 * inbox finishes what it holds), count the inbox rows of the messages the benchmark sent (their ids start with
 * its prefix) and compare with the 2xx answers it counted. A round ends with requests in flight, recorded but
 * not counted as answered, so there may be a few rows more; never fewer.
 */
export interface InboxCount {
  rows: number;
  /** Rows the inbox has handled. */
  done: number;
}

/** The inbox rows of a SQLite store file whose message id starts with `prefix`. */
export function sqliteInbox(file: string, prefix: string): InboxCount {
  const db = new Database(file, { readonly: true });
  try {
    const row = db
      .prepare("SELECT COUNT(*) AS n, SUM(state = 'done') AS done FROM inbox WHERE message_id LIKE ?")
      .get(`${prefix}%`) as { n: number; done: number | null };
    return { rows: Number(row.n), done: Number(row.done ?? 0) };
  } finally {
    db.close();
  }
}

/** The same in a PostgreSQL store. */
export async function postgresInbox(url: string, prefix: string): Promise<InboxCount> {
  const { rows } = await query(
    url,
    "SELECT count(*) AS n, count(*) FILTER (WHERE state = 'done') AS done FROM inbox WHERE message_id LIKE $1",
    [`${prefix}%`],
  );
  return { rows: Number(rows[0].n), done: Number(rows[0].done) };
}

/** The line a benchmark prints about it. */
export function recordingLine(label: string, count: InboxCount, answered: number): string {
  return `durable recording${label ? `, ${label}` : ""}: ${count.rows} inbox rows for ${answered} events answered 2xx (+ requests in flight when a round ended; ${count.done} handled)`;
}

/** The verdict: every event answered 2xx is in the inbox. */
export function recordedVerdict(name: string, count: InboxCount, answered: number): Verdict {
  return {
    name,
    target: `${answered} rows`,
    measured: `${count.rows} rows (incl. ${count.rows - answered} in flight at round ends)`,
    ok: count.rows >= answered,
    gap: `${answered - count.rows} missing`,
  };
}
