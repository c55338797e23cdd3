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
import { ratioLine, roundsHeading } from "./lib/ab";
import { ENCRYPT_KEY, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { type Child, forkChild } from "./lib/child";
import { recordedVerdict, recordingLine, sqliteInbox } from "./lib/inbox-count";
import { CONNECTIONS, ingestRounds, SUMMARY_HEADER, summary, summaryRow } from "./lib/ingest-load";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt } from "./lib/stats";

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

    const { rounds, answered } = await ingestRounds<Name>({
      emu,
      sides: ["bot", "baseline"],
      pairs: ROUNDS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      ports: (name) => [ports[name]],
    });

    // The baseline's handler must have run once per 2xx (the SDK answers 200 to a failed signature too).
    type Stats = { type: string; handled: number };
    const handled = (await children.baseline.ask<Stats>({ type: "stats" }, "stats", 5000)).handled;
    // Stop the bot cleanly (the inbox finishes what it holds), then read its database.
    await children.bot.stop(60_000);
    const inbox = sqliteInbox(db, "om_bench_bot_");

    const bot = summary(rounds, "bot");
    const base = summary(rounds, "baseline");
    const ratio = bot.rate / base.rate;

    console.log(`${roundsHeading(ROUNDS, SECONDS, "server", WARMUP_SECONDS)}, ${CONNECTIONS} connections`);
    console.log(
      table([
        SUMMARY_HEADER,
        summaryRow("bot (records each event)", bot),
        summaryRow("baseline (SDK adaptExpress)", base),
      ]),
    );
    console.log(ratioLine("bot/baseline", rounds, "bot", "baseline"));
    console.log(recordingLine("bot", inbox, answered.bot));
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
        measured: `${fmt(ratio, 2)} (${fmt(bot.rate, 0)} vs ${fmt(base.rate, 0)} req/s)`,
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
      recordedVerdict("every 2xx event in the inbox", inbox, answered.bot),
    ];
    printVerdicts("Ingest verdicts", verdicts);
  } finally {
    await Promise.all([children.bot?.stop(), children.baseline?.stop()]);
    await emu.close();
    tmp.remove();
  }
}

runMain(main);
