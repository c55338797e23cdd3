/**
 * Ingest: encrypted, signed im.message.receive_v1 events POSTed to /webhook/event at 16 connections, our bot
 * against the SDK's stock adaptExpress(EventDispatcher) with an empty handler, on two kinds of traffic:
 *   commands — group messages that @-mention the bot: the bot records each in its SQLite inbox before it
 *              answers (then handles it: a help card, paced at Feishu's limits in the background);
 *   chatter  — group messages that mention nobody (an app with the "read all group messages" scope gets every
 *              one): the bot answers at once and stores nothing.
 * Each server runs in its own process; rounds are interleaved (bot, baseline, baseline, bot, ...) and every
 * request carries a distinct message.
 *
 *   npm run bench:ingest        env: BENCH_INGEST_SECONDS (per round, 5), BENCH_INGEST_ROUNDS (per server, 3),
 *                               BENCH_INGEST_TRAFFIC (commands, chatter or both: both)
 */
import { join } from "node:path";
import { type Emulator, startEmulator } from "@taskbot/feishu-emulator";
import { ratioLine, roundsHeading } from "./lib/ab";
import { ENCRYPT_KEY, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { type Child, forkChild } from "./lib/child";
import { type InboxCount, recordedVerdict, recordingLine, sqliteInbox } from "./lib/inbox-count";
import {
  CONNECTIONS,
  ingestRounds,
  SUMMARY_HEADER,
  type Summary,
  summary,
  summaryRow,
  type Traffic,
} from "./lib/ingest-load";
import { heading, printVerdicts, runMain, table, type Verdict } from "./lib/report";
import { fmt } from "./lib/stats";

const SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);
const TRAFFIC = process.env.BENCH_INGEST_TRAFFIC ?? "both";
const WARMUP_SECONDS = 1;
const P99_TARGET_MS = 20;

type Name = "bot" | "baseline";
type Ports = Record<Name, number>;

interface Phase {
  traffic: Traffic;
  bot: Summary;
  base: Summary;
  answered: Record<Name, number>;
  ratioLine: string;
}

async function phase(emu: Emulator, ports: Ports, traffic: Traffic): Promise<Phase> {
  heading(`Traffic: ${traffic}`);
  const { rounds, answered } = await ingestRounds<Name>({
    emu,
    sides: ["bot", "baseline"],
    pairs: ROUNDS,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    ports: (name) => [ports[name]],
    traffic,
    prefix: `om_bench_${traffic}`,
  });
  const bot = summary(rounds, "bot");
  const base = summary(rounds, "baseline");
  console.log(`${roundsHeading(ROUNDS, SECONDS, "server", WARMUP_SECONDS)}, ${CONNECTIONS} connections`);
  const what = traffic === "commands" ? "records each event" : "stores nothing";
  console.log(
    table([
      SUMMARY_HEADER,
      summaryRow(`bot (${what})`, bot),
      summaryRow("baseline (SDK adaptExpress)", base),
    ]),
  );
  const line = ratioLine("bot/baseline", rounds, "bot", "baseline");
  console.log(line);
  if (bot.non2xx + base.non2xx + bot.errors + base.errors > 0) {
    throw new Error(`${traffic}: non-2xx answers or connection errors: the payloads are not accepted`);
  }
  return { traffic, bot, base, answered, ratioLine: line };
}

function verdictsOf(p: Phase, inbox: InboxCount): Verdict[] {
  const ratio = p.bot.rate / p.base.rate;
  const rates = `${fmt(ratio, 2)} (${fmt(p.bot.rate, 0)} vs ${fmt(p.base.rate, 0)} req/s)`;
  if (p.traffic === "chatter") {
    return [
      {
        name: "chatter: throughput vs SDK baseline",
        target: "ratio >= 1.00",
        measured: rates,
        ok: ratio >= 1,
        gap: `bot ${fmt((1 - ratio) * 100, 0)} % slower`,
      },
      {
        name: "chatter: nothing stored",
        target: "0 inbox rows",
        measured: `${inbox.rows} rows`,
        ok: inbox.rows === 0,
        gap: `${inbox.rows} rows`,
      },
    ];
  }
  return [
    recordedVerdict("commands: every 2xx event in the inbox (no loss)", inbox, p.answered.bot),
    {
      name: "commands: p99 answer latency, bot",
      target: `< ${P99_TARGET_MS} ms`,
      measured: `${fmt(p.bot.p99, 2)} ms (throughput ${rates} of the SDK's)`,
      ok: p.bot.p99 < P99_TARGET_MS,
      gap: `${fmt(p.bot.p99 - P99_TARGET_MS, 1)} ms over`,
    },
  ];
}

async function main(): Promise<void> {
  heading("Ingest: signed + encrypted im.message.receive_v1, 16 connections");
  const traffics: Traffic[] = TRAFFIC === "both" ? ["chatter", "commands"] : [TRAFFIC as Traffic];
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
    const phases: Phase[] = [];
    for (const traffic of traffics) phases.push(await phase(emu, ports, traffic));

    // The baseline's handler must have run once per 2xx (the SDK answers 200 to a failed signature too).
    type Stats = { type: string; handled: number };
    const handled = (await children.baseline.ask<Stats>({ type: "stats" }, "stats", 5000)).handled;
    const answeredBaseline = phases.reduce((n, p) => n + p.answered.baseline, 0);
    const inFlight = CONNECTIONS * (ROUNDS + 1) * phases.length;
    if (handled < answeredBaseline || handled > answeredBaseline + inFlight) {
      throw new Error(
        `baseline handler ran ${handled} times for ${answeredBaseline} answers: not a fair baseline`,
      );
    }
    // Every row was committed before its answer: the bot may be stopped however (its help cards, paced at
    // Feishu's limits, would take minutes to drain), and the database read afterwards.
    await children.bot.stop(5_000);
    const verdicts: Verdict[] = [];
    for (const p of phases) {
      const inbox = sqliteInbox(db, `om_bench_${p.traffic}_bot_`);
      console.log(recordingLine(`bot, ${p.traffic}`, inbox, p.answered.bot));
      verdicts.push(...verdictsOf(p, inbox));
    }
    console.log(`baseline: handler ran ${handled} times for ${answeredBaseline} answers 2xx`);
    printVerdicts("Ingest verdicts", verdicts);
  } finally {
    await Promise.all([children.bot?.stop(), children.baseline?.stop()]);
    await emu.close();
    tmp.remove();
  }
}

runMain(main);
