/**
 * Cost per watch: the Feishu calls one watch costs, for a task that runs 1 min, 1 h and 24 h (status
 * "process" until then, then "success"), counted from the emulator's request log: message-API calls (reply,
 * create, PATCH) by what they were for, and task_check calls. The watch is stepped by the real WatchEngine
 * on a hand-driven clock (bench/lib/cost-child.ts), so a day takes seconds.
 *
 * Baseline, in the same run: the same scenario against the code of commit 3c8de7e (before the card stopped
 * ticking), from a temporary git worktree (bench/lib/before.ts, bench/before/before-cost-child.ts).
 *
 * Targets (issue "spend Feishu's message budget only on news"): message calls <= 3 + one per state change +
 * at most 12 freshness updates for the 24 h task; task_check no more than today's adaptive schedule
 * (src/watch/policy.ts pollIntervalMs).
 *
 *   npm run bench:cost        env: BENCH_BEFORE=skip, BENCH_BEFORE_DIR=<checkout of 3c8de7e>
 */

import { DEFAULT_OPTIONS, type RecordedRequest, startEmulator } from "@taskbot/feishu-emulator";
import { pollIntervalMs } from "../src/watch/policy";
import { BEFORE_COMMIT, openBefore } from "./lib/before";
import { ENCRYPT_KEY, VERIFICATION_TOKEN } from "./lib/bot";
import { compiledChildren } from "./lib/build";
import { type CallKind, callKind, countByKind, isMessageCall, targetMessageId } from "./lib/calls";
import { type Child, forkChild, forkScript } from "./lib/child";
import type { CostResult, CostSpec } from "./lib/cost-child";
import { taskId } from "./lib/fleet";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt } from "./lib/stats";

const MINUTE = 60_000;
const DURATIONS = [
  { name: "1 min", ms: MINUTE },
  { name: "1 h", ms: 60 * MINUTE },
  { name: "24 h", ms: 24 * 60 * MINUTE },
];
const POLL = 5;
/** WATCH_TIMEOUT_MINUTES defaults to 1440, which would end the 24 h watch as "timed out" at its last check. */
const WATCH_TIMEOUT_MINUTES = 25 * 60;
/** As test/support/engine-rig.ts. */
const TASK_CHECK_RPS = 50;
const FRESHNESS_LIMIT = 12;

interface Figures {
  code: "before" | "after";
  duration: (typeof DURATIONS)[number];
  kinds: Record<CallKind, number>;
  messageCalls: number;
  refused: number;
  taskChecks: number;
  result: CostResult;
}

/** task_check calls of today's adaptive schedule: one at the start, then every pollIntervalMs, up to the end. */
function adaptiveChecks(durationMs: number): number {
  let checks = 1;
  for (let t = 0; t < durationMs; checks++) t += pollIntervalMs(t, POLL);
  return checks;
}

