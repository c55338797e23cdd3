/**
 * Completion under load: the real bot (bench/lib/load-child.ts, its own process) with 500 running watches in
 * 20 group chats against the emulator (this process) with its enforced rate limits, TASK_CHECK_RPS=100,
 * POLL_INTERVAL_SECONDS=5. Once every watch has its first card and has run for a minute more, 20 tasks (one
 * per chat) end at once, 100 ms after a wall-clock minute boundary: the moment the old code's cosmetic
 * refreshes ("Elapsed", "Last check" at minute resolution) all fell due. Measured for each of the 20: from
 * the task ending (the emulator answers "success" from then on) to its notice arriving at the emulator.
 *
 * The fleet is written into the bot's database before the bot starts, with creation times 1–5 minutes in the
 * past (so every watch is past its first minute and its freshness steps are in play, and all stay younger
 * than 10 minutes, on the 5 s schedule, for the whole run: 500 watches at 5 s is the 100 checks/s budget);
 * the bot posts their first cards itself, as after a restart.
 *
 * Baseline, in the same run and first: the same scenario against the code of commit 3c8de7e, from a temporary
 * git worktree (bench/lib/before.ts, bench/before/before-load-child.ts), with a fresh emulator.
 * Target: p95 <= POLL_INTERVAL_SECONDS + 3 s, zero rate-limit violations.
 *
 *   npm run bench:completion-load   env: BENCH_LOAD_WATCHES (500), BENCH_BEFORE=skip, BENCH_BEFORE_DIR=<path>
 */
import { type Emulator, type RecordedRequest, startEmulator } from "@taskbot/feishu-emulator";
import { BEFORE_COMMIT, openBefore } from "./lib/before";
import { ENCRYPT_KEY, VERIFICATION_TOKEN } from "./lib/bot";
import { compiledChildren } from "./lib/build";
import { CALL_KINDS, type CallKind, callKind, countByKind, targetMessageId } from "./lib/calls";
import { type Child, forkChild, forkScript } from "./lib/child";
import { taskId } from "./lib/fleet";
import type { LoadMetrics, LoadSpec, LoadWatch } from "./lib/load-child";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt, max, percentile } from "./lib/stats";

const WATCHES = Number(process.env.BENCH_LOAD_WATCHES ?? 500);
const CHATS = 20;
const ENDING = 20;
const RPS = 100;
const POLL = 5;
const TARGET_MS = (POLL + 3) * 1000;
/** Creation times at fill: spread over 1–5 minutes ago. */
const AGE_MIN_MS = 60_000;
const AGE_SPAN_MS = 240_000;
/** How long every watch runs with its card before the minute boundary the tasks end after. */
const SETTLE_MS = 60_000;
const AFTER_BOUNDARY_MS = 100;
const SETUP_TIMEOUT_MS = 240_000;
const NOTICE_TIMEOUT_MS = 180_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Outcome {
  code: "before" | "after";
  latenciesMs: number[];
  /** From the task ending to the bot's first task_check that saw it ended. */
  detectionMs: number[];
  missing: number;
  duplicates: number;
  violations: number;
  windowViolations: number;
  windowSeconds: number;
  window: ReturnType<typeof countByKind>;
  minuteBefore: ReturnType<typeof countByKind>;
  windowTaskChecks: number;
  byPurpose: Record<string, number>;
  cardsSeconds: number;
  agesAtEndMin: [number, number];
}

function fleetOf(code: "before" | "after"): { watches: LoadWatch[]; ending: LoadWatch[] } {
  const scenario = code === "before" ? 61 : 62;
  const watches = Array.from({ length: WATCHES }, (_, i) => ({
    taskId: taskId(scenario, i),
    chatId: `oc_load_${code}_group_${i % CHATS}`,
    senderOpenId: `ou_load_${code}_user_${i % 97}`,
    messageId: `om_load_${code}_${i}`,
    createdAgoMs: AGE_MIN_MS + Math.round((i * AGE_SPAN_MS) / WATCHES),
  }));
  // One per chat, at ages spread over the fleet's.
  const perChat = Math.floor(WATCHES / CHATS);
  const ending = Array.from({ length: ENDING }, (_, c) => watches[c + CHATS * ((c * 7) % perChat)]);
  return { watches, ending };
}

