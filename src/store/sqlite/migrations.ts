/**
 * SQLite schema changes, applied in order once each; the index + 1 is the schema version (PRAGMA user_version).
 * The PostgreSQL store keeps the same logical schema in its own dialect (postgres/migrations.ts).
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE inbox (
    message_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX inbox_pending ON inbox (next_attempt_at) WHERE state = 'pending';
  CREATE INDEX inbox_received ON inbox (received_at);

  CREATE TABLE seen_events (
    event_id TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
  );
  CREATE INDEX seen_events_seen ON seen_events (seen_at);

  CREATE TABLE watches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    requester_open_id TEXT NOT NULL,
    command_message_id TEXT NOT NULL,
    card_message_id TEXT,
    phase TEXT NOT NULL DEFAULT 'new',
    state TEXT NOT NULL DEFAULT 'running',
    raw_status TEXT,
    card_hash TEXT,
    card_disabled INTEGER NOT NULL DEFAULT 0,
    notify INTEGER NOT NULL DEFAULT 1,
    next_check_at INTEGER NOT NULL,
    checks INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_check_at INTEGER,
    finished_at INTEGER,
    stopped_by TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    UNIQUE (command_message_id, task_id)
  );
  CREATE INDEX watches_due ON watches (next_check_at) WHERE phase <> 'done';
  CREATE INDEX watches_chat ON watches (chat_id, task_id) WHERE phase <> 'done';
  `,
  // 2: a stop asked for by /stop or the card button, applied by the engine at its next step.
  `
  ALTER TABLE watches ADD COLUMN stop_requested_by TEXT;
  `,
  // 3: the claim reads pending rows in arrival order; an index on exactly that keeps it from walking the
  // whole day of handled rows that dedupe keeps (measured in BENCHMARKS.md, ingest).
  `
  DROP INDEX inbox_pending;
  CREATE INDEX inbox_pending ON inbox (received_at) WHERE state = 'pending';
  `,
  // 4: tenants (store apps), watches created by the watch API (no command message, a note, sent to a chat or
  // a user), why a watch ended, the card's "last checked" time, chat types beyond p2p/group. SQLite cannot
  // drop NOT NULL from command_message_id, so the table is rebuilt.
  `
  CREATE TABLE watches_v4 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    card_disabled INTEGER NOT NULL DEFAULT 0,
    notify INTEGER NOT NULL DEFAULT 1,
    next_check_at INTEGER NOT NULL,
    checks INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_check_at INTEGER,
    shown_check_at INTEGER,
    finished_at INTEGER,
    stopped_by TEXT,
    stop_requested_by TEXT,
    end_reason TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    UNIQUE (command_message_id, task_id)
  );
  INSERT INTO watches_v4 (id, task_id, chat_id, chat_type, requester_open_id, command_message_id,
    card_message_id, phase, state, raw_status, card_hash, card_disabled, notify, next_check_at, checks, failures,
    created_at, updated_at, last_check_at, shown_check_at, finished_at, stopped_by, stop_requested_by,
    lease_owner, lease_until)
  SELECT id, task_id, chat_id, chat_type, requester_open_id, command_message_id,
    card_message_id, phase, state, raw_status, card_hash, card_disabled, notify, next_check_at, checks, failures,
    created_at, updated_at, last_check_at, last_check_at, finished_at, stopped_by, stop_requested_by,
    lease_owner, lease_until
  FROM watches;
  DROP TABLE watches;
  ALTER TABLE watches_v4 RENAME TO watches;
  CREATE INDEX watches_due ON watches (next_check_at) WHERE phase <> 'done';
  CREATE INDEX watches_chat ON watches (tenant_key, chat_id, task_id) WHERE phase <> 'done';
  CREATE INDEX watches_tenant ON watches (tenant_key);

  CREATE TABLE api_requests (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    watch_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
  );
  CREATE INDEX api_requests_created ON api_requests (created_at);

  CREATE TABLE pinned_content (
    uuid TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX pinned_content_created ON pinned_content (created_at);

  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE tenants (
    tenant_key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    since INTEGER NOT NULL
  );
  `,
  // 5: one open watch per task and chat, for the whole deployment: two commands for one task reaching two
  // replicas at once meet here, not in a card each. (A watch API direct message by open_id learns its chat only
  // once its card is out: not counted.)
  `
  DROP INDEX watches_chat;
  CREATE UNIQUE INDEX watches_open_in_chat ON watches (tenant_key, chat_id, task_id)
    WHERE phase <> 'done' AND chat_id <> '' AND receive_open_id IS NULL;
  -- A stop or a check asked while another process steps the watch: its step may not push the check later.
  ALTER TABLE watches ADD COLUMN recheck INTEGER NOT NULL DEFAULT 0;
  -- The claim takes every open watch of the tasks it picked: find them by task, not by walking a tenant.
  CREATE INDEX watches_task ON watches (tenant_key, task_id) WHERE phase <> 'done';
  `,
  // 6: one record per Idempotency-Key of the watch API: the digest of its request joins the key's row (it was a
  // separate kv value, "api-idempotency:<scope>:<key>", where scope is "api:<tenant>:<12 hex digits>").
  `
  ALTER TABLE api_requests ADD COLUMN request TEXT NOT NULL DEFAULT '';
  UPDATE api_requests SET request = COALESCE((SELECT json_extract(kv.value, '$.request') FROM kv
    WHERE kv.key = 'api-idempotency:' || api_requests.scope || ':' || api_requests.idempotency_key), '');
  INSERT OR IGNORE INTO api_requests (scope, idempotency_key, watch_id, request, created_at)
    SELECT substr(rest, 1, 16 + t), substr(rest, 18 + t), json_extract(value, '$.watchId'),
      json_extract(value, '$.request'), updated_at
    FROM (SELECT substr(key, 17) AS rest, instr(substr(key, 21), ':') AS t, value, updated_at
          FROM kv WHERE key LIKE 'api-idempotency:%');
  DELETE FROM kv WHERE key LIKE 'api-idempotency:%';
  `,
  // 7: user authorization: people's tokens (sealed: never in clear), the pending OAuth states, and the person
  // whose token checks a watch.
  `
  CREATE TABLE user_tokens (
    tenant_key TEXT NOT NULL,
    open_id TEXT NOT NULL,
    access_token TEXT NOT NULL,
    access_expires_at INTEGER NOT NULL,
    refresh_token TEXT,
    refresh_expires_at INTEGER,
    scope TEXT NOT NULL,
    authorized_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_key, open_id)
  );
  CREATE TABLE auth_states (
    id TEXT PRIMARY KEY,
    tenant_key TEXT NOT NULL,
    open_id TEXT NOT NULL,
    watch_id INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX auth_states_expires ON auth_states (expires_at);
  ALTER TABLE watches ADD COLUMN as_user TEXT;
  ALTER TABLE watches ADD COLUMN auth_until INTEGER;
  CREATE INDEX watches_as_user ON watches (tenant_key, as_user) WHERE phase <> 'done' AND as_user IS NOT NULL;
  `,
];
