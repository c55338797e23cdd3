/**
 * `npm run bench`: builds what the benchmarks run (dist/ for start-up, the child processes), then runs every
 * benchmark in its own process, one after the other, and ends with the verdicts that missed. Exits non-zero
 * only when a benchmark broke (a missed target is a figure, not a failure).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { compiledChildren, ensureDist } from "./lib/build";
import { ROOT } from "./lib/paths";
import { heading, table } from "./lib/report";

const BENCHMARKS = [
  { name: "ingest", file: "ingest.ts" },
  { name: "watch scale", file: "watch-scale.ts" },
  { name: "completion latency", file: "completion.ts" },
  { name: "start-up", file: "startup.ts" },
  { name: "transports", file: "transports.ts" },
  { name: "cost per watch", file: "cost.ts" },
  { name: "completion under load", file: "completion-load.ts" },
  { name: "takeBudget", file: "budget.ts" },
  { name: "PostgreSQL vs SQLite", file: "postgres.ts" },
  { name: "replicas", file: "replicas.ts" },
];
/** Any single benchmark taking longer than this is broken. */
const TIMEOUT_MS = 15 * 60_000;

function runOne(file: string): Promise<{ code: number | string; missed: string[]; seconds: number }> {
  const started = Date.now();
  const missed: string[] = [];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", file)], {
      cwd: ROOT,
      env: process.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (pending + chunk.toString("utf8")).split("\n");
      pending = lines.pop() ?? "";
      missed.push(...lines.filter((l) => l.includes("MISSED")).map((l) => l.replace(/\s+/g, " ").trim()));
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? "unknown", missed, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main(): Promise<void> {
  heading("Benchmarks (npm run bench)");
  const started = Date.now();
  ensureDist();
  compiledChildren(); // once for all: the benchmarks find it through BENCH_BUILD_DIR
  const results: Array<{ name: string; code: number | string; missed: string[]; seconds: number }> = [];
  for (const b of BENCHMARKS) {
    results.push({ name: b.name, ...(await runOne(b.file)) });
  }
  console.log(`\n=== Summary (${((Date.now() - started) / 1000).toFixed(0)} s) ===`);
  console.log(
    table([
      ["benchmark", "result", "seconds", "targets missed"],
      ...results.map((r) => [
        r.name,
        r.code === 0 ? "completed" : `BROKE (${r.code})`,
        r.seconds.toFixed(0),
        r.missed.length,
      ]),
    ]),
  );
  for (const r of results) for (const line of r.missed) console.log(`MISSED in ${r.name}: ${line}`);
  process.exit(results.every((r) => r.code === 0) ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
