/**
 * Child process of bench/watch-scale.ts: one watcher, alone in its process so its memory and CPU are its own.
 *   bot   — the real app (createApp, SQLite file, paced SDK client, node-cron scheduler) with N watches
 *           inserted through the store, as /status commands would have created them
 *   naive — the obvious alternative: an array of N watches in memory, setInterval(1 s), and for each due
 *           watch the SDK's taskCheck, one after the other; no budget, no coalescing, no persistence
 * argv[2]: JSON { mode, spec, scenario, hot?, active?, env, databaseUrl? } (see watch-scale.ts).
 * Messages: "fill" → "filled" (bot: opens the file fillStore prepared; naive: builds its array); "go" →
 * "started"; "report" → "report" (stops the work first, lets a running round finish); "stop".
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as lark from "@larksuiteoapi/node-sdk";
import { DEFAULT_OPTIONS } from "@taskbot/feishu-emulator";
import pg from "pg";
import { type App, createApp } from "../../src/app";
import { readConfig } from "../../src/config";
import type { FeishuApi } from "../../src/core/feishu-api";
import { PostgresStore } from "../../src/store/postgres";
import type { Store } from "../../src/store/roles";
import { SqliteStore } from "../../src/store/sqlite";
import { botEnv, quietLogger, type RunningBot, startBot } from "./bot";
import { serve, tell } from "./child";
import { type FleetSpec, fleet } from "./fleet";
import { backendCpu, cpuBetween } from "./pg-cpu";

export interface ChildSpec {
  mode: "bot" | "naive";
  spec: FleetSpec;
  scenario: number;
  /** bot: see fillStore. */
  hot?: number;
  /** bot: see fillStore. */
  active?: boolean;
  /** naive: pause between two checks (the same loop, with a budget). */
  paceMs?: number;
  /**
   * bot: Feishu replaced by an in-process stub that answers at once (status "process"), and this many
   * rounds run back to back: the scheduler's own CPU, without the SDK and HTTP.
   */
  stubRounds?: number;
  env: Record<string, string>;
  /**
   * bot: the store is this PostgreSQL database (already filled) instead of the SQLite file; each round's
   * figures then include the CPU of the database's backends serving the bot (dbCpuMs).
   */
  databaseUrl?: string;
}

export interface RoundFigures {
  at: number;
  wallMs: number;
  /** Whole process (all threads: main, GC and compiler helpers, libuv). */
  cpuMs: number;
  /** Main thread only (Linux, 10 ms ticks; NaN elsewhere). */
  mainMs: number;
  /** Time of the claim query alone (synchronous SQLite; on PostgreSQL the round trip, wall time). */
  claimMs: number;
  /** PostgreSQL only: CPU of the database backends serving the bot's pool during the round (NaN on SQLite). */
  dbCpuMs: number;
  watches: number;
  tasks: number;
}

export type ChildReport = {
  type: "report";
  rounds: RoundFigures[];
  rssIdleMb: number;
  rssMaxMb: number;
  heapMaxMb: number;
};

const mb = (bytes: number) => bytes / 2 ** 20;

function reportOf(
  rounds: ChildReport["rounds"],
  rssIdle: number,
  sampler: ReturnType<typeof memorySampler> | undefined,
): ChildReport {
  return {
    type: "report",
    rounds,
    rssIdleMb: mb(rssIdle),
    rssMaxMb: sampler?.rssMaxMb() ?? 0,
    heapMaxMb: sampler?.heapMaxMb() ?? 0,
  };
}

/** CPU time of the main thread so far, in ms (utime + stime of /proc/self/task/<pid>/stat). */
function mainThreadMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (CLK_TCK = 100)
  } catch {
    return Number.NaN;
  }
}

/** A Feishu that answers every call at once, in process. */
function stubFeishu(): FeishuApi {
  let n = 0;
  return {
    botOpenId: async () => "ou_bot0000000000000000000000000000",
    taskCheck: async () => "process",
    reply: async (_tenant, to) => ({ messageId: `om_stub_${++n}`, chatId: to.chatId }),
    send: async (_tenant, to) => ({ messageId: `om_stub_${++n}`, chatId: to.id }),
    patchCard: async () => "sent",
  };
}

function memorySampler() {
  let rssMax = 0;
  let heapMax = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rssMax = Math.max(rssMax, m.rss);
    heapMax = Math.max(heapMax, m.heapUsed);
  };
  const timer = setInterval(sample, 100);
  sample();
  return {
    stop: () => clearInterval(timer),
    rssMaxMb: () => mb(rssMax),
    heapMaxMb: () => mb(heapMax),
  };
}

