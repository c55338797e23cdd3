/**
 * Watch scale: 10,000 active watches (distinct tasks, 20 chats) against the emulator with its default
 * enforced limits, at the default budget (TASK_CHECK_RPS=5, POLL_INTERVAL_SECONDS=5). Each phase runs its
 * watcher in a fresh process (memory and CPU are its own); bot and naive baseline phases alternate:
 *   S bot   10k due, Feishu stubbed in process: the scheduler's own CPU per round (40 rounds back to back)
 *   A bot   10k due (a backlog: the steady state once demand exceeds the budget), real SDK over loopback
 *   B naive the same 10k in an array: setInterval + the SDK's taskCheck for every due one, no budget
 *   P naive the same loop with a pause of 1/TASK_CHECK_RPS between checks (CPU per call at the bot's rate)
 *   C bot   1,000 watches of one task (coalescing)
 *   D naive the same 1,000
 *   E bot   10k watches, 100 young ones due: fairness over a 20 s budget cycle, measured directly
 *
 *   npm run bench:watch        env: BENCH_WATCH_SECONDS (phase A, 30), BENCH_FAIRNESS_SECONDS (phase E, 45)
 */
import { join } from "node:path";
import { type Emulator, type RecordedRequest, startEmulator } from "@taskbot/feishu-emulator";
import { ENCRYPT_KEY, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { isMessageCall } from "./lib/calls";
import { forkChild } from "./lib/child";
import { fillStore } from "./lib/fill";
import { type FleetSpec, fleet, introduce } from "./lib/fleet";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt, max, maxInWindow, median, percentile, sum } from "./lib/stats";
import type { ChildReport, ChildSpec, RoundFigures } from "./lib/watch-child";

const RPS = 5;
const POLL = 5;
const WATCHES = 10_000;
const HOT = 100;
const COALESCE = 1_000;
const STUB_ROUNDS = 40;
const A_SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 30);
const E_SECONDS = Number(process.env.BENCH_FAIRNESS_SECONDS ?? 45);
const TARGET_RSS_MB = 150;
const TARGET_CPU_MS = 50;
const ENV = { TASK_CHECK_RPS: String(RPS), POLL_INTERVAL_SECONDS: String(POLL) };

