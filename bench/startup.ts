/**
 * Start-up: the built bot (`node dist/src/main.js`, what `npm start` runs) from spawn to its first
 * `/healthz` 200, against the emulator, with 10,000 open watches in its SQLite file, and as the baseline the
 * same bot on an empty database; runs interleaved, after one warm-up run of each (discarded).
 *
 *   npm run bench:startup        env: BENCH_STARTUP_RUNS (per database, 7)
 */
import { spawn } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startEmulator } from "@taskbot/feishu-emulator";
import { freePort } from "../test/support/child-bot";
import { interleaved } from "./lib/ab";
import { botEnv, ENCRYPT_KEY, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { ensureDist, MAIN } from "./lib/build";
import { fillStore } from "./lib/fill";
import { fleet, introduce } from "./lib/fleet";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt, max, median } from "./lib/stats";

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 7);
const WATCHES = 10_000;
const TARGET_MS = 2000;

/** Spawns the bot and polls /healthz every 5 ms; returns ms from spawn to the first 200. */
async function bootOnce(emulatorUrl: string, dbPath: string, cwd: string): Promise<number> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? "",
    ...botEnv(emulatorUrl, dbPath),
    PORT: String(port),
    HOST: "127.0.0.1",
  };
  const output: string[] = [];
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (c: Buffer) => output.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => output.push(c.toString()));
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  try {
    const deadline = started + 15_000;
    while (performance.now() < deadline && !exited) {
      const status = await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.status)
        .catch(() => 0);
      if (status === 200) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`bot not healthy within 15 s:\n${output.join("").slice(-2000)}`);
  } finally {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(killer);
  }
}

async function main(): Promise<void> {
  heading(`Start-up: spawn → first /healthz 200, ${WATCHES} watches vs an empty store`);
  ensureDist();
  const emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
  const tmp = tempDir();
  try {
    // 10k open watches, due now, whose command messages the emulator knows (the first rounds after start
    // are real work, as after a restart).
    const spec = { prefix: "boot", count: WATCHES, chats: 20 };
    introduce(emu, fleet(spec, 31));
    const template = join(tmp.dir, "template.sqlite");
    await fillStore(template, { spec, scenario: 31 });

    let n = 0;
    const boot = async (kind: "full" | "empty") => {
      const db = join(tmp.dir, `run-${n++}.sqlite`);
      if (kind === "full") copyFileSync(template, db);
      return bootOnce(emu.url, db, tmp.dir);
    };
    const runs = await interleaved(["empty", "full"], RUNS, boot, boot);
    const times = {
      full: runs.filter((r) => r.side === "full").map((r) => r.result),
      empty: runs.filter((r) => r.side === "empty").map((r) => r.result),
    };
    const full = median(times.full);
    const empty = median(times.empty);
    console.log(`\n${RUNS} interleaved runs per database (after one warm-up run each)`);
    console.log(
      table([
        ["database", "median ms", "min ms", "max ms", "runs (ms)"],
        [
          `${WATCHES} open watches`,
          fmt(full, 0),
          fmt(Math.min(...times.full), 0),
          fmt(max(times.full), 0),
          times.full.map((t) => fmt(t, 0)).join(" "),
        ],
        [
          "empty (baseline)",
          fmt(empty, 0),
          fmt(Math.min(...times.empty), 0),
          fmt(max(times.empty), 0),
          times.empty.map((t) => fmt(t, 0)).join(" "),
        ],
      ]),
    );
    console.log(`ratio ${WATCHES} watches / empty: ${fmt(full / empty, 2)}`);
    const verdicts: Verdict[] = [
      {
        name: `cold start with ${WATCHES} watches (median)`,
        target: `< ${TARGET_MS} ms`,
        measured: `${fmt(full, 0)} ms (max ${fmt(max(times.full), 0)})`,
        ok: full < TARGET_MS && max(times.full) < TARGET_MS,
        gap: `${fmt(Math.max(full, max(times.full)) - TARGET_MS, 0)} ms over`,
      },
    ];
    printVerdicts("Start-up verdicts", verdicts);
  } finally {
    await emu.close();
    tmp.remove();
  }
}

runMain(main);
