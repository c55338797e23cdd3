/**
 * Child process of bench/cost.ts: one watch of one task, stepped by the real WatchEngine (real SQLite in
 * memory, the real paced SDK client against the parent's emulator) on a hand-driven clock, as
 * test/support/engine-rig.ts builds it. The clock jumps from one due check to the next; when it reaches the
 * task's end the child asks the parent to make the emulator answer "success" from then on, and the watch
 * runs until it is done (final card, notice).
 *
 * The pacer's buckets run on real time whatever the engine's clock says: a freshness update finds its
 * message's bucket (4 PATCH/s, burst 1) empty when the previous PATCH of that card was less than a real
 * quarter second ago, and is dropped, not queued. So after every round that made a message call the child
 * waits 300 ms of real time: each PATCH gets the quarter second it would have had in real life (the
 * budgets are not raised). Dropped freshness updates are counted and must be 0.
 *
 * argv[2]: JSON CostSpec. Asks the parent {type:"end-task"} (answer "task-ended"); answers "result".
 */
import { PassThrough } from "node:stream";
import { FeishuClient } from "../../src/feishu/client";
import { PacedFeishu } from "../../src/feishu/paced";
import { createLogger } from "../../src/logger";
import { createMetrics } from "../../src/metrics";
import { Outbox } from "../../src/outbox";
import { SqliteStore } from "../../src/store/sqlite";
import { WatchEngine } from "../../src/watch/engine";
import { serve, tell } from "./child";

export interface CostSpec {
  label: string;
  emulatorUrl: string;
  appId: string;
  appSecret: string;
  taskId: string;
  chatId: string;
  commandMessageId: string;
  /** How long the task runs (status "process"), in ms of the engine's clock. */
  durationMs: number;
  pollSeconds: number;
  watchTimeoutMinutes: number;
  taskCheckRps: number;
}

export type CostResult = {
  type: "result";
  label: string;
  /** Message-API calls the bot counted, by `api/purpose/result` (the bot's own metric; empty before). */
  byPurpose: Record<string, number>;
  /** task_check calls the bot counted, and those that failed (an error or no answer in time). */
  taskChecks: number;
  failedChecks: number;
  rounds: number;
  /** Engine time from the watch's creation to done. */
  watchedMs: number;
  /** Real time the run took. */
  seconds: number;
};

const REAL_GAP_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(spec: CostSpec, endTask: () => Promise<void>): Promise<CostResult> {
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
  const feishu = new PacedFeishu(client, store, { taskCheckRps: spec.taskCheckRps, metrics });
  const engine = new WatchEngine({
    store,
    feishu,
    outbox: new Outbox(store, feishu, () => clock.now),
    logger,
    metrics,
    now: () => clock.now,
    owner: "bench-cost",
    pollIntervalSeconds: spec.pollSeconds,
    taskCheckRps: spec.taskCheckRps,
    watchTimeoutMinutes: spec.watchTimeoutMinutes,
    locale: "en_us",
  });
  const { watch } = await store.createWatch(
    {
      tenantKey: "",
      taskId: spec.taskId,
      origin: "command",
      chatId: spec.chatId,
      chatType: "p2p",
      requesterOpenId: "ou_bench_cost",
      commandMessageId: spec.commandMessageId,
    },
    clock.now,
  );
  const createdAt = clock.now;
  const endsAt = createdAt + spec.durationMs;
  const messageCalls = async () =>
    (await metrics.messageCalls.get()).values.reduce(
      (a, v) => a + (v.labels.result === "dropped" ? 0 : v.value),
      0,
    );
  let ended = false;
  let rounds = 0;
  for (;;) {
    if (!ended && clock.now >= endsAt) {
      await endTask();
      ended = true;
    }
    const before = await messageCalls();
    await engine.round();
    rounds++;
    const w = await store.getWatch(watch.id);
    if (!w) throw new Error("the watch disappeared");
    if (w.phase === "done") break;
    if (rounds > 20_000) throw new Error(`not done after ${rounds} rounds (phase ${w.phase})`);
    if ((await messageCalls()) > before) await sleep(REAL_GAP_MS);
    clock.now = Math.max(clock.now, w.nextCheckAt);
  }
  const byPurpose: Record<string, number> = {};
  for (const v of (await metrics.messageCalls.get()).values) {
    byPurpose[`${v.labels.api}/${v.labels.purpose}/${v.labels.result}`] = v.value;
  }
  const checked = (await metrics.taskChecks.get()).values;
  const taskChecks = checked.reduce((a, v) => a + v.value, 0);
  const answered = new Set(["process", "success", "fail", "unknown"]);
  const failedChecks = checked.reduce((a, v) => a + (answered.has(String(v.labels.result)) ? 0 : v.value), 0);
  await store.close();
  return {
    type: "result",
    label: spec.label,
    byPurpose,
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
