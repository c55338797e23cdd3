import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "./paths";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
export const MAIN = join(ROOT, "dist", "src", "main.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm run build` when dist/ is missing or older than a source file (others edit src/ meanwhile). */
export function ensureDist(): void {
  const sources = Math.max(...["src", "handlers", "cards"].map((d) => newestMtime(join(ROOT, d))));
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= sources) return;
  console.log("building dist/ (tsc -p tsconfig.build.json) ...");
  execFileSync(process.execPath, [TSC, "-p", join(ROOT, "tsconfig.build.json")], {
    cwd: ROOT,
    stdio: "inherit",
  });
}

/**
 * The benchmarks' child processes, compiled to plain JavaScript in a temporary folder (with the bot's sources
 * they import), so they run as the bot does in production: no TypeScript loader in the process, whose
 * module-hooks thread alone would add about 40 MB of RSS. BENCH_BUILD_DIR reuses an earlier build
 * (bench/run-all.ts builds once for all benchmarks).
 */
export function compiledChildren(): string {
  const given = process.env.BENCH_BUILD_DIR;
  if (given && existsSync(join(given, "bench", "lib", "watch-child.js"))) return given;
  const dir = mkdtempSync(join(tmpdir(), "taskbot-bench-build-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  execFileSync(process.execPath, [TSC, "-p", join(ROOT, "bench", "tsconfig.json"), "--outDir", dir], {
    cwd: ROOT,
    stdio: "inherit",
  });
  linkEmulator(dir);
  process.env.BENCH_BUILD_DIR = dir;
  return dir;
}

/**
 * The emulator package's entry is TypeScript (src/index.ts), which plain Node.js cannot load: the children
 * import it by name, so the build gets a package of that name whose entry is the emulator compiled with them
 * (bench/tsconfig.json maps the name to its sources). Node finds it in the build's own node_modules first.
 */
function linkEmulator(dir: string): void {
  const pkg = join(dir, "node_modules", "@taskbot", "feishu-emulator");
  mkdirSync(pkg, { recursive: true });
  const main = relative(pkg, join(dir, "test", "emulator", "src", "index.js"));
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@taskbot/feishu-emulator", main }));
}
