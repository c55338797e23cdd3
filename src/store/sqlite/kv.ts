import type { Row, SqliteDb } from "./db";

/** Small values and pinned contents of the SQLite store (KvStore in roles.ts says what each call promises). */

export async function getValue(d: SqliteDb, key: string, now: number): Promise<string | undefined> {
  const row = d
    .prepare("SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)")
    .get(key, now) as Row | undefined;
  return row ? String(row.value) : undefined;
}

export async function setValue(
  d: SqliteDb,
  key: string,
  value: string,
  expiresAt: number | null,
  now: number,
): Promise<void> {
  d.prepare(
    `INSERT INTO kv (key, value, expires_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
         updated_at = excluded.updated_at`,
  ).run(key, value, expiresAt, now);
}

export async function deleteValue(d: SqliteDb, key: string): Promise<void> {
  d.prepare("DELETE FROM kv WHERE key = ?").run(key);
}

export async function pinContent(d: SqliteDb, uuid: string, content: string, now: number): Promise<string> {
  d.prepare("INSERT OR IGNORE INTO pinned_content (uuid, content, created_at) VALUES (?, ?, ?)").run(
    uuid,
    content,
    now,
  );
  const row = d.prepare("SELECT content FROM pinned_content WHERE uuid = ?").get(uuid) as Row;
  return String(row.content);
}
