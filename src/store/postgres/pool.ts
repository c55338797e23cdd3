import pg from "pg";
import type { Logger } from "../../logger";
import { urlPassword } from "../../redact";

export type Queryable = Pick<pg.PoolClient, "query">;
export type Row = Record<string, unknown>;

/** The store's way to the database: single statements and transactions, errors without the password. */
export interface Db {
  /**
   * One statement: its own transaction. `prepared`: a name under which each connection parses and plans it
   * once (for the statements every event runs; only for those whose result columns no migration can change:
   * a prepared `RETURNING *` would fail once a newer replica adds a column).
   */
  query(text: string, values?: unknown[], prepared?: string): Promise<pg.QueryResult<Row>>;
  /** Several statements in one transaction (see transaction()). */
  tx<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
}

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
}

/** A query still unanswered after this is failed and its connection dropped (a dead peer, no RST). */
const QUERY_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The error with the password masked in its message and stack, should it be there (the driver's own messages
 * never include it; this keeps it that way whatever a future version or a URL parse error says). Masked in
 * place, so the error keeps its class. Like the logger, passwords under 4 characters are not searched for.
 */
export function scrubbed(error: unknown, password: string): unknown {
  if (password.length < 4 || !(error instanceof Error)) return error;
  const mask = (text: string) => text.split(password).join("***");
  if (error.message.includes(password)) error.message = mask(error.message);
  if (error.stack?.includes(password)) error.stack = mask(error.stack);
  return error;
}

/**
 * A pool that never takes the process down: a connection that dies while idle is dropped and logged (pg
 * emits `error` on the pool, which without a listener would crash the process), queries fail while the
 * database is away and new connections are made when it is back.
 */
export function createPool(url: string, logger: Logger, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    application_name: "feishu-task-bot",
  });
  const password = urlPassword(url);
  pool.on("error", (error) => {
    logger.warn("a PostgreSQL connection failed; it is replaced on the next query", {
      error: String(scrubbed(error, password)),
    });
  });
  return pool;
}

/**
 * Runs `work` on one pooled connection inside BEGIN ... COMMIT (ROLLBACK when it throws). A connection that
 * breaks meanwhile fails the work and is dropped, never returned to the pool.
 */
export async function transaction<T>(pool: pg.Pool, work: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // While checked out, a dying connection emits `error` on the client itself, not on the pool.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A query that timed out may still run on the server: that connection is not reused.
    if (!broken && error instanceof Error && /timeout/i.test(error.message)) broken = error;
    if (!broken) {
      await client.query("ROLLBACK").catch((e: Error) => {
        broken = e;
      });
    }
    throw error;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}

/** A Db over the pool whose errors never carry `password`. */
export function poolDb(pool: pg.Pool, password: string): Db {
  return {
    async query(text, values = [], prepared = undefined) {
      try {
        return await pool.query<Row>({ text, values, name: prepared });
      } catch (error) {
        throw scrubbed(error, password);
      }
    },
    async tx(work) {
      try {
        return await transaction(pool, work);
      } catch (error) {
        throw scrubbed(error, password);
      }
    },
  };
}
