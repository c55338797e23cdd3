import type { NewWatch, Watch, WatchChanges, WatchFilter } from "../../core/watch";
import { type CreatedWatch, type IdempotencyKey, type Lease, LeaseLostError } from "../roles";
import { COLUMNS, toWatch } from "../rows";
import type { Db } from "./pool";

/** The watches of the PostgreSQL store (WatchStore in roles.ts says what each call promises). */

const WATCH_COLUMNS = `tenant_key, task_id, origin, chat_id, chat_type, receive_open_id, requester_open_id,
  command_message_id, note, api_client, next_check_at, created_at, updated_at`;

/** Inserts one watch from watchValues(). */
export const insertWatchSql = `INSERT INTO watches (${WATCH_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11)`;

/** Rows of due watches locked per task wanted: a task watched from several chats has several rows. */
const CANDIDATES_PER_TASK = 4;

export function watchValues(w: NewWatch, now: number): unknown[] {
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

export async function createWatch(
  db: Db,
  watch: NewWatch,
  now: number,
  idempotency?: IdempotencyKey,
): Promise<CreatedWatch> {
  return db.tx(async (client) => {
    if (idempotency) {
      // The request row comes first: a simultaneous twin's insert waits on its key until this commits, then
      // does nothing and finds the watch made here.
      const request = await client.query(
        `INSERT INTO api_requests (scope, idempotency_key, watch_id, request, created_at)
         VALUES ($1, $2, nextval(pg_get_serial_sequence('watches', 'id')), $3, $4)
         ON CONFLICT DO NOTHING RETURNING watch_id`,
        [idempotency.scope, idempotency.key, idempotency.request, now],
      );
      if (request.rows.length === 0) {
        const { rows } = await client.query(
          `SELECT w.*, r.request AS idempotent_request FROM api_requests r JOIN watches w ON w.id = r.watch_id
           WHERE r.scope = $1 AND r.idempotency_key = $2`,
          [idempotency.scope, idempotency.key],
        );
        if (rows.length === 0) throw new Error("the watch of this idempotency key is gone");
        const request = String(rows[0].idempotent_request);
        return { watch: toWatch(rows[0]), created: false, existing: "key" as const, request };
      }
      const id = request.rows[0].watch_id;
      const inserted = await client.query(
        `INSERT INTO watches (id, ${WATCH_COLUMNS})
         VALUES ($12, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11)
         ON CONFLICT DO NOTHING RETURNING *`,
        [...watchValues(watch, now), id],
      );
      if (inserted.rows.length > 0) return { watch: toWatch(inserted.rows[0]), created: true };
      // The chat already has an open watch of this task: the key answers that one from now on.
      const open = await openInChat(client, watch);
      await client.query("UPDATE api_requests SET watch_id = $3 WHERE scope = $1 AND idempotency_key = $2", [
        idempotency.scope,
        idempotency.key,
        open.id,
      ]);
      return { watch: open, created: false, existing: "open_watch" as const };
    }
    const { rows } = await client.query(
      `${insertWatchSql} ON CONFLICT DO NOTHING RETURNING *`,
      watchValues(watch, now),
    );
    if (rows.length > 0) return { watch: toWatch(rows[0]), created: true };
    return { watch: await openInChat(client, watch), created: false, existing: "open_watch" as const };
  });
}

/** The open watch of this task in this chat (the one a new watch met on the unique index). */
export async function openInChat(client: Pick<Db, "query">, w: NewWatch): Promise<Watch> {
  const { rows } = await client.query(
    `SELECT * FROM watches WHERE tenant_key = $1 AND chat_id = $2 AND task_id = $3 AND phase <> 'done'
       AND receive_open_id IS NULL`,
    [w.tenantKey, w.chatId, w.taskId],
  );
  if (rows.length === 0) throw new Error(`watch of task ${w.taskId} was not created`);
  return toWatch(rows[0]);
}

export async function claimDueWatches(
  db: Db,
  taskLimit: number,
  coalesceUntil: number,
  lease: Lease,
): Promise<Watch[]> {
  const { now } = lease;
  // FOR UPDATE is not allowed with GROUP BY: lock the oldest due rows first, pick tasks among them, then lock
  // every open watch of those tasks due before coalesceUntil. Rows another claim holds are skipped; a lease
  // committed meanwhile is seen by the re-check FOR UPDATE makes of each row it locks.
  const { rows } = await db.query(
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
     UPDATE watches w SET lease_owner = $5, lease_until = $6, recheck = false FROM targets WHERE w.id = targets.id
     RETURNING w.*`,
    [
      now,
      taskLimit * CANDIDATES_PER_TASK,
      taskLimit,
      Math.max(now, coalesceUntil),
      lease.owner,
      now + lease.ms,
    ],
  );
  return rows.map(toWatch).sort((a, b) => a.nextCheckAt - b.nextCheckAt || a.id - b.id);
}

export async function claimWatches(db: Db, ids: number[], lease: Lease): Promise<Watch[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `WITH c AS (
       SELECT id FROM watches
        WHERE id = ANY($1::BIGINT[]) AND phase <> 'done' AND (lease_until IS NULL OR lease_until < $2)
        FOR UPDATE SKIP LOCKED)
     UPDATE watches w SET lease_owner = $3, lease_until = $4, recheck = false FROM c WHERE w.id = c.id
     RETURNING w.*`,
    [ids, lease.now, lease.owner, lease.now + lease.ms],
  );
  return rows.map(toWatch).sort((a, b) => a.id - b.id);
}

export async function updateWatch(
  db: Db,
  id: number,
  changes: WatchChanges,
  lease: Lease,
  release: boolean,
): Promise<void> {
  const values: unknown[] = [id, lease.owner, lease.now];
  const sets = ["updated_at = $3::BIGINT"];
  for (const [key, value] of Object.entries(changes) as [keyof WatchChanges, unknown][]) {
    values.push(value);
    // A check asked meanwhile (requestCheck/requestStop since the claim) keeps the watch due now.
    sets.push(
      key === "nextCheckAt"
        ? `next_check_at = CASE WHEN recheck THEN LEAST($${values.length}::BIGINT, $3::BIGINT) ELSE $${values.length}::BIGINT END`
        : `${COLUMNS[key]} = $${values.length}`,
    );
  }
  if (release) {
    sets.push("lease_owner = NULL, lease_until = NULL");
  } else {
    values.push(lease.now + lease.ms);
    sets.push(`lease_until = $${values.length}`);
  }
  const res = await db.query(
    `UPDATE watches SET ${sets.join(", ")} WHERE id = $1 AND lease_owner = $2`,
    values,
  );
  if (res.rowCount === 0) throw new LeaseLostError("watch", id);
}

export async function getWatch(db: Db, id: number): Promise<Watch | undefined> {
  const { rows } = await db.query("SELECT * FROM watches WHERE id = $1", [id]);
  return rows[0] ? toWatch(rows[0]) : undefined;
}

export async function requestStop(db: Db, id: number, by: string, now: number): Promise<boolean> {
  const res = await db.query(
    `UPDATE watches SET stop_requested_by = $1, next_check_at = LEAST(next_check_at, $2), recheck = true,
       updated_at = $2 WHERE id = $3 AND phase <> 'done'`,
    [by, now, id],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function requestCheck(db: Db, id: number, now: number): Promise<boolean> {
  const res = await db.query(
    "UPDATE watches SET next_check_at = LEAST(next_check_at, $1), recheck = true WHERE id = $2 AND phase <> 'done'",
    [now, id],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function requestChecksOf(
  db: Db,
  tenantKey: string,
  openId: string,
  now: number,
): Promise<number> {
  const res = await db.query(
    `UPDATE watches SET next_check_at = LEAST(next_check_at, $1), recheck = true
       WHERE tenant_key = $2 AND phase <> 'done' AND (as_user = $3 OR (auth_until IS NOT NULL AND requester_open_id = $3))`,
    [now, tenantKey, openId],
  );
  return res.rowCount ?? 0;
}

export async function findOpenWatch(
  db: Db,
  tenantKey: string,
  chatId: string,
  taskId: string,
): Promise<Watch | undefined> {
  const { rows } = await db.query(
    `SELECT * FROM watches WHERE tenant_key = $1 AND chat_id = $2 AND task_id = $3 AND phase <> 'done'
       ORDER BY id LIMIT 1`,
    [tenantKey, chatId, taskId],
  );
  return rows[0] ? toWatch(rows[0]) : undefined;
}

export async function listWatches(db: Db, filter: WatchFilter): Promise<Watch[]> {
  const { rows } = await db.query(
    `SELECT * FROM watches WHERE tenant_key = $1
       AND ($2::TEXT IS NULL OR chat_id = $2) AND ($3::TEXT IS NULL OR api_client = $3)
       AND (NOT $4 OR phase <> 'done')
       ORDER BY created_at, id LIMIT $5`,
    [filter.tenantKey, filter.chatId ?? null, filter.apiClient ?? null, filter.openOnly, filter.limit],
  );
  return rows.map(toWatch);
}

export async function countOpenWatches(db: Db): Promise<number> {
  const { rows } = await db.query("SELECT count(*) AS n FROM watches WHERE phase <> 'done'");
  return Number(rows[0].n);
}