async function scenario(code: "before" | "after", start: (spec: LoadSpec) => Child): Promise<Outcome> {
  const emu: Emulator = await startEmulator({
    encryptKey: ENCRYPT_KEY,
    verificationToken: VERIFICATION_TOKEN,
  });
  const { watches, ending } = fleetOf(code);
  for (const w of watches) {
    emu.messageEvent({
      chatType: "group",
      chatId: w.chatId,
      senderOpenId: w.senderOpenId,
      messageId: w.messageId,
    });
    emu.setTaskStatus(w.taskId, "process");
  }
  const commands = new Set(watches.map((w) => w.messageId));
  const child = start({
    emulatorUrl: emu.url,
    watches,
    env: { TASK_CHECK_RPS: String(RPS), POLL_INTERVAL_SECONDS: String(POLL) },
  });
  try {
    const started = Date.now();
    const { createdAt } = await child.next<{ type: "started"; createdAt: number }>("started", 60_000);
    // Every first card out (accepted by the emulator).
    const cards = new Map<string, number>();
    for (let seen = 0; cards.size < watches.length && Date.now() - started < SETUP_TIMEOUT_MS; ) {
      await sleep(200);
      const requests = emu.requests;
      for (; seen < requests.length && requests[seen].status !== 0; seen++) {
        const r = requests[seen];
        if (
          r.route === "reply" &&
          r.status === 200 &&
          callKind(r) === "first card" &&
          commands.has(targetMessageId(r))
        )
          cards.set(targetMessageId(r), r.at);
      }
    }
    if (cards.size < watches.length)
      throw new Error(`${code}: only ${cards.size} first cards in ${SETUP_TIMEOUT_MS / 1000} s`);
    const cardsDone = Math.max(...cards.values());
    // Every card up for SETTLE_MS, then the next wall-clock minute boundary.
    const boundary = Math.ceil((cardsDone + SETTLE_MS) / 60_000) * 60_000;
    const ages = ending.map((w) => (boundary - (createdAt - w.createdAgoMs)) / 60_000);
    if (max(ages) >= 9.5)
      throw new Error(
        `${code}: the ending watches would be ${fmt(max(ages), 1)} min old (5 s schedule ends at 10)`,
      );
    process.stdout.write(
      `${code}: ${watches.length} first cards in ${fmt((cardsDone - started) / 1000, 1)} s; tasks end at ` +
        `${new Date(boundary + AFTER_BOUNDARY_MS).toISOString()}\n`,
    );
    await sleep(boundary + AFTER_BOUNDARY_MS - Date.now());

    const endedAt = new Map<string, number>();
    for (const w of ending) {
      emu.setTaskStatus(w.taskId, "success");
      endedAt.set(w.taskId, Date.now());
    }
    const flip = Date.now();
    const metricsAtFlip = (await child.ask<LoadMetrics>({ type: "metrics" }, "metrics", 10_000)).byPurpose;
    const endingByMessage = new Map(ending.map((w) => [w.messageId, w]));
    const notices = () =>
      emu.requests.filter(
        (r) =>
          r.route === "reply" &&
          r.status === 200 &&
          callKind(r) === "notice" &&
          endingByMessage.has(targetMessageId(r)),
      );
    while (
      new Set(notices().map(targetMessageId)).size < ending.length &&
      Date.now() - flip < NOTICE_TIMEOUT_MS
    )
      await sleep(100);
    const metricsAtEnd = (await child.ask<LoadMetrics>({ type: "metrics" }, "metrics", 10_000)).byPurpose;

    const seen = new Map<string, number>();
    const latenciesMs: number[] = [];
    for (const r of notices()) {
      const w = endingByMessage.get(targetMessageId(r));
      if (!w) continue;
      seen.set(w.taskId, (seen.get(w.taskId) ?? 0) + 1);
      if (seen.get(w.taskId) === 1) latenciesMs.push(r.at - (endedAt.get(w.taskId) ?? r.at));
    }
    const windowEnd = latenciesMs.length === ending.length ? flip + max(latenciesMs) : Date.now();
    const inWindow = (r: RecordedRequest) => r.at >= flip && r.at <= windowEnd;
    const detectionMs = ending.flatMap((w) => {
      const check = emu.requests.find(
        (r) =>
          r.route === "task_check" && r.query.task_id === w.taskId && r.at >= (endedAt.get(w.taskId) ?? 0),
      );
      return check ? [check.at - (endedAt.get(w.taskId) ?? check.at)] : [];
    });
    const byPurpose: Record<string, number> = {};
    for (const [key, n] of Object.entries(metricsAtEnd)) {
      const delta = n - (metricsAtFlip[key] ?? 0);
      if (delta > 0) byPurpose[key] = delta;
    }
    return {
      code,
      latenciesMs,
      detectionMs,
      missing: ending.length - seen.size,
      duplicates: [...seen.values()].reduce((a, n) => a + n - 1, 0),
      violations: emu.violations().length,
      windowViolations: emu.violations().filter(inWindow).length,
      windowSeconds: (windowEnd - flip) / 1000,
      window: countByKind(emu.requests.filter(inWindow)),
      minuteBefore: countByKind(emu.requests.filter((r) => r.at >= flip - 60_000 && r.at < flip)),
      windowTaskChecks: emu.requests.filter((r) => r.route === "task_check" && inWindow(r)).length,
      byPurpose,
      cardsSeconds: (cardsDone - started) / 1000,
      agesAtEndMin: [Math.min(...ages), max(ages)],
    };
  } finally {
    await child.stop();
    await emu.close();
  }
}

function kinds(counts: ReturnType<typeof countByKind>): string {
  return CALL_KINDS.filter((k: CallKind) => counts[k] > 0)
    .map((k) => `${k} ${counts[k]}`)
    .join(", ");
}

