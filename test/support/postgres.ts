import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import pg from "pg";
import { inject } from "vitest";
import { createLogger, type Logger } from "../../src/logger";

/**
 * PostgreSQL for test files: the server comes from the global setup (postgres-server.ts); each test or file
 * takes a database of its own, so files run in parallel and nothing is left behind.
 */

export interface TestDatabase {
  /** The URL of the new, empty database (DATABASE_URL for a bot). */
  url: string;
  /** Drops it, cutting whatever is still connected. */
  drop(): Promise<void>;
}

/** The server's admin URL (may create and drop databases). */
export function adminUrl(): string {
  return inject("postgresAdminUrl");
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new empty database on the test server. */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `taskbot_test_${process.pid}_${randomBytes(5).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A logger that keeps its lines (to assert on them) and prints nothing. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  return { logger: createLogger({ level: "debug", format: "json", secrets: [], stream }), lines };
}
