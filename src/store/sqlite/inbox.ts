import type { InboxItem, InboxPayload } from "../../core/inbox-item";
import type { NewWatch, Watch } from "../../core/watch";
import { type Lease, LeaseLostError } from "../roles";
import { toInboxItems, toWatch } from "../rows";
import type { Row, SqliteDb } from "./db";
import { INSERT_WATCH, openInChat, watchParams } from "./watches";

/** The inbox of the SQLite store (InboxStore in roles.ts says what each call promises). */

export function recordInbox(
  d: SqliteDb,
  key: string,
  eventId: string,
  payload: InboxPayload,
  lease: Lease,
): Promise<"new" | "duplicate"> {
  return d.grouped(() => {
    if (!insertSeen(d, eventId, lease.now)) return "duplicate";
    const inbox = d.prepare(
      `INSERT OR IGNORE INTO inbox (message_id, event_id, payload, attempts, next_attempt_at, lease_owner,
         lease_until, received_at, updated_at)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`,
    );
    const { now } = lease;
    const row = inbox.run(key, eventId, JSON.stringify(payload), now, lease.owner, now + lease.ms, now, now);
    return row.changes > 0 ? "new" : "duplicate";
  });
}

export async function recordEvent(d: SqliteDb, eventId: string, now: number): Promise<boolean> {
  return insertSeen(d, eventId, now);
}

function insertSeen(d: SqliteDb, eventId: string, now: number): boolean {
  return (
    d.prepare("INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)").run(eventId, now)
      .changes > 0
  );
}

export async function claimInbox(d: SqliteDb, limit: number, lease: Lease): Promise<InboxItem[]> {
  const { now } = lease;
  const rows = d
    .prepare(
      `UPDATE inbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
         WHERE message_id IN (
           SELECT message_id FROM inbox
           WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
           ORDER BY received_at LIMIT ?)
         RETURNING message_id, payload, received_at, attempts`,
    )
    .all(lease.owner, now + lease.ms, now, now, now, limit) as Row[];
  return toInboxItems(rows);
}

export function completeInbox(d: SqliteDb, key: string, watches: NewWatch[], lease: Lease): Promise<Watch[]> {
  return d.grouped(() => {
    const done = d
      .prepare(
        `UPDATE inbox SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = ?
           WHERE message_id = ? AND lease_owner = ?`,
      )
      .run(lease.now, key, lease.owner);
    if (done.changes === 0) throw new LeaseLostError("inbox", key);
    const insert = d.prepare(INSERT_WATCH.replace("INSERT INTO", "INSERT OR IGNORE INTO"));
    const select = d.prepare("SELECT * FROM watches WHERE command_message_id = ? AND task_id = ?");
    return watches.map((w) => {
      insert.run(watchParams(w, lease.now));
      const row = (select.get(w.commandMessageId, w.taskId) as Row | undefined) ?? openInChat(d, w);
      return toWatch(row);
    });
  });
}

export async function renewInbox(d: SqliteDb, lease: Lease): Promise<number> {
  return d
    .prepare("UPDATE inbox SET lease_until = ? WHERE lease_owner = ? AND state = 'pending'")
    .run(lease.now + lease.ms, lease.owner).changes;
}

export async function retryInbox(
  d: SqliteDb,
  key: string,
  nextAttemptAt: number,
  failed: boolean,
  lease: Lease,
): Promise<void> {
  const res = d
    .prepare(
      `UPDATE inbox SET state = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE message_id = ? AND lease_owner = ?`,
    )
    .run(failed ? "failed" : "pending", nextAttemptAt, lease.now, key, lease.owner);
  if (res.changes === 0) throw new LeaseLostError("inbox", key);
}