async function main(): Promise<void> {
  heading(
    `Completion under load: ${WATCHES} running watches in ${CHATS} group chats, ${ENDING} tasks ending at once, ` +
      `TASK_CHECK_RPS=${RPS}, POLL_INTERVAL_SECONDS=${POLL}`,
  );
  compiledChildren(); // before any emulator runs: the compiler blocks this process
  const before = openBefore();
  const outcomes: Outcome[] = [];
  try {
    if ("skipped" in before) console.log(`before (${BEFORE_COMMIT}): not measured: ${before.skipped}`);
    else {
      console.log(`before: commit ${BEFORE_COMMIT} in ${before.dir}`);
      const script = before.script("before-load-child");
      outcomes.push(await scenario("before", (spec) => forkScript(script, [JSON.stringify(spec)])));
    }
    outcomes.push(await scenario("after", (spec) => forkChild("load-child", [JSON.stringify(spec)])));
  } finally {
    if (!("skipped" in before)) before.close();
  }

  const label = (o: Outcome) => (o.code === "before" ? `before (${BEFORE_COMMIT})` : "after (this tree)");
  console.log(
    `\nFrom a task ending to its notice at the emulator, ${ENDING} tasks (one per chat, ` +
      `${fmt(outcomes[0].agesAtEndMin[0], 1)}–${fmt(outcomes[0].agesAtEndMin[1], 1)} min old) ending ` +
      `${AFTER_BOUNDARY_MS} ms after a minute boundary; "seen" is the first task_check after the end`,
  );
  console.log(
    table([
      [
        "code",
        "notified",
        "p50 s",
        "p95 s",
        "max s",
        "seen p95 s",
        "missing",
        "duplicates",
        "violations",
        "in window",
        "window s",
      ],
      ...outcomes.map((o) => [
        label(o),
        o.latenciesMs.length,
        fmt(percentile(o.latenciesMs, 50) / 1000, 2),
        fmt(percentile(o.latenciesMs, 95) / 1000, 2),
        fmt(max(o.latenciesMs) / 1000, 2),
        fmt(percentile(o.detectionMs, 95) / 1000, 2),
        o.missing,
        o.duplicates,
        o.violations,
        o.windowViolations,
        fmt(o.windowSeconds, 1),
      ]),
    ]),
  );
  console.log(
    "\nMessage-API calls during the window (from the tasks ending to the last notice), from the emulator's log",
  );
  console.log(
    table([
      ["code", "calls", "per s", "by kind", "refused", "task_check/s", "minute before: calls (by kind)"],
      ...outcomes.map((o) => [
        label(o),
        o.window.total,
        fmt(o.window.total / o.windowSeconds, 1),
        kinds(o.window) || "–",
        o.window.refused,
        fmt(o.windowTaskChecks / o.windowSeconds, 1),
        `${o.minuteBefore.total} (${kinds(o.minuteBefore)})`,
      ]),
    ]),
  );
  const after = outcomes.find((o) => o.code === "after");
  if (after) {
    console.log(
      `after, by the bot's metric feishu_message_calls_total over the window (api/purpose/result): ${
        Object.entries(after.byPurpose)
          .map(([k, n]) => `${k} ${n}`)
          .join(", ") || "–"
      }`,
    );
  }
  console.log(
    `setup: first cards of all ${WATCHES} watches posted in ${outcomes.map((o) => `${fmt(o.cardsSeconds, 0)} s (${o.code})`).join(", ")}`,
  );

  const beforeOutcome = outcomes.find((o) => o.code === "before");
  const verdicts: Verdict[] = [];
  if (after) {
    const p95 = percentile(after.latenciesMs, 95);
    verdicts.push({
      name: `p95 task end → notice, ${ENDING} ending among ${WATCHES}`,
      target: `<= ${TARGET_MS / 1000} s`,
      measured: `${fmt(p95 / 1000, 2)} s${beforeOutcome ? ` (before: ${fmt(percentile(beforeOutcome.latenciesMs, 95) / 1000, 2)} s)` : ""}`,
      ok: p95 <= TARGET_MS && after.missing === 0,
      gap: after.missing > 0 ? `${after.missing} not notified` : `${fmt((p95 - TARGET_MS) / 1000, 2)} s over`,
    });
    verdicts.push({
      name: "rate-limit violations (whole run)",
      target: "0",
      measured: `${after.violations}${beforeOutcome ? ` (before: ${beforeOutcome.violations})` : ""}`,
      ok: after.violations === 0,
      gap: `${after.violations} refused`,
    });
    verdicts.push({
      name: "one notice per ending task",
      target: "0 missing, 0 duplicates",
      measured: `${after.missing} missing, ${after.duplicates} duplicates`,
      ok: after.missing + after.duplicates === 0,
      gap: "see above",
    });
  }
  printVerdicts("Completion under load verdicts (after)", verdicts);
}

runMain(main);
