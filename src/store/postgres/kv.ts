import type { Db } from "./pool";

/** Small values and pinned contents of the PostgreSQL store (KvStore in roles.ts says what each call promises). */

export async function getValue(db: Db, key: string, now: number): Promise<string | undefined> {
  const { rows } = await db.query(
    "SELECT value FROM kv WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)",
    [key, now],
  );
  return rows[0] ? String(rows[0].value) : undefined;
}

export async function setValue(
  db: Db,
  key: string,
  value: string,
  expiresAt: number | null,
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO kv (key, value, expires_at, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
         updated_at = excluded.updated_at`,
    [key, value, expiresAt, now],
  );
}

export async function deleteValue(db: Db, key: string): Promise<void> {
  await db.query("DELETE FROM kv WHERE key = $1", [key]);
}

export async function pinContent(db: Db, uuid: string, content: string, now: number): Promise<string> {
  const inserted = await db.query(
    "INSERT INTO pinned_content (uuid, content, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    [uuid, content, now],
  );
  if (inserted.rowCount === 1) return content;
  // Another statement's snapshot: the conflicting row is committed by now (the insert waited for it).
  const { rows } = await db.query("SELECT content FROM pinned_content WHERE uuid = $1", [uuid]);
  return rows[0] ? String(rows[0].content) : pinContent(db, uuid, content, now);
}