interface Phase {
  report: ChildReport;
  /** Rounds that did something. */
  rounds: RoundFigures[];
  started: number;
  ended: number;
  checks: RecordedRequest[];
  messages: RecordedRequest[];
  violations: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One phase: registers the fleet with the emulator, starts the watcher, lets it work, collects. */
async function phase(
  emu: Emulator,
  label: string,
  child: Omit<ChildSpec, "env">,
  seconds: number,
): Promise<Phase> {
  emu.reset();
  introduce(emu, fleet(child.spec, child.scenario));
  const tmp = tempDir();
  const db = join(tmp.dir, "bot.sqlite");
  if (child.mode === "bot") await fillStore(db, child);
  const proc = forkChild("watch-child", [JSON.stringify({ ...child, env: ENV })], {
    BENCH_EMULATOR_URL: emu.url,
    BENCH_DB: db,
  });
  try {
    await proc.next("ready", 30_000);
    await proc.ask({ type: "fill" }, "filled", 60_000);
    const started = (await proc.ask<{ type: string; at: number }>({ type: "go" }, "started", 90_000)).at;
    await sleep(seconds * 1000);
    const report = await proc.ask<ChildReport>({ type: "report" }, "report", 120_000);
    const ended = Date.now();
    const inWindow = (r: RecordedRequest) => r.at >= started && r.at <= ended;
    const result: Phase = {
      report,
      rounds: report.rounds.filter((r) => r.watches > 0),
      started,
      ended,
      checks: emu.requestsFor("task_check").filter(inWindow),
      messages: emu.requests.filter((r) => isMessageCall(r) && inWindow(r)),
      violations: emu.violations().length,
    };
    console.log(
      `${label}: ${((ended - started) / 1000).toFixed(0)} s, ${result.rounds.length} rounds, ` +
        `${result.checks.length} task_check, ${result.messages.length} message calls, RSS max ${fmt(report.rssMaxMb, 0)} MB`,
    );
    return result;
  } finally {
    await proc.stop();
    tmp.remove();
  }
}

const perMinute = (p: Phase, records: RecordedRequest[]) => records.length / ((p.ended - p.started) / 60_000);
const perCheck = (rounds: RoundFigures[], key: "cpuMs" | "mainMs") =>
  sum(rounds.map((r) => r[key])) / Math.max(1, sum(rounds.map((r) => r.tasks)));

async function main(): Promise<void> {
  heading(`Watch scale: ${WATCHES} watches, TASK_CHECK_RPS=${RPS}, POLL_INTERVAL_SECONDS=${POLL}`);
  const emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
  try {
    const big: FleetSpec = { prefix: "scale", count: WATCHES, chats: 20 };
    // One chat per watch: the store keeps one open watch per task and chat, so 1,000 watches of one task need
    // 1,000 chats (half DMs, half groups).
    const one: FleetSpec = {
      prefix: "same",
      count: COALESCE,
      chats: COALESCE,
      sameTask: "7360595374803812356",
    };
    const s = await phase(
      emu,
      "S bot   10k due, Feishu stubbed",
      { mode: "bot", spec: big, scenario: 1, stubRounds: STUB_ROUNDS },
      0,
    );
    const a = await phase(emu, "A bot   10k due", { mode: "bot", spec: big, scenario: 1 }, A_SECONDS);
    const b = await phase(emu, "B naive 10k due", { mode: "naive", spec: big, scenario: 1 }, 10);
    const bp = await phase(
      emu,
      `P naive 10k due, paced at ${RPS}/s`,
      { mode: "naive", spec: big, scenario: 1, paceMs: 1000 / RPS },
      12,
    );
    const c = await phase(
      emu,
      "C bot   1k watches of one task",
      { mode: "bot", spec: one, scenario: 2, active: true },
      12,
    );
    const d = await phase(
      emu,
      "D naive 1k watches of one task",
      { mode: "naive", spec: one, scenario: 2 },
      6,
    );
    const e = await phase(
      emu,
      "E bot   10k, 100 due",
      { mode: "bot", spec: big, scenario: 3, hot: HOT },
      E_SECONDS,
    );

    // --- S: the scheduler's own CPU ---
    console.log(
      `\nS: scheduler rounds over ${WATCHES} due watches with Feishu stubbed (${s.rounds.length} rounds back to back)`,
    );
    const stat = (xs: number[]) => [fmt(median(xs), 1), fmt(percentile(xs, 95), 1), fmt(max(xs), 1)];
    console.log(
      table([
        ["per round", "median", "p95", "max"],
        ["CPU, whole process (ms)", ...stat(s.rounds.map((r) => r.cpuMs))],
        ["CPU, main thread (ms, 10 ms ticks)", ...stat(s.rounds.map((r) => r.mainMs))],
        ["claim query (ms)", ...stat(s.rounds.map((r) => r.claimMs))],
        [
          "tasks / watches",
          String(median(s.rounds.map((r) => r.tasks))),
          "",
          String(median(s.rounds.map((r) => r.watches))),
        ],
      ]),
    );

    // --- A vs B: memory, CPU, calls against the budget ---
    const budgetPerMin = RPS * 60;
    const figures = (p: Phase) => ({
      rss: p.report.rssMaxMb,
      heap: p.report.heapMaxMb,
      cpuRound: median(p.rounds.map((r) => r.cpuMs)),
      mainRound: median(p.rounds.map((r) => r.mainMs)),
      wallRound: median(p.rounds.map((r) => r.wallMs)),
      checksPerRound: median(p.rounds.map((r) => r.tasks)),
      cpuPerCheck: perCheck(p.rounds, "cpuMs"),
      checksPerMin: perMinute(p, p.checks),
      max1s: maxInWindow(
        p.checks.map((r) => r.at),
        1000,
      ),
      messagesPerMin: perMinute(p, p.messages),
      violations: p.violations,
    });
    const fa = figures(a);
    const fb = figures(b);
    const fp = figures(bp);
    console.log(
      `\nA/B: ${WATCHES} watches of distinct tasks in 20 chats, all due; bot ${A_SECONDS} s, naive 10 s (same emulator)`,
    );
    const row = (label: string, f: typeof fa) => [
      label,
      fmt(f.rss, 0),
      fmt(f.heap, 0),
      fmt(f.cpuRound, 0),
      fmt(f.mainRound, 0),
      fmt(f.wallRound, 0),
      fmt(f.checksPerRound, 0),
      fmt(f.cpuPerCheck, 2),
      fmt(f.checksPerMin, 0),
      f.max1s,
      fmt(f.messagesPerMin, 0),
      f.violations,
    ];
    console.log(
      table([
        [
          "watcher",
          "RSS MB",
          "heap MB",
          "CPU/round ms",
          "main thread",
          "wall/round ms",
          "checks/round",
          "CPU/check ms",
          "task_check/min",
          "max in 1 s",
          "msg calls/min",
          "violations",
        ],
        row("bot (SQLite, paced)", fa),
        row("naive loop", fb),
        row(`naive loop paced ${RPS}/s`, fp),
      ]),
    );
    console.log(
      `budget: task_check ${budgetPerMin}/min (TASK_CHECK_RPS=${RPS}); Feishu's message APIs 1000/min and 50/s. ` +
        `bot/naive: RSS ${fmt(fa.rss / fb.rss, 2)}, task_check/min ${fmt(fa.checksPerMin / fb.checksPerMin, 4)}; ` +
        `CPU per check vs the naive loop at the same pace: ${fmt(fa.cpuPerCheck / fp.cpuPerCheck, 2)} ` +
        "(the bot's task also posts a card: 2 calls per task)",
    );

    // --- C vs D: coalescing ---
    const task = one.sameTask ?? "";
    const cChecks = c.checks.filter((r) => r.query.task_id === task).length;
    const dChecks = d.checks.filter((r) => r.query.task_id === task).length;
    const dPasses = Math.max(1, d.rounds.length);
    console.log(
      `\nC/D: ${COALESCE} watches of one task (bot: active watches whose cards cannot be patched, so only task_check runs)`,
    );
    console.log(
      table([
        [
          "watcher",
          "rounds",
          "task_check for the task",
          "per round",
          "watches per round",
          "CPU/round ms",
          "main thread ms",
        ],
        [
          "bot",
          c.rounds.length,
          cChecks,
          fmt(cChecks / Math.max(1, c.rounds.length), 2),
          fmt(median(c.rounds.map((r) => r.watches)), 0),
          fmt(median(c.rounds.map((r) => r.cpuMs)), 0),
          fmt(median(c.rounds.map((r) => r.mainMs)), 0),
        ],
        [
          "naive",
          d.rounds.length,
          dChecks,
          fmt(dChecks / dPasses, 0),
          fmt(median(d.rounds.map((r) => r.watches)), 0),
          fmt(median(d.rounds.map((r) => r.cpuMs)), 0),
          fmt(median(d.rounds.map((r) => r.mainMs)), 0),
        ],
      ]),
    );

    // --- E: fairness, measured directly on a 20 s budget cycle ---
    const cycleMs = (HOT / RPS) * 1000;
    const byTask = new Map<string, number[]>();
    for (const r of e.checks) byTask.set(r.query.task_id, [...(byTask.get(r.query.task_id) ?? []), r.at]);
    const waits: number[] = [];
    for (const times of byTask.values()) {
      times.forEach((at, k) => {
        const due = k === 0 ? e.started : times[k - 1] + POLL * 1000;
        waits.push(Math.max(0, at - due));
      });
    }
    const checkedTwice = [...byTask.values()].filter((t) => t.length >= 2).length;
    const maxWait = max(waits);
    console.log(
      `\nE: fairness: ${HOT} young watches due (poll ${POLL} s) among ${WATCHES}; demand ${HOT / POLL}/s > budget ${RPS}/s, ` +
        `so one budget cycle = ${HOT}/${RPS} = ${cycleMs / 1000} s`,
    );
    console.log(
      table([
        [
          "checks",
          "tasks",
          "checked >= 2x",
          "wait p50 s",
          "p95 s",
          "max s",
          "cycle s",
          "task_check/min",
          "msg/min",
          "violations",
        ],
        [
          e.checks.length,
          byTask.size,
          checkedTwice,
          fmt(percentile(waits, 50) / 1000, 1),
          fmt(percentile(waits, 95) / 1000, 1),
          fmt(maxWait / 1000, 1),
          fmt(cycleMs / 1000, 0),
          fmt(perMinute(e, e.checks), 0),
          fmt(perMinute(e, e.messages), 0),
          e.violations,
        ],
      ]),
    );
    console.log(
      `The same oldest-first rule at ${WATCHES} distinct tasks gives a cycle of ${WATCHES}/${RPS} = ${WATCHES / RPS} s: ` +
        "at the default budget each of them is checked about every 33 min.",
    );

    const rss = Math.max(fa.rss, e.report.rssMaxMb);
    const schedulerCpu = s.rounds.map((r) => r.cpuMs);
    const violations = a.violations + c.violations + e.violations;
    const verdicts: Verdict[] = [
      {
        name: `RSS with ${WATCHES} watches (A, E)`,
        target: `< ${TARGET_RSS_MB} MB`,
        measured: `${fmt(rss, 0)} MB (naive ${fmt(fb.rss, 0)} MB)`,
        ok: rss < TARGET_RSS_MB,
        gap: `${fmt(rss - TARGET_RSS_MB, 0)} MB over`,
      },
      {
        name: "scheduler CPU per round (S)",
        target: `< ${TARGET_CPU_MS} ms`,
        measured: `median ${fmt(median(schedulerCpu), 1)}, p95 ${fmt(percentile(schedulerCpu, 95), 1)} ms`,
        ok: percentile(schedulerCpu, 95) < TARGET_CPU_MS,
        gap: `p95 ${fmt(percentile(schedulerCpu, 95) - TARGET_CPU_MS, 1)} ms over`,
      },
      {
        name: "round CPU incl. SDK + HTTP (A)",
        target: "(context)",
        measured: `median ${fmt(fa.cpuRound, 0)} ms: ${fmt(fa.cpuPerCheck, 1)} ms/task, 2 calls; naive paced ${fmt(fp.cpuPerCheck, 1)} ms/call`,
      },
      {
        name: `round CPU, ${COALESCE} watches of one task (C)`,
        target: "(context)",
        measured: `median ${fmt(median(c.rounds.map((r) => r.cpuMs)), 0)} ms (${fmt(median(c.rounds.map((r) => r.cpuMs)) / COALESCE, 2)} ms/watch)`,
      },
      {
        name: "rate-limit violations (A, C, E)",
        target: "0",
        measured: String(violations),
        ok: violations === 0,
        gap: `${violations} refused calls`,
      },
      {
        name: "task_check/min vs budget (A)",
        target: `<= ${budgetPerMin}`,
        measured: `${fmt(fa.checksPerMin, 0)} (max ${fa.max1s} in any 1 s)`,
        ok: fa.checksPerMin <= budgetPerMin * 1.02,
        gap: `${fmt(fa.checksPerMin - budgetPerMin, 0)}/min over`,
      },
      {
        name: "longest wait of a due watch (E)",
        target: `<= 1 cycle (${cycleMs / 1000} s)`,
        measured: `${fmt(maxWait / 1000, 1)} s`,
        ok: maxWait <= cycleMs,
        gap: `${fmt((maxWait - cycleMs) / 1000, 1)} s over`,
      },
      {
        name: `${COALESCE} watches of one task (C)`,
        target: "1 task_check/round",
        measured: `${fmt(cChecks / Math.max(1, c.rounds.length), 2)} (naive ${fmt(dChecks / dPasses, 0)} per pass)`,
        ok: c.rounds.length > 0 && cChecks === c.rounds.length,
        gap: `${cChecks} checks in ${c.rounds.length} rounds`,
      },
    ];
    printVerdicts("Watch scale verdicts", verdicts);
  } finally {
    await emu.close();
  }
}

runMain(main);
