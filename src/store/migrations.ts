/** Schema changes, applied in order once each; the index + 1 is the schema version (PRAGMA user_version). */
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
];
