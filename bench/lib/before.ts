import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./paths";

/**
 * The bot as it was before "spend Feishu's message budget only on news": cards with a ticking "Elapsed" and
 * "Last check" (one PATCH a minute per running watch) and one FIFO pacer for every message call.
 */
export const BEFORE_COMMIT = "3c8de7e";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
/** Adapter scripts written against BEFORE_COMMIT's APIs; excluded from this tree's typecheck (tsconfig.json). */
const ADAPTERS = join(ROOT, "bench", "before");

export interface BeforeCode {
  /** The checkout of BEFORE_COMMIT. */
  dir: string;
  /** The compiled adapter bench/before/<name>.ts, built against that checkout's sources. */
  script(name: string): string;
  /** Removes what this run created (the temporary worktree and the build). */
  close(): void;
}

const git = (...args: string[]) =>
  execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/**
 * A checkout of BEFORE_COMMIT with the adapters of bench/before/ compiled against it, or the reason there is
 * none. By default a temporary `git worktree add --detach` outside the repository, with this checkout's
 * node_modules linked in (the commit's package versions are a subset of these), removed by close() or when
 * the process exits; nothing is ever committed there.
 *   BENCH_BEFORE_DIR=<path>  an existing checkout of the commit (left in place; only the build is removed)
 *   BENCH_BEFORE=skip        no before figures
 */
export function openBefore(): BeforeCode | { skipped: string } {
  if (process.env.BENCH_BEFORE === "skip") return { skipped: "BENCH_BEFORE=skip" };
  const given = process.env.BENCH_BEFORE_DIR;
  let dir: string;
  let created = false;
  try {
    if (given) {
      dir = given;
    } else {
      dir = mkdtempSync(join(tmpdir(), "taskbot-before-"));
      git("worktree", "add", "--detach", dir, BEFORE_COMMIT);
      created = true;
      symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    }
  } catch (error) {
    return { skipped: `no worktree of ${BEFORE_COMMIT}: ${firstLine(error)}` };
  }
  const out = mkdtempSync(join(tmpdir(), "taskbot-before-build-"));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    rmSync(out, { recursive: true, force: true });
    for (const name of adapters()) rmSync(join(dir, "bench", "lib", name), { force: true });
    rmSync(join(dir, "bench", "tsconfig.before.json"), { force: true });
    if (!created) return;
    try {
      git("worktree", "remove", "--force", dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      try {
        git("worktree", "prune");
      } catch {}
    }
  };
  process.once("exit", close);
  try {
    const head = execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    if (!head.startsWith(BEFORE_COMMIT)) console.log(`note: ${dir} is at ${head}, not ${BEFORE_COMMIT}`);
    // Copied next to that commit's own bench/lib, so "./bot" and "../../src/..." are the code of then.
    for (const name of adapters()) copyFileSync(join(ADAPTERS, name), join(dir, "bench", "lib", name));
    writeFileSync(
      join(dir, "bench", "tsconfig.before.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { noEmit: false, sourceMap: false },
        include: adapters().map((name) => `lib/${name}`),
      }),
    );
    execFileSync(process.execPath, [TSC, "-p", join(dir, "bench", "tsconfig.before.json"), "--outDir", out], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    close();
    return { skipped: `the adapters did not build against ${BEFORE_COMMIT}: ${firstLine(error)}` };
  }
  return {
    dir,
    script: (name) => {
      const path = join(out, "bench", "lib", `${name}.js`);
      if (!existsSync(path)) throw new Error(`no adapter ${name} in bench/before/`);
      return path;
    },
    close,
  };
}

function adapters(): string[] {
  return readdirSync(ADAPTERS).filter((name) => name.endsWith(".ts"));
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: Buffer | string; stdout?: Buffer | string; message?: string };
  const text = String(e.stdout || e.stderr || e.message || error);
  return text.trim().split("\n").slice(0, 3).join(" | ");
}
