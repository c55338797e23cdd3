import type { NewWatch, Watch, WatchChanges, WatchFilter } from "../../core/watch";
import { type CreatedWatch, type IdempotencyKey, type Lease, LeaseLostError } from "../roles";
import { COLUMNS, toWatch } from "../rows";
import type { Row, SqliteDb } from "./db";

/** The watches of the SQLite store (WatchStore in roles.ts says what each call promises). */

export const INSERT_WATCH = `INSERT INTO watches (tenant_key, task_id, origin, chat_id, chat_type, receive_open_id,
    requester_open_id, command_message_id, note, api_client, next_check_at, created_at, updated_at)
  VALUES (@tenantKey, @taskId, @origin, @chatId, @chatType, @receiveOpenId, @requesterOpenId, @commandMessageId,
    @note, @apiClient, @now, @now, @now)`;

export async function createWatch(
  d: SqliteDb,
  watch: NewWatch,
  now: number,
  idempotency?: IdempotencyKey,
): Promise<CreatedWatch> {
  return d.transaction(() => {
    if (idempotency) {
      const existing = d
        .prepare("SELECT watch_id, request FROM api_requests WHERE scope = ? AND idempotency_key = ?")
        .get(idempotency.scope, idempotency.key) as Row | undefined;
      if (existing) {
        const row = d.prepare("SELECT * FROM watches WHERE id = ?").get(existing.watch_id) as Row;
        return {
          watch: toWatch(row),
          created: false,
          existing: "key" as const,
          request: String(existing.request),
        };
      }
    }
    const inserted = d
      .prepare(INSERT_WATCH.replace("INSERT INTO", "INSERT OR IGNORE INTO"))
      .run(watchParams(watch, now));
    const row =
      inserted.changes > 0
        ? (d.prepare("SELECT * FROM watches WHERE id = ?").get(inserted.lastInsertRowid) as Row)
        : openInChat(d, watch);
    if (idempotency) {
      d.prepare(
        "INSERT INTO api_requests (scope, idempotency_key, watch_id, request, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(idempotency.scope, idempotency.key, row.id, idempotency.request, now);
    }
    if (inserted.changes > 0) return { watch: toWatch(row), created: true };
    return { watch: toWatch(row), created: false, existing: "open_watch" as const };
  });
}

/** The open watch of this task in this chat (the one a new watch met on the unique index). */
export function openInChat(d: SqliteDb, w: NewWatch): Row {
  const row = d
    .prepare(
      `SELECT * FROM watches WHERE tenant_key = ? AND chat_id = ? AND task_id = ? AND phase <> 'done'
         AND receive_open_id IS NULL`,
    )
    .get(w.tenantKey, w.chatId, w.taskId) as Row | undefined;
  if (!row) throw new Error(`watch of task ${w.taskId} for message ${w.commandMessageId} was not created`);
  return row;
}

export async function claimDueWatches(
  d: SqliteDb,
  taskLimit: number,
  coalesceUntil: number,
  lease: Lease,
): Promise<Watch[]> {
  const { now } = lease;
  // Due rows come through watches_due (few at a time), their tasks' other watches through watches_task; the
  // "+" keeps the planner from walking every open watch in task order to group them.
  const rows = d
    .prepare(
      `UPDATE watches SET lease_owner = @owner, lease_until = @until, recheck = 0
         WHERE phase <> 'done' AND next_check_at <= @coalesce AND (lease_until IS NULL OR lease_until < @now)
           AND (tenant_key, task_id) IN (
             SELECT tenant_key, task_id FROM watches
             WHERE phase <> 'done' AND next_check_at <= @now AND (lease_until IS NULL OR lease_until < @now)
             GROUP BY tenant_key, +task_id ORDER BY MIN(next_check_at) LIMIT @limit)
         RETURNING *`,
    )
    .all({
      owner: lease.owner,
      until: now + lease.ms,
      now,
      coalesce: Math.max(now, coalesceUntil),
      limit: taskLimit,
    }) as Row[];
  return rows.map(toWatch).sort((a, b) => a.nextCheckAt - b.nextCheckAt || a.id - b.id);
}

export async function claimWatches(d: SqliteDb, ids: number[], lease: Lease): Promise<Watch[]> {
  if (ids.length === 0) return [];
  const rows = d
    .prepare(
      `UPDATE watches SET lease_owner = ?, lease_until = ?, recheck = 0
         WHERE id IN (SELECT value FROM json_each(?)) AND phase <> 'done'
           AND (lease_until IS NULL OR lease_until < ?)
         RETURNING *`,
    )
    .all(lease.owner, lease.now + lease.ms, JSON.stringify(ids), lease.now) as Row[];
  return rows.map(toWatch).sort((a, b) => a.id - b.id);
}

export async function updateWatch(
  d: SqliteDb,
  id: number,
  changes: WatchChanges,
  lease: Lease,
  release: boolean,
): Promise<void> {
  const sets: string[] = ["updated_at = @now"];
  const params: Record<string, unknown> = {
    id,
    owner: lease.owner,
    now: lease.now,
    until: lease.now + lease.ms,
  };
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
  const res = d
    .prepare(`UPDATE watches SET ${sets.join(", ")} WHERE id = @id AND lease_owner = @owner`)
    .run(params);
  if (res.changes === 0) throw new LeaseLostError("watch", id);
}

export async function getWatch(d: SqliteDb, id: number): Promise<Watch | undefined> {
  const row = d.prepare("SELECT * FROM watches WHERE id = ?").get(id) as Row | undefined;
  return row ? toWatch(row) : undefined;
}

export async function requestStop(d: SqliteDb, id: number, by: string, now: number): Promise<boolean> {
  const res = d
    .prepare(
      `UPDATE watches SET stop_requested_by = ?, next_check_at = MIN(next_check_at, ?), recheck = 1,
         updated_at = ? WHERE id = ? AND phase <> 'done'`,
    )
    .run(by, now, now, id);
  return res.changes > 0;
}

export async function requestCheck(d: SqliteDb, id: number, now: number): Promise<boolean> {
  const res = d
    .prepare(
      "UPDATE watches SET next_check_at = MIN(next_check_at, ?), recheck = 1 WHERE id = ? AND phase <> 'done'",
    )
    .run(now, id);
  return res.changes > 0;
}

export async function requestChecksOf(
  d: SqliteDb,
  tenantKey: string,
  openId: string,
  now: number,
): Promise<number> {
  return d
    .prepare(
      `UPDATE watches SET next_check_at = MIN(next_check_at, ?), recheck = 1
         WHERE tenant_key = ? AND phase <> 'done' AND (as_user = ? OR (auth_until IS NOT NULL AND requester_open_id = ?))`,
    )
    .run(now, tenantKey, openId, openId).changes;
}

export async function findOpenWatch(
  d: SqliteDb,
  tenantKey: string,
  chatId: string,
  taskId: string,
): Promise<Watch | undefined> {
  const row = d
    .prepare(
      `SELECT * FROM watches WHERE tenant_key = ? AND chat_id = ? AND task_id = ? AND phase <> 'done'
         ORDER BY id LIMIT 1`,
    )
    .get(tenantKey, chatId, taskId) as Row | undefined;
  return row ? toWatch(row) : undefined;
}

export async function listWatches(d: SqliteDb, filter: WatchFilter): Promise<Watch[]> {
  const rows = d
    .prepare(
      `SELECT * FROM watches WHERE tenant_key = @tenantKey
         AND (@chatId IS NULL OR chat_id = @chatId) AND (@apiClient IS NULL OR api_client = @apiClient)
         AND (@openOnly = 0 OR phase <> 'done')
         ORDER BY created_at, id LIMIT @limit`,
    )
    .all({
      tenantKey: filter.tenantKey,
      chatId: filter.chatId ?? null,
      apiClient: filter.apiClient ?? null,
      openOnly: filter.openOnly ? 1 : 0,
      limit: filter.limit,
    }) as Row[];
  return rows.map(toWatch);
}

export async function countOpenWatches(d: SqliteDb): Promise<number> {
  const row = d.prepare("SELECT COUNT(*) AS n FROM watches WHERE phase <> 'done'").get() as Row;
  return Number(row.n);
}

export function watchParams(w: NewWatch, now: number): Record<string, unknown> {
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