async function botChild(c: ChildSpec, emulatorUrl: string, dbPath: string): Promise<void> {
  let store: Store | undefined;
  // PostgreSQL: a connection of its own (not the bot's pool) that finds the backends serving the pool.
  let probe: pg.Client | undefined;
  let bot: RunningBot | undefined;
  const rounds: RoundFigures[] = [];
  let sampler: ReturnType<typeof memorySampler> | undefined;
  let rssIdle = 0;

  const instrument = (app: App, s: Store) => {
    const claim = s.claimDueWatches.bind(s);
    let claimed = { ms: 0, tasks: 0 };
    s.claimDueWatches = async (...args) => {
      const t = performance.now();
      const result = await claim(...args);
      claimed = { ms: performance.now() - t, tasks: new Set(result.map((w) => w.taskId)).size };
      return result;
    };
    const round = app.engine.round.bind(app.engine);
    app.engine.round = async () => {
      claimed = { ms: 0, tasks: 0 };
      const dbBefore = probe ? await backendCpu(probe) : undefined;
      const at = Date.now();
      const t = performance.now();
      const cpu = process.cpuUsage();
      const main = mainThreadMs();
      const n = await round();
      const used = process.cpuUsage(cpu);
      const wallMs = performance.now() - t;
      const mainMs = mainThreadMs() - main;
      const dbCpuMs = probe && dbBefore ? cpuBetween(dbBefore, await backendCpu(probe)) : Number.NaN;
      rounds.push({
        at,
        wallMs,
        cpuMs: (used.user + used.system) / 1000,
        mainMs,
        claimMs: claimed.ms,
        dbCpuMs,
        watches: n,
        tasks: claimed.tasks,
      });
      return n;
    };
  };

  serve(
    {
      fill: async () => {
        // The watches are already in the file (fillStore); the bot opens it as it would after a restart.
        if (c.databaseUrl) {
          store = await PostgresStore.open(c.databaseUrl, quietLogger());
          probe = new pg.Client({ connectionString: c.databaseUrl, application_name: "bench-probe" });
          probe.on("error", () => undefined);
          await probe.connect();
        } else {
          store = new SqliteStore(dbPath);
        }
        const count = await store.countOpenWatches();
        rssIdle = process.memoryUsage().rss;
        tell({ type: "filled", count, rssMb: mb(rssIdle) });
      },
      go: async () => {
        if (!store) throw new Error("fill first");
        const s = store;
        sampler = memorySampler();
        const at = Date.now();
        if (c.stubRounds) {
          const env = c.databaseUrl ? { ...c.env, DATABASE_URL: c.databaseUrl } : c.env;
          const config = readConfig(botEnv(emulatorUrl, dbPath, env));
          const app = createApp(config, { logger: quietLogger(), store: s, feishu: stubFeishu() });
          instrument(app, s);
          const deadline = Date.now() + 60_000;
          for (let i = 0; i < c.stubRounds && Date.now() < deadline; i++) await app.engine.round();
        } else {
          bot = await startBot(emulatorUrl, dbPath, c.env, {
            store: s,
            beforeStart: (app) => instrument(app, s),
          });
        }
        tell({ type: "started", at });
      },
      report: async () => {
        await bot?.app.scheduler.stop();
        sampler?.stop();
        tell(reportOf(rounds, rssIdle, sampler));
      },
    },
    async () => {
      await probe?.end().catch(() => undefined);
      if (bot) await bot.stop();
      else await store?.close();
    },
  );
  tell({ type: "ready" });
}

async function naiveChild(c: ChildSpec, emulatorUrl: string): Promise<void> {
  const poll = Number(c.env.POLL_INTERVAL_SECONDS ?? 5) * 1000;
  let watches: Array<{ taskId: string; chatId: string; nextCheckAt: number; status?: string }> = [];
  const rounds: RoundFigures[] = [];
  let timer: NodeJS.Timeout | undefined;
  let sampler: ReturnType<typeof memorySampler> | undefined;
  let rssIdle = 0;
  let stopping = false;
  let busy: Promise<void> | undefined;
  const client = new lark.Client({
    appId: DEFAULT_OPTIONS.appId,
    appSecret: DEFAULT_OPTIONS.appSecret,
    domain: emulatorUrl,
    cache: new lark.DefaultCache(),
    loggerLevel: lark.LoggerLevel.error,
  });

  const pass = async () => {
    const at = Date.now();
    const t = performance.now();
    const cpu = process.cpuUsage();
    const main = mainThreadMs();
    let checked = 0;
    for (const w of watches) {
      if (stopping) break;
      if (w.nextCheckAt > Date.now()) continue;
      try {
        const res = await client.drive.v1.file.taskCheck({ params: { task_id: w.taskId } });
        w.status = res.data?.status;
      } catch {
        // the obvious loop just tries again next time
      }
      w.nextCheckAt = Date.now() + poll;
      checked++;
      if (c.paceMs) await new Promise((r) => setTimeout(r, c.paceMs));
    }
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - t;
    const cpuMs = (used.user + used.system) / 1000;
    rounds.push({
      at,
      wallMs,
      cpuMs,
      mainMs: mainThreadMs() - main,
      claimMs: 0,
      dbCpuMs: Number.NaN,
      watches: checked,
      tasks: checked,
    });
  };

  serve(
    {
      fill: () => {
        const now = Date.now();
        watches = fleet(c.spec, c.scenario).map((w) => ({
          taskId: w.taskId,
          chatId: w.chatId,
          nextCheckAt: now,
        }));
        rssIdle = process.memoryUsage().rss;
        tell({ type: "filled", count: watches.length, rssMb: mb(rssIdle) });
      },
      go: () => {
        sampler = memorySampler();
        timer = setInterval(() => {
          if (!busy) busy = pass().finally(() => (busy = undefined));
        }, 1000);
        tell({ type: "started", at: Date.now() });
      },
      report: async () => {
        stopping = true;
        clearInterval(timer);
        await busy;
        sampler?.stop();
        tell(reportOf(rounds, rssIdle, sampler));
      },
    },
    async () => undefined,
  );
  tell({ type: "ready" });
}

const spec = JSON.parse(process.argv[2] ?? "{}") as ChildSpec;
const emulatorUrl = process.env.BENCH_EMULATOR_URL ?? "";
const run =
  spec.mode === "bot"
    ? botChild(spec, emulatorUrl, process.env.BENCH_DB ?? "")
    : naiveChild(spec, emulatorUrl);
run.catch((error) => {
  tell({ type: "error", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 100);
});
