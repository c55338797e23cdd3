import type { Pool, QueryConfig } from "pg";
import { transaction } from "./pool";

/**
 * PostgreSQL schema changes, applied in order once each; the index + 1 is the schema version (kept in
 * `schema_migrations`). The logical schema is SQLite's (sqlite/migrations.ts) in PostgreSQL's dialect: BIGINT
 * millisecond timestamps from the caller's clock, BIGSERIAL ids, booleans, and the same partial indexes.
 * Version 1 is SQLite's version 4 as a whole, plus what only a shared store needs (the budget table and its
 * function).
 */
export const PG_MIGRATIONS: string[] = [
  `
  CREATE TABLE inbox (
    message_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX inbox_pending ON inbox (received_at) WHERE state = 'pending';
  CREATE INDEX inbox_received ON inbox (received_at);

  CREATE TABLE seen_events (
    event_id TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
  );
  CREATE INDEX seen_events_seen ON seen_events (seen_at);

  CREATE TABLE watches (
    id BIGSERIAL PRIMARY KEY,
    tenant_key TEXT NOT NULL DEFAULT '',
    task_id TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'command',
    chat_id TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    receive_open_id TEXT,
    requester_open_id TEXT NOT NULL,
    command_message_id TEXT,
    note TEXT,
    api_client TEXT,
    card_message_id TEXT,
    phase TEXT NOT NULL DEFAULT 'new',
    state TEXT NOT NULL DEFAULT 'running',
    raw_status TEXT,
    card_hash TEXT,
    card_disabled BOOLEAN NOT NULL DEFAULT false,
    notify BOOLEAN NOT NULL DEFAULT true,
    next_check_at BIGINT NOT NULL,
    checks INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_check_at BIGINT,
    shown_check_at BIGINT,
    finished_at BIGINT,
    stopped_by TEXT,
    stop_requested_by TEXT,
    end_reason TEXT,
    lease_owner TEXT,
    lease_until BIGINT,
    UNIQUE (command_message_id, task_id)
  );
  CREATE INDEX watches_due ON watches (next_check_at) WHERE phase <> 'done';
  CREATE INDEX watches_chat ON watches (tenant_key, chat_id, task_id) WHERE phase <> 'done';
  CREATE INDEX watches_task ON watches (tenant_key, task_id) WHERE phase <> 'done';
  CREATE INDEX watches_tenant ON watches (tenant_key);

  CREATE TABLE api_requests (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    watch_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
  );
  CREATE INDEX api_requests_created ON api_requests (created_at);

  CREATE TABLE pinned_content (
    uuid TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX pinned_content_created ON pinned_content (created_at);

  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at BIGINT,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE tenants (
    tenant_key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    since BIGINT NOT NULL
  );

  -- Token buckets shared by every replica (budget.ts has the same arithmetic in memory). full_at: when the
  -- bucket is full again; a row past it says nothing a missing row does not, so it can be purged. UNLOGGED:
  -- a take commits without waiting for a WAL flush (about 3x cheaper, measured), and all a database crash
  -- loses is the level of the buckets, which then start full.
  CREATE UNLOGGED TABLE budgets (
    key TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at BIGINT NOT NULL,
    full_at BIGINT NOT NULL
  );
  CREATE INDEX budgets_full ON budgets (full_at);

  -- One permit from every bucket, or none: 0 when granted, else the ms until all could be. Keys come
  -- sorted, so replicas lock rows in one order and never deadlock; the locks last one statement. A clock
  -- behind the row's never moves it back (no refill is counted twice).
  CREATE FUNCTION take_budget(keys TEXT[], rates FLOAT8[], bursts FLOAT8[], reserves FLOAT8[], now_ms BIGINT)
  RETURNS BIGINT LANGUAGE plpgsql AS $$
  DECLARE
    levels FLOAT8[] := '{}';
    stamps BIGINT[] := '{}';
    level FLOAT8;
    stamp BIGINT;
    needed FLOAT8;
    wait BIGINT := 0;
  BEGIN
    FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
      LOOP
        SELECT tokens, at INTO level, stamp FROM budgets WHERE key = keys[i] FOR UPDATE;
        EXIT WHEN FOUND;
        INSERT INTO budgets (key, tokens, at, full_at) VALUES (keys[i], bursts[i], now_ms, now_ms)
          ON CONFLICT (key) DO NOTHING;
      END LOOP;
      level := least(bursts[i], level + greatest(0, now_ms - stamp) / 1000.0 * rates[i]);
      needed := 1 + reserves[i] * bursts[i];
      IF level < needed THEN
        wait := greatest(wait, ceil((needed - level) / rates[i] * 1000)::BIGINT);
      END IF;
      levels := levels || level;
      stamps := stamps || greatest(stamp, now_ms);
    END LOOP;
    IF wait > 0 THEN
      RETURN wait;
    END IF;
    FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
      UPDATE budgets SET tokens = levels[i] - 1, at = stamps[i],
          full_at = stamps[i] + ceil((bursts[i] - (levels[i] - 1)) / rates[i] * 1000)::BIGINT
        WHERE key = keys[i];
    END LOOP;
    RETURN 0;
  END;
  $$;
  `,
  // 2: one open watch per task and chat, for the whole deployment (SQLite's version 5).
  `
  DROP INDEX watches_chat;
  CREATE UNIQUE INDEX watches_open_in_chat ON watches (tenant_key, chat_id, task_id)
    WHERE phase <> 'done' AND chat_id <> '' AND receive_open_id IS NULL;
  -- A stop or a check asked while another replica steps the watch: its step may not push the check later.
  ALTER TABLE watches ADD COLUMN recheck BOOLEAN NOT NULL DEFAULT false;
  `,
  // 3: the claim's ORDER BY next_check_at, id read from the index, which stops after the rows it needs. On
  // (next_check_at) alone, with thousands of watches due PostgreSQL scanned and sorted every open watch at
  // each claim (10k due: 9 ms, measured by bench/postgres.ts; 1 ms with this index).
  `
  DROP INDEX watches_due;
  CREATE INDEX watches_due ON watches (next_check_at, id) WHERE phase <> 'done';
  `,
  // 4: one record per Idempotency-Key of the watch API (SQLite's version 6): the digest of its request joins the
  // key's row (it was a separate kv value, "api-idempotency:<scope>:<key>", scope "api:<tenant>:<12 hex>").
  `
  ALTER TABLE api_requests ADD COLUMN request TEXT NOT NULL DEFAULT '';
  UPDATE api_requests r SET request = coalesce(kv.value::json->>'request', '')
    FROM kv WHERE kv.key = 'api-idempotency:' || r.scope || ':' || r.idempotency_key;
  INSERT INTO api_requests (scope, idempotency_key, watch_id, request, created_at)
    SELECT substring(key FROM '^api-idempotency:(api:[^:]*:[0-9a-f]{12}):'),
      substring(key FROM '^api-idempotency:api:[^:]*:[0-9a-f]{12}:(.*)$'),
      (value::json->>'watchId')::BIGINT, coalesce(value::json->>'request', ''), updated_at
    FROM kv WHERE key LIKE 'api-idempotency:%'
      AND key ~ '^api-idempotency:api:[^:]*:[0-9a-f]{12}:.'
    ON CONFLICT DO NOTHING;
  DELETE FROM kv WHERE key LIKE 'api-idempotency:%';
  `,
  // 5: user authorization (SQLite's version 7): people's tokens (sealed), pending OAuth states, and the person
  // whose token checks a watch.
  `
  CREATE TABLE user_tokens (
    tenant_key TEXT NOT NULL,
    open_id TEXT NOT NULL,
    access_token TEXT NOT NULL,
    access_expires_at BIGINT NOT NULL,
    refresh_token TEXT,
    refresh_expires_at BIGINT,
    scope TEXT NOT NULL,
    authorized_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_key, open_id)
  );
  CREATE TABLE auth_states (
    id TEXT PRIMARY KEY,
    tenant_key TEXT NOT NULL,
    open_id TEXT NOT NULL,
    watch_id BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX auth_states_expires ON auth_states (expires_at);
  ALTER TABLE watches ADD COLUMN as_user TEXT;
  ALTER TABLE watches ADD COLUMN auth_until BIGINT;
  CREATE INDEX watches_as_user ON watches (tenant_key, as_user) WHERE phase <> 'done' AND as_user IS NOT NULL;
  `,
];

