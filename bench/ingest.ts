/**
 * Ingest: encrypted, signed im.message.receive_v1 events POSTed to /webhook/event at 16 connections,
 * our bot (records every event in its SQLite inbox before answering, then handles it) against the SDK's
 * stock adaptExpress(EventDispatcher) with an empty handler. Each server runs in its own process; rounds
 * are interleaved (bot, baseline, baseline, bot, ...) and every request carries a distinct message.
 *
 *   npm run bench:ingest        env: BENCH_INGEST_SECONDS (per round, 5), BENCH_INGEST_ROUNDS (per server, 3)
 */
import { join } from "node:path";
import { startEmulator } from "@taskbot/feishu-emulator";
import Database from "better-sqlite3";
import { ENCRYPT_KEY, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { type Child, forkChild } from "./lib/child";
import {
  CONNECTIONS,
  deliveries,
  fire,
  POOL_PER_SECOND,
  pairRatios,
  type Round,
  SUMMARY_HEADER,
  summary,
  summaryRow,
} from "./lib/ingest-load";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt, percentile } from "./lib/stats";

const SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);
const WARMUP_SECONDS = 1;
const P99_TARGET_MS = 20;

type Name = "bot" | "baseline";

async function main(): Promise<void> {
  heading("Ingest: signed + encrypted im.message.receive_v1, 16 connections");
  const emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
  const tmp = tempDir();
  const db = join(tmp.dir, "bot.sqlite");
  const children: Partial<Record<Name, Child>> = {};
  try {
    children.bot = forkChild("ingest-server", ["bot"], { BENCH_EMULATOR_URL: emu.url, BENCH_DB: db });
    children.baseline = forkChild("ingest-server", ["baseline"]);
    type Ready = { type: string; port: number };
    const ports = {
      bot: (await children.bot.next<Ready>("ready", 30_000)).port,
      baseline: (await children.baseline.next<Ready>("ready", 30_000)).port,
    };

    const answered = { bot: 0, baseline: 0 };
    let seq = 0;
    const round = async (name: Name, seconds: number) => {
      const bodies = deliveries(emu, `om_bench_${name}_${seq++}`, seconds * POOL_PER_SECOND);
      const r = await fire(name, [ports[name]], bodies, seconds);
      answered[name] += r.ok;
      return r;
    };
    await round("bot", WARMUP_SECONDS);
    await round("baseline", WARMUP_SECONDS);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order: Name[] = i % 2 === 0 ? ["bot", "baseline"] : ["baseline", "bot"];
      for (const name of order) {
        const r = await round(name, SECONDS);
        rounds.push(r);
        const rps = fmt(r.ok / r.seconds, 0);
        console.log(
          `round ${rounds.length}: ${name.padEnd(8)} ${rps} req/s, p99 ${fmt(percentile(r.latencies, 99), 2)} ms`,
        );
      }
    }

    // The baseline's handler must have run once per 2xx (the SDK answers 200 to a failed signature too).
    type Stats = { type: string; handled: number };
    const handled = (await children.baseline.ask<Stats>({ type: "stats" }, "stats", 5000)).handled;
    // Stop the bot cleanly (the inbox finishes what it holds), then read its database.
    await children.bot.stop(60_000);
    const sqlite = new Database(db, { readonly: true });
    const inbox = sqlite
      .prepare(
        "SELECT COUNT(*) AS n, SUM(state = 'done') AS done FROM inbox WHERE message_id LIKE 'om_bench_bot_%'",
      )
      .get() as { n: number; done: number };
    sqlite.close();

    const bot = summary(rounds, "bot");
    const base = summary(rounds, "baseline");
    const ratio = bot.rps / base.rps;
    const pairs = pairRatios(rounds, "bot", "baseline");

    console.log(
      `\n${ROUNDS} interleaved rounds of ${SECONDS} s per server (after ${WARMUP_SECONDS} s of warm-up each), ${CONNECTIONS} connections`,
    );
    console.log(
      table([
        SUMMARY_HEADER,
        summaryRow("bot (records each event)", bot),
        summaryRow("baseline (SDK adaptExpress)", base),
      ]),
    );
    console.log(
      `ratio bot/baseline throughput: ${fmt(ratio, 2)} (per pair: ${pairs.map((r) => fmt(r, 2)).join(", ")})`,
    );
    console.log(
      `durable recording: ${inbox.n} inbox rows for ${answered.bot} messages answered 2xx by the bot, + requests in flight when a round ended (${inbox.done} handled, as "ignore")`,
    );
    console.log(`baseline: handler ran ${handled} times for ${answered.baseline} answers 2xx`);

    // A round ends with up to CONNECTIONS requests in flight: handled by the server, their answers not counted.
    const inFlight = CONNECTIONS * (ROUNDS + 1);
    if (handled < answered.baseline || handled > answered.baseline + inFlight) {
      throw new Error(
        `baseline handler ran ${handled} times for ${answered.baseline} answers: not a fair baseline`,
      );
    }
    if (bot.non2xx + base.non2xx + bot.errors + base.errors > 0) {
      throw new Error("non-2xx answers or connection errors: the payloads are not accepted");
    }
    const verdicts: Verdict[] = [
      {
        name: "throughput vs SDK baseline",
        target: "ratio >= 1.00",
        measured: `${fmt(ratio, 2)} (${fmt(bot.rps, 0)} vs ${fmt(base.rps, 0)} req/s)`,
        ok: ratio >= 1,
        gap: `bot ${fmt((1 - ratio) * 100, 0)} % slower`,
      },
      {
        name: "p99 answer latency, bot",
        target: `< ${P99_TARGET_MS} ms`,
        measured: `${fmt(bot.p99, 2)} ms`,
        ok: bot.p99 < P99_TARGET_MS,
        gap: `${fmt(bot.p99 - P99_TARGET_MS, 1)} ms over`,
      },
      {
        name: "every 2xx event in the inbox",
        target: `${answered.bot} rows`,
        measured: `${inbox.n} rows (incl. ${inbox.n - answered.bot} in flight at round ends)`,
        ok: inbox.n >= answered.bot,
        gap: `${answered.bot - inbox.n} missing`,
      },
    ];
    printVerdicts("Ingest verdicts", verdicts);
  } finally {
    await Promise.all([children.bot?.stop(), children.baseline?.stop()]);
    await emu.close();
    tmp.remove();
  }
}

runMain(main);
