import type { InboxItem, InboxPayload } from "../../core/inbox-item";
import type { NewWatch, Watch } from "../../core/watch";
import { type Lease, LeaseLostError } from "../roles";
import { toInboxItems, toWatch } from "../rows";
import type { Db } from "./pool";
import { insertWatchSql, openInChat, watchValues } from "./watches";

/** The inbox of the PostgreSQL store (InboxStore in roles.ts says what each call promises). */

export async function recordInbox(
  db: Db,
  key: string,
  eventId: string,
  payload: InboxPayload,
  lease: Lease,
): Promise<"new" | "duplicate"> {
  // The seen event and the item in one statement, so one transaction: a replica recording the same message
  // at the same instant waits on the unique index until this commits, then inserts nothing.
  const { rows } = await db.query(
    `WITH seen AS (
       INSERT INTO seen_events (event_id, seen_at) VALUES ($2, $4) ON CONFLICT DO NOTHING RETURNING 1),
     item AS (
       INSERT INTO inbox (message_id, event_id, payload, attempts, next_attempt_at, lease_owner, lease_until,
         received_at, updated_at)
       SELECT $1, $2, $3, 1, $4, $5, $6, $4, $4 WHERE EXISTS (SELECT 1 FROM seen)
       ON CONFLICT DO NOTHING RETURNING 1)
     SELECT count(*) AS n FROM item`,
    [key, eventId, JSON.stringify(payload), lease.now, lease.owner, lease.now + lease.ms],
    "record_inbox",
  );
  return Number(rows[0].n) > 0 ? "new" : "duplicate";
}

export async function recordEvent(db: Db, eventId: string, now: number): Promise<boolean> {
  const res = await db.query(
    "INSERT INTO seen_events (event_id, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    [eventId, now],
  );
  return res.rowCount === 1;
}

export async function claimInbox(db: Db, limit: number, lease: Lease): Promise<InboxItem[]> {
  const { rows } = await db.query(
    `WITH c AS (
       SELECT message_id FROM inbox
        WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
        ORDER BY received_at LIMIT $2
        FOR UPDATE SKIP LOCKED)
     UPDATE inbox i SET lease_owner = $3, lease_until = $4, attempts = i.attempts + 1, updated_at = $1
       FROM c WHERE i.message_id = c.message_id
     RETURNING i.message_id, i.payload, i.received_at, i.attempts`,
    [lease.now, limit, lease.owner, lease.now + lease.ms],
  );
  return toInboxItems(rows);
}

/** Marks an item handled, fenced by its lease. */
const DONE_SQL = `UPDATE inbox SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = $1
  WHERE message_id = $2 AND lease_owner = $3`;

export function completeInbox(db: Db, key: string, watches: NewWatch[], lease: Lease): Promise<Watch[]> {
  if (watches.length === 0) return markDone(db, key, lease).then(() => []);
  return db.tx(async (client) => {
    const done = await client.query(DONE_SQL, [lease.now, key, lease.owner]);
    if (done.rowCount === 0) throw new LeaseLostError("inbox", key);
    const created: Watch[] = [];
    for (const w of watches) {
      // Either constraint may meet: this command's own watch (a retry), or the chat's open watch of the task.
      await client.query(`${insertWatchSql} ON CONFLICT DO NOTHING`, watchValues(w, lease.now));
      const own = await client.query("SELECT * FROM watches WHERE command_message_id = $1 AND task_id = $2", [
        w.commandMessageId,
        w.taskId,
      ]);
      created.push(own.rows.length > 0 ? toWatch(own.rows[0]) : await openInChat(client, w));
    }
    return created;
  });
}

/** An item that creates no watch (most messages: ignored, /help, /list) is done in one statement. */
async function markDone(db: Db, key: string, lease: Lease): Promise<void> {
  const done = await db.query(DONE_SQL, [lease.now, key, lease.owner], "inbox_done");
  if (done.rowCount === 0) throw new LeaseLostError("inbox", key);
}

export async function renewInbox(db: Db, lease: Lease): Promise<number> {
  const res = await db.query(
    "UPDATE inbox SET lease_until = $1 WHERE lease_owner = $2 AND state = 'pending'",
    [lease.now + lease.ms, lease.owner],
  );
  return res.rowCount ?? 0;
}

export async function retryInbox(
  db: Db,
  key: string,
  nextAttemptAt: number,
  failed: boolean,
  lease: Lease,
): Promise<void> {
  const res = await db.query(
    `UPDATE inbox SET state = $1, next_attempt_at = $2, lease_owner = NULL, lease_until = NULL, updated_at = $3
       WHERE message_id = $4 AND lease_owner = $5`,
    [failed ? "failed" : "pending", nextAttemptAt, lease.now, key, lease.owner],
  );
  if (res.rowCount === 0) throw new LeaseLostError("inbox", key);
}
