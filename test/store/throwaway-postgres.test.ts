import { spawnSync } from "node:child_process";
import { cp, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbedded } from "../support/postgres-server";
import { installedNativeDir } from "../support/throwaway-postgres";

/**
 * What a newcomer's `npm test` starts when no TEST_DATABASE_URL is given: a throwaway server from the binaries
 * npm installed. A clone in a private folder (`mktemp -d` makes it 0700, as /root is) is played by a copy of the
 * binaries inside a 0700 folder: as root, PostgreSQL runs as the "postgres" user, who cannot enter it.
 */
describe("the throwaway PostgreSQL server", () => {
  let privateFolder: string;
  let nativeDir: string;

  beforeAll(async () => {
    privateFolder = await mkdtemp(join(tmpdir(), "taskbot-private-clone-"));
    nativeDir = join(privateFolder, "node_modules", "native");
    await cp(await installedNativeDir(), nativeDir, { recursive: true, verbatimSymlinks: true });
  }, 60_000);
  afterAll(async () => {
    await rm(privateFolder, { recursive: true, force: true });
  });

  it("starts from binaries inside a 0700 folder, whoever runs the tests, and serves, crashes, restarts and stops", async () => {
    expect((await stat(privateFolder)).mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0) {
      // The situation of the bug: the user the server runs as cannot reach the binaries where they are.
      const denied = spawnSync("test", ["-x", join(nativeDir, "bin", "initdb")], { uid: uidOf("postgres") });
      expect(denied.status).not.toBe(0);
    }
    const server = await startEmbedded({ nativeDir, restartable: true });
    try {
      expect(await select1(server.url)).toBe(1);
      await server.crash();
      await expect(select1(server.url)).rejects.toThrow();
      await server.start();
      expect(await select1(server.url)).toBe(1);
    } finally {
      await server.stop();
    }
    // Its data folder is gone with it.
    await expect(stat(server.dataDir)).rejects.toThrow(/ENOENT/);
  }, 60_000);

  it("that cannot start says why in one line, and how to point TEST_DATABASE_URL at a server", async () => {
    const error = await startEmbedded({ nativeDir: join(privateFolder, "no-such-folder") }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message.split("\n")).toHaveLength(1);
    expect(message).toMatch(/TEST_DATABASE_URL is not set/);
    expect(message).toMatch(/Point TEST_DATABASE_URL at a server/);
    expect(message).toMatch(/no-such-folder/);
  });
});

function uidOf(name: string): number {
  return Number(spawnSync("id", ["-u", name], { encoding: "utf8" }).stdout.trim());
}

async function select1(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one ?? 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}