/** Any constant: the key of the advisory lock that makes one replica at a time migrate a database. */
const MIGRATION_LOCK = "feishu-task-bot:schema";
const LOCK_TIMEOUT_MS = 60_000;

/**
 * Creates or upgrades the schema in one transaction, under a transaction-scoped advisory lock: replicas
 * starting together take turns, and each finds the work of the one before it done. Refuses a schema newer
 * than this code. Returns the versions applied.
 */
export function migrate(pool: Pool, migrations = PG_MIGRATIONS): Promise<number[]> {
  return transaction(pool, async (client) => {
    // Waits for a replica migrating right now; its work is then found done below.
    // (query_timeout per query is supported by pg, not declared by @types/pg.)
    await client.query({
      text: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
      values: [MIGRATION_LOCK],
      query_timeout: LOCK_TIMEOUT_MS,
    } as QueryConfig);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
    );
    const { rows } = await client.query("SELECT coalesce(max(version), 0) AS version FROM schema_migrations");
    const version = Number(rows[0].version);
    if (version > migrations.length) {
      throw new Error(
        `database schema version ${version} is newer than this bot (${migrations.length}); upgrade the bot`,
      );
    }
    const applied: number[] = [];
    for (const [i, sql] of migrations.entries()) {
      if (i < version) continue;
      await client.query(sql);
      await client.query(
        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, (extract(epoch FROM now()) * 1000)::BIGINT)",
        [i + 1],
      );
      applied.push(i + 1);
    }
    return applied;
  });
}
