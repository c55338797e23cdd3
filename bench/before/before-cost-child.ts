/**
 * bench/lib/cost-child.ts for the code of commit 3c8de7e ("before"): the same scenario (one watch, one task,
 * a hand-driven clock, the real engine, SQLite in memory, the real paced SDK client against the parent's
 * emulator) written against that commit's APIs (its test/support/engine-rig.ts: PacedFeishu(client, rps),
 * watches created by completeInbox). Copied into a temporary worktree of that commit and compiled there by
 * bench/lib/before.ts; not part of this tree's typecheck.
 *
 * Its pacer queues every call (nothing is dropped), and waits out each card's quarter second in real time by
 * itself, so no real-time gap is added between rounds. It has no metric of calls by purpose: the parent
 * classifies the emulator's request log.
 */
import { PassThrough } from "node:stream";
import { FeishuClient } from "../../src/feishu/client";
import { PacedFeishu } from "../../src/feishu/paced";
import { createLogger } from "../../src/logger";
import { createMetrics } from "../../src/metrics";
import { SqliteStore } from "../../src/store/sqlite";
import { WatchEngine } from "../../src/watch/engine";
import { serve, tell } from "./child";

/** As in bench/lib/cost-child.ts. */
interface CostSpec {
  label: string;
  emulatorUrl: string;
  appId: string;
  appSecret: string;
  taskId: string;
  chatId: string;
  commandMessageId: string;
  durationMs: number;
  pollSeconds: number;
  watchTimeoutMinutes: number;
  taskCheckRps: number;
}

async function run(spec: CostSpec, endTask: () => Promise<void>) {
  const started = Date.now();
  const clock = { now: Date.UTC(2026, 0, 1, 9, 0, 0) };
  const sink = new PassThrough();
  sink.resume();
  const logger = createLogger({ level: "error", format: "json", secrets: [spec.appSecret], stream: sink });
  const store = new SqliteStore(":memory:");
  const metrics = createMetrics(() => store.countOpenWatches());
  const client = new FeishuClient({
    appId: spec.appId,
    appSecret: spec.appSecret,
    domain: spec.emulatorUrl,
    logger,
    timeoutMs: 5000,
  });
  const feishu = new PacedFeishu(client, spec.taskCheckRps);
  const engine = new WatchEngine({
    store,
    feishu,
    logger,
    metrics,
    now: () => clock.now,
    owner: "bench-cost",
    pollIntervalSeconds: spec.pollSeconds,
    taskCheckRps: spec.taskCheckRps,
    watchTimeoutMinutes: spec.watchTimeoutMinutes,
    locale: "en_us",
  });
  const [watch] = await store.completeInbox(
    "none",
    [
      {
        taskId: spec.taskId,
        chatId: spec.chatId,
        chatType: "p2p",
        requesterOpenId: "ou_bench_cost",
        commandMessageId: spec.commandMessageId,
      },
    ],
    clock.now,
  );
  const createdAt = clock.now;
  const endsAt = createdAt + spec.durationMs;
  let ended = false;
  let rounds = 0;
  for (;;) {
    if (!ended && clock.now >= endsAt) {
      await endTask();
      ended = true;
    }
    await engine.round();
    rounds++;
    const w = await store.getWatch(watch.id);
    if (!w) throw new Error("the watch disappeared");
    if (w.phase === "done") break;
    if (rounds > 20_000) throw new Error(`not done after ${rounds} rounds (phase ${w.phase})`);
    clock.now = Math.max(clock.now, w.nextCheckAt);
  }
  const checked = (await metrics.taskChecks.get()).values;
  const taskChecks = checked.reduce((a, v) => a + v.value, 0);
  const answered = new Set(["process", "success", "fail", "unknown"]);
  const failedChecks = checked.reduce((a, v) => a + (answered.has(String(v.labels.result)) ? 0 : v.value), 0);
  await store.close();
  return {
    type: "result",
    label: spec.label,
    byPurpose: {},
    taskChecks,
    failedChecks,
    rounds,
    watchedMs: clock.now - createdAt,
    seconds: (Date.now() - started) / 1000,
  };
}

const spec = JSON.parse(process.argv[2] ?? "{}") as CostSpec;
let answered: (() => void) | undefined;
const fail = serve({ "task-ended": () => answered?.() }, async () => undefined);
const endTask = () =>
  new Promise<void>((resolve) => {
    answered = resolve;
    tell({ type: "end-task" });
  });
run(spec, endTask).then((result) => tell(result), fail);
