/**
 * Completion latency: from a task turning "success" in the emulator to its notification arriving there,
 * over 200 tasks watched by the real bot (DM /status commands through the webhook, real SDK, real SQLite).
 * Six scenarios, each in its own process, run side by side (they are mostly waiting on the polling
 * schedule, so they barely compete for CPU):
 *   staggered, TASK_CHECK_RPS=5 (default)  commands 2/s, each task flips 0–5 s after its card
 *   burst,     TASK_CHECK_RPS=5 (default)  200 watched at once, all flip at the same instant
 *   staggered, TASK_CHECK_RPS=50
 *   burst,     TASK_CHECK_RPS=50
 *   and the baseline, the naive loop (no budget, no pacing, no cards), staggered and burst
 * POLL_INTERVAL_SECONDS=5 (default) everywhere. Target: p95 <= POLL_INTERVAL_SECONDS + 1 s.
 *
 *   npm run bench:completion        env: BENCH_COMPLETION_TASKS (200)
 */
import { forkChild } from "./lib/child";
import type { CompletionResult, CompletionSpec } from "./lib/completion-child";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt, max, percentile } from "./lib/stats";

const TASKS = Number(process.env.BENCH_COMPLETION_TASKS ?? 200);
const POLL = 5;
const RATE = 2;
const TARGET_MS = (POLL + 1) * 1000;

async function main(): Promise<void> {
  heading(`Completion latency: ${TASKS} tasks, POLL_INTERVAL_SECONDS=${POLL}`);
  const common = { tasks: TASKS, rate: RATE, poll: POLL };
  const specs: CompletionSpec[] = [
    {
      label: "bot staggered, rps 5 (default)",
      watcher: "bot",
      mode: "staggered",
      rps: 5,
      scenario: 21,
      ...common,
    },
    { label: "bot burst, rps 5 (default)", watcher: "bot", mode: "burst", rps: 5, scenario: 22, ...common },
    { label: "bot staggered, rps 50", watcher: "bot", mode: "staggered", rps: 50, scenario: 23, ...common },
    { label: "bot burst, rps 50", watcher: "bot", mode: "burst", rps: 50, scenario: 24, ...common },
    {
      label: "naive staggered (no budget)",
      watcher: "naive",
      mode: "staggered",
      rps: 0,
      scenario: 25,
      ...common,
    },
    { label: "naive burst (no budget)", watcher: "naive", mode: "burst", rps: 0, scenario: 26, ...common },
  ];

  const children = specs.map((spec) => forkChild("completion-child", [JSON.stringify(spec)]));
  let results: CompletionResult[];
  try {
    results = await Promise.all(children.map((child) => child.next<CompletionResult>("result", 400_000)));
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }

  console.log(
    `\nstaggered: commands at ${RATE}/s, each task flips uniformly 0–${POLL} s after its card; ` +
      "burst: all flip together once every card is up",
  );
  console.log(
    table([
      [
        "scenario",
        "notified",
        "p50 s",
        "p95 s",
        "max s",
        "missing",
        "duplicates",
        "violations",
        "task_check",
        "msg calls",
        "took s",
      ],
      ...results.map((r) => [
        r.label,
        r.latenciesMs.length,
        fmt(percentile(r.latenciesMs, 50) / 1000, 2),
        fmt(percentile(r.latenciesMs, 95) / 1000, 2),
        fmt(max(r.latenciesMs) / 1000, 2),
        r.missing,
        r.duplicates,
        r.violations,
        r.taskChecks,
        r.messageCalls,
        fmt(r.seconds, 0),
      ]),
    ]),
  );
  const cycle = (rps: number) => TASKS / rps;
  console.log(
    `A burst of ${TASKS} running tasks needs ${cycle(5)} s per polling cycle at 5 task_check/s (${cycle(50)} s at 50), ` +
      "and each finished watch sends 2 messages (final card patch, then the notice) through the 16/s message pacer. " +
      "The naive loop has no budget (rps column ignored), no cards and no retry.",
  );

  const p95 = (label: string) => percentile(results.find((r) => r.label === label)?.latenciesMs ?? [], 95);
  const naiveBurst = results.find((r) => r.label === specs[5].label);
  console.log(
    `ratio bot/naive p95, staggered at the default budget: ${fmt(p95(specs[0].label) / p95(specs[4].label), 2)}; ` +
      `burst: the naive loop notified ${naiveBurst?.latenciesMs.length ?? 0} of ${TASKS} (the rest were refused by ` +
      "Feishu's rate limits and lost), the bot all of them",
  );

  const bots = results.filter((r) => r.label.startsWith("bot"));
  const verdicts: Verdict[] = bots.map((r) => {
    const p = percentile(r.latenciesMs, 95);
    return {
      name: `p95 flip → notice, ${r.label}`,
      target: `<= ${TARGET_MS / 1000} s`,
      measured: `${fmt(p / 1000, 2)} s`,
      ok: p <= TARGET_MS && r.missing === 0,
      gap: r.missing > 0 ? `${r.missing} not notified` : `${fmt((p - TARGET_MS) / 1000, 1)} s over`,
    };
  });
  const dup = bots.reduce((a, r) => a + r.duplicates, 0);
  const missing = bots.reduce((a, r) => a + r.missing, 0);
  const violations = bots.reduce((a, r) => a + r.violations, 0);
  verdicts.push({
    name: "bot: one notice per task, none refused",
    target: "0 / 0 / 0",
    measured: `${missing} missing, ${dup} duplicates, ${violations} violations`,
    ok: dup + missing + violations === 0,
    gap: "see above",
  });
  printVerdicts("Completion verdicts", verdicts);
}

runMain(main);