async function main(): Promise<void> {
  heading(
    `Cost per watch: one task of ${DURATIONS.map((d) => d.name).join(", ")}, POLL_INTERVAL_SECONDS=${POLL}`,
  );
  // Both builds first: a compiler run blocks this process, and with it the emulator the children talk to.
  compiledChildren();
  const before = openBefore();
  const emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
  if ("skipped" in before) console.log(`before (${BEFORE_COMMIT}): not measured: ${before.skipped}`);
  else console.log(`before: commit ${BEFORE_COMMIT} in ${before.dir}`);
  const codes = "skipped" in before ? (["after"] as const) : (["before", "after"] as const);
  const runs: Array<{
    code: "before" | "after";
    duration: (typeof DURATIONS)[number];
    spec: CostSpec;
    child: Child;
  }> = [];
  try {
    for (const [c, code] of codes.entries()) {
      for (const [d, duration] of DURATIONS.entries()) {
        const task = taskId(50 + c, d);
        const event = emu.messageEvent({
          chatType: "p2p",
          senderOpenId: `ou_bench_cost_${c}_${d}`, // each watch in its own DM: no chat's limit is shared
          text: `/status ${task}`,
        }).event.message;
        emu.setTaskStatus(task, "process");
        const spec: CostSpec = {
          label: `${code} ${duration.name}`,
          emulatorUrl: emu.url,
          appId: DEFAULT_OPTIONS.appId,
          appSecret: DEFAULT_OPTIONS.appSecret,
          taskId: task,
          chatId: event.chat_id,
          commandMessageId: event.message_id,
          durationMs: duration.ms,
          pollSeconds: POLL,
          watchTimeoutMinutes: WATCH_TIMEOUT_MINUTES,
          taskCheckRps: TASK_CHECK_RPS,
        };
        const args = [JSON.stringify(spec)];
        const child =
          code === "after" || "skipped" in before
            ? forkChild("cost-child", args)
            : forkScript(before.script("before-cost-child"), args);
        child.proc.on("message", (m: { type?: string }) => {
          if (m?.type !== "end-task") return;
          emu.setTaskStatus(task, "success");
          child.send({ type: "task-ended" });
        });
        runs.push({ code, duration, spec, child });
      }
    }
    const results = await Promise.all(runs.map((r) => r.child.next<CostResult>("result", 540_000)));

    const figures: Figures[] = runs.map((r, i) => {
      const command = r.spec.commandMessageId;
      const replies = emu.requests.filter((q) => isMessageCall(q) && targetMessageId(q) === command);
      const cards = new Set(
        replies
          .filter((q) => q.status === 200 && callKind(q) === "first card")
          .map((q) => (q.response as { data?: { message_id?: string } })?.data?.message_id ?? ""),
      );
      const calls: RecordedRequest[] = [
        ...replies,
        ...emu.requests.filter((q) => q.route === "patch" && cards.has(targetMessageId(q))),
        ...emu.requests.filter(
          (q) =>
            q.route === "create" &&
            callKind(q) === "final card" &&
            (q.body as { receive_id?: string })?.receive_id === r.spec.chatId,
        ),
      ];
      const kinds = countByKind(calls);
      return {
        code: r.code,
        duration: r.duration,
        kinds,
        messageCalls: kinds.total,
        refused: kinds.refused,
        taskChecks: emu.requestsFor("task_check").filter((q) => q.query.task_id === r.spec.taskId).length,
        result: results[i],
      };
    });

    const purpose = (f: Figures, p: string) =>
      Object.entries(f.result.byPurpose)
        .filter(([key]) => key.split("/")[1] === p && key.endsWith("/ok"))
        .reduce((a, [, n]) => a + n, 0);
    const dropped = (f: Figures) =>
      Object.entries(f.result.byPurpose)
        .filter(([key]) => key.endsWith("/dropped"))
        .reduce((a, [, n]) => a + n, 0);
    const updates = (f: Figures) =>
      f.code === "before"
        ? `${f.kinds["card update"]} (minute refresh)`
        : `${f.kinds["card update"]} (freshness ${purpose(f, "freshness")}, state ${purpose(f, "state_change")})`;
    console.log(
      "\nMessage-API calls (reply, create, PATCH) and task_check calls for one watch, from the emulator's log; " +
        "the split of today's card updates comes from the bot's metric feishu_message_calls_total",
    );
    console.log(
      table([
        [
          "code",
          "task",
          "msg calls",
          "first card",
          "card updates",
          "final card",
          "notice",
          "refused",
          "task_check",
          "adaptive schedule",
          "real s",
        ],
        ...figures.map((f) => [
          f.code === "before" ? `before (${BEFORE_COMMIT})` : "after (this tree)",
          f.duration.name,
          f.messageCalls,
          f.kinds["first card"],
          updates(f),
          f.kinds["final card"],
          f.kinds.notice,
          f.refused,
          f.taskChecks,
          adaptiveChecks(f.duration.ms),
          fmt(f.result.seconds, 1),
        ]),
      ]),
    );
    const beforeOf = (f: Figures) => figures.find((b) => b.code === "before" && b.duration === f.duration);
    const after = figures.filter((f) => f.code === "after");
    if (codes.length === 2) {
      console.log(
        `\nratio after/before, message calls: ${after
          .map(
            (f) => `${f.duration.name} ${fmt(f.messageCalls / (beforeOf(f)?.messageCalls ?? Number.NaN), 3)}`,
          )
          .join(", ")}`,
      );
    }

    const verdicts: Verdict[] = [];
    for (const f of after) {
      const stateChanges = purpose(f, "state_change");
      const limit = 3 + stateChanges + FRESHNESS_LIMIT;
      verdicts.push({
        name: `message calls, ${f.duration.name} task`,
        target: `<= 3 + ${stateChanges} state changes + ${FRESHNESS_LIMIT} = ${limit}`,
        measured: `${f.messageCalls}${beforeOf(f) ? ` (before: ${beforeOf(f)?.messageCalls})` : ""}`,
        ok: f.messageCalls <= limit && f.refused === 0,
        gap: f.refused > 0 ? `${f.refused} refused` : `${f.messageCalls - limit} over`,
      });
    }
    const day = after.find((f) => f.duration.ms === 24 * 60 * MINUTE);
    if (day) {
      const fresh = purpose(day, "freshness");
      verdicts.push({
        name: "freshness updates, 24 h task",
        target: `<= ${FRESHNESS_LIMIT}`,
        measured: String(fresh),
        ok: fresh <= FRESHNESS_LIMIT,
        gap: `${fresh - FRESHNESS_LIMIT} over`,
      });
    }
    for (const f of after) {
      const schedule = adaptiveChecks(f.duration.ms);
      verdicts.push({
        name: `task_check calls, ${f.duration.name} task`,
        target: `<= ${schedule} (adaptive schedule)`,
        measured: `${f.taskChecks}${beforeOf(f) ? ` (before: ${beforeOf(f)?.taskChecks})` : ""}`,
        ok: f.taskChecks <= schedule,
        gap: `${f.taskChecks - schedule} over`,
      });
    }
    const drops = after.reduce((a, f) => a + dropped(f), 0);
    const metricTotal = (f: Figures) =>
      Object.entries(f.result.byPurpose)
        .filter(([key]) => key.endsWith("/ok"))
        .reduce((a, [, n]) => a + n, 0);
    const mismatch = after.filter((f) => metricTotal(f) !== f.messageCalls).length;
    const failed = figures.reduce((a, f) => a + f.result.failedChecks, 0);
    verdicts.push({
      name: "bench sanity: nothing dropped or failed, the bot's metric = the emulator's log",
      target: "0 / 0 / 0",
      measured: `${drops} dropped, ${failed} failed checks, ${mismatch} mismatches`,
      ok: drops === 0 && failed === 0 && mismatch === 0,
      gap: "the compressed clock distorted the figures",
    });
    const violations = emu.violations().length;
    verdicts.push({
      name: "rate-limit violations (all runs)",
      target: "0",
      measured: String(violations),
      ok: violations === 0,
      gap: `${violations} refused`,
    });
    printVerdicts("Cost per watch verdicts (after)", verdicts);
  } finally {
    await Promise.all(runs.map((r) => r.child.stop()));
    await emu.close();
    if (!("skipped" in before)) before.close();
  }
}

runMain(main);
