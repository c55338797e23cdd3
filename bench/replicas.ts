/**
 * Several replicas on one PostgreSQL database (a fresh database per part, dropped afterwards):
 *   L  load: the ingest load (signed, encrypted events at 16 connections, each a distinct message) on two
 *      bot processes sharing a database (8 connections each) against one of them alone (16), interleaved
 *      rounds; every event answered 2xx must be in the inbox afterwards.
 *   B  budget: 500 watches (100 tasks, each watched from 5 chats) due all the time at TASK_CHECK_RPS=5, on
 *      three replicas and, as the baseline, on one; from the emulator's request log: task_check calls per
 *      sliding second for the whole deployment against rps + 1, message calls against Feishu's limits.
 *   T  take-over: four replicas (the built bot, dist/src/main.js, each reaching the emulator through a TCP
 *      proxy of its own so the log tells who called); one is killed with SIGKILL (a) while it holds 200
 *      running watches (10 tasks x 20 chats, all claimed in one round), (b) while a /status command's first
 *      check is in flight, (c) while a /help command's reply is in flight. Measured: from the kill until
 *      another replica has checked every watch again / answered the command. The lease is 20 s (LEASE_MS).
 *
 *   npm run bench:replicas     env: BENCH_DATABASE_URL (see bench/lib/postgres.ts), BENCH_INGEST_SECONDS (5),
 *                              BENCH_INGEST_ROUNDS (3), BENCH_REPLICAS_SECONDS (B: 60 per fleet),
 *                              BENCH_PARTS (L,B,T)
 */
import { join } from "node:path";
import { type Emulator, type RecordedRequest, startEmulator } from "@taskbot/feishu-emulator";
import pg from "pg";
import { createLogger } from "../src/logger";
import { PostgresStore } from "../src/store/postgres";
import { LEASE_MS } from "../src/store/roles";
import { type Fleet, type Replica, startFleet } from "../test/support/replicas";
import { ratioLine, roundsHeading } from "./lib/ab";
import { ENCRYPT_KEY, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { ensureDist } from "./lib/build";
import { isMessageCall } from "./lib/calls";
import { type Child, forkChild } from "./lib/child";
import { fillInto } from "./lib/fill";
import { type FleetSpec, fleet, introduce } from "./lib/fleet";
import { postgresInbox, recordedVerdict, recordingLine } from "./lib/inbox-count";
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
import { fmt, max, maxInWindow, median, percentile } from "./lib/stats";

const SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);
const BUDGET_SECONDS = Number(process.env.BENCH_REPLICAS_SECONDS ?? 60);
const PARTS = new Set((process.env.BENCH_PARTS ?? "L,B,T").split(",").map((p) => p.trim().toUpperCase()));
const WARMUP_SECONDS = 1;
const RPS = 5;
const FLEET_ENV = {
  TASK_CHECK_RPS: String(RPS),
  POLL_INTERVAL_SECONDS: "5",
  LOG_LEVEL: "error",
};
/** "Within one lease" (LEASE_MS = 20 s), with room for the round that picks the work up: 30 s. */
const TAKEOVER_TARGET_MS = 30_000;
const logger = () => createLogger({ level: "error", format: "json", secrets: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- L: two replicas vs one under the ingest load ---

type Shape = "one" | "two";

async function load(server: BenchServer, emu: Emulator): Promise<Verdict[]> {
  console.log(
    `\n--- L: ingest load on two replicas vs one, one PostgreSQL database, ${CONNECTIONS} connections ---`,
  );
  const db = await server.create("load");
  const tmp = tempDir();
  const bots: Child[] = [];
  const probe = new pg.Client({ connectionString: db.url, application_name: "bench-probe" });
  probe.on("error", () => undefined);
  try {
    for (const name of ["a", "b"]) {
      bots.push(
        forkChild("ingest-server", ["bot"], {
          BENCH_EMULATOR_URL: emu.url,
          BENCH_DB: join(tmp.dir, `unused-${name}.sqlite`),
          BENCH_BOT_ENV: JSON.stringify({ DATABASE_URL: db.url }),
        }),
      );
    }
    type Ready = { type: string; port: number };
    const ports = await Promise.all(bots.map(async (b) => (await b.next<Ready>("ready", 30_000)).port));
    await probe.connect();
    // Both replicas' CPU, whichever shape: the idle one still runs its schedule and inbox polling.
    const botCpu = async () => {
      let total = 0;
      for (const b of bots)
        total += (await b.ask<{ type: string; cpuMs: number }>({ type: "stats" }, "stats", 5000)).cpuMs;
      return total;
    };
    let ones = 0;
    const { rounds, answered, cpu } = await ingestRounds<Shape>({
      emu,
      sides: ["two", "one"],
      pairs: ROUNDS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      // One replica: a or b in turn (the other idles: its schedule and inbox polling still run).
      ports: (shape) => (shape === "two" ? ports : [ports[ones++ % 2]]),
      cpu: { bot: botCpu, probe },
    });
    await probe.end();
    await Promise.all(bots.map((b) => b.stop(60_000)));
    const inbox = await postgresInbox(db.url, "om_bench_");
    const total = answered.one + answered.two;
    const f = { one: summary(rounds, "one"), two: summary(rounds, "two") };
    const ratio = f.two.rate / f.one.rate;
    console.log(
      `${roundsHeading(ROUNDS, SECONDS, "shape", WARMUP_SECONDS)}, ${CONNECTIONS} connections in all`,
    );
    console.log(
      table([
        SUMMARY_HEADER,
        summaryRow("two replicas (8 + 8 connections)", f.two),
        summaryRow("one replica (16, baseline)", f.one),
      ]),
    );
    console.log(ratioLine("two/one", rounds, "two", "one"));
    console.log(
      `CPU per event answered (µs): two replicas: bots ${perEventUs(cpu.two.bot, cpu.two)} + database ${perEventUs(cpu.two.db, cpu.two)}; one: bots ${perEventUs(cpu.one.bot, cpu.one)} + database ${perEventUs(cpu.one.db, cpu.one)}`,
    );
    console.log(recordingLine("", inbox, total));
    if (f.one.non2xx + f.two.non2xx + f.one.errors + f.two.errors > 0) {
      throw new Error("non-2xx answers or connection errors: the payloads are not accepted");
    }
    return [
      {
        name: "throughput, two replicas / one",
        target: "(context: 2 cores)",
        measured: `${fmt(ratio, 2)} (${fmt(f.two.rate, 0)} vs ${fmt(f.one.rate, 0)} req/s)`,
      },
      {
        name: "p99 answer latency, two replicas (one)",
        target: "(context)",
        measured: `${fmt(f.two.p99, 2)} ms (${fmt(f.one.p99, 2)} ms)`,
      },
      recordedVerdict("every 2xx event in the inbox, both shapes", inbox, total),
    ];
  } finally {
    await probe.end().catch(() => undefined);
    await Promise.all(bots.map((b) => b.stop()));
    await db.drop();
    tmp.remove();
  }
}

// --- B: the task_check budget across replicas ---

interface BudgetFigures {
  replicas: number;
  seconds: number;
  checks: number;
  checkMax1s: number;
  checkMean: number;
  /** After the last first card: checks no longer wait behind cards (NaN when the cards took the window). */
  steadyMean: number;
  firstCardsSeconds: number;
  checkShares: string;
  messages: number;
  messageMax1s: number;
  messageMax60s: number;
  chatMax1s: number;
  cards: number;
  violations: number;
  violationKinds: string;
}

/** Refused calls by limit and route, e.g. "messagesPerSecondPerChat/reply 3". */
function kinds(refused: RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of refused)
    counts.set(`${r.rateLimit}/${r.route}`, (counts.get(`${r.rateLimit}/${r.route}`) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(", ") || "none";
}

async function budgetRun(server: BenchServer, emu: Emulator, replicas: number): Promise<BudgetFigures> {
  const spec: FleetSpec = { prefix: `budget${replicas}`, count: 500, chats: 5, tasks: 100 };
  emu.reset();
  introduce(emu, fleet(spec, 7));
  const db = await server.create(`budget${replicas}`);
  let f: Fleet | undefined;
  try {
    const store = await PostgresStore.open(db.url, logger());
    try {
      await fillInto(store, { spec, scenario: 7 }, 8);
    } finally {
      await store.close();
    }
    f = await startFleet(emu, db.url, replicas, FLEET_ENV);
    const started = Date.now();
    await sleep(BUDGET_SECONDS * 1000);
    const ended = Date.now();
    const inWindow = (r: RecordedRequest) => r.at >= started && r.at < ended;
    const checks = emu.requestsFor("task_check").filter(inWindow);
    const messages = emu.requests.filter((r) => isMessageCall(r) && inWindow(r));
    const byChat = new Map<string, number[]>();
    for (const m of emu.messages) {
      if (m.created_at < started || m.created_at >= ended) continue;
      byChat.set(m.chat_id, [...(byChat.get(m.chat_id) ?? []), m.created_at]);
    }
    const fleetOf = f;
    const shares = fleetOf.replicas.map((r) => checks.filter((c) => fleetOf.replicaOf(c) === r).length);
    const seconds = (ended - started) / 1000;
    const cardTimes = emu.messages.filter((m) => m.msg_type === "interactive").map((m) => m.created_at);
    const lastCard = cardTimes.length >= spec.count ? max(cardTimes) : ended;
    const steady = checks.filter((r) => r.at > lastCard);
    const figures: BudgetFigures = {
      replicas,
      seconds,
      checks: checks.length,
      checkMax1s: maxInWindow(
        checks.map((r) => r.at),
        1000,
      ),
      checkMean: checks.length / seconds,
      steadyMean: steady.length / ((ended - lastCard) / 1000),
      firstCardsSeconds: (lastCard - started) / 1000,
      checkShares: shares.join(" / "),
      messages: messages.length,
      messageMax1s: maxInWindow(
        messages.map((r) => r.at),
        1000,
      ),
      messageMax60s: maxInWindow(
        messages.map((r) => r.at),
        60_000,
      ),
      chatMax1s: max([...byChat.values()].map((times) => maxInWindow(times, 1000))),
      cards: emu.messages.filter((m) => m.msg_type === "interactive").length,
      violations: emu.violations().length,
      violationKinds: kinds(emu.violations()),
    };
    console.log(
      `${replicas} replica(s): ${figures.checks} task_check in ${fmt(seconds, 0)} s (max ${figures.checkMax1s} in 1 s), ${figures.messages} message calls, ${figures.violations} violations (${figures.violationKinds})`,
    );
    return figures;
  } finally {
    await f?.stop();
    await db.drop();
  }
}

async function budget(server: BenchServer, emu: Emulator): Promise<Verdict[]> {
  console.log(
    `\n--- B: 500 watches (100 tasks x 5 chats) due all the time, TASK_CHECK_RPS=${RPS}, ${BUDGET_SECONDS} s per fleet ---`,
  );
  const one = await budgetRun(server, emu, 1);
  const three = await budgetRun(server, emu, 3);
  const row = (label: string, b: BudgetFigures) => [
    label,
    b.checks,
    fmt(b.checkMean, 2),
    `${fmt(b.firstCardsSeconds, 1)} s`,
    fmt(b.steadyMean, 2),
    b.checkMax1s,
    b.checkShares,
    b.messages,
    b.messageMax1s,
    b.messageMax60s,
    b.chatMax1s,
    b.cards,
    b.violations,
  ];
  console.log(
    table([
      [
        "deployment",
        "task_check",
        "per s (mean)",
        "first cards took",
        "per s after",
        "max in any 1 s",
        "per replica",
        "msg calls",
        "max in 1 s",
        "max in 60 s",
        "max per chat in 1 s",
        "cards",
        "violations",
      ],
      row("three replicas", three),
      row("one replica (baseline)", one),
    ]),
  );
  console.log(
    `budget: task_check ${RPS}/s, at most ${RPS + 1} in any second (burst 1); Feishu's message limits: 50/s, 1000/min per app, 5/s per chat (enforced by the emulator)`,
  );
  return [
    {
      name: "task_check in any 1 s, three replicas",
      target: `<= ${RPS + 1} (rps + 1)`,
      measured: `max ${three.checkMax1s}, mean ${fmt(three.checkMean, 2)}/s, ${fmt(three.steadyMean, 2)}/s after the first cards (one replica: max ${one.checkMax1s}, mean ${fmt(one.checkMean, 2)}/s, ${fmt(one.steadyMean, 2)}/s)`,
      ok: three.checkMax1s <= RPS + 1,
      gap: `${three.checkMax1s - RPS - 1} over`,
    },
    {
      name: "task_check mean, three replicas",
      target: `<= ${RPS}/s`,
      measured: `${fmt(three.checkMean, 2)}/s over ${fmt(three.seconds, 0)} s`,
      ok: three.checkMean <= RPS * 1.02,
      gap: `${fmt(three.checkMean - RPS, 2)}/s over`,
    },
    {
      name: "rate-limit violations, three replicas",
      target: "0",
      measured: `${three.violations} (message calls: max ${three.messageMax1s} in 1 s, ${three.messageMax60s} in 60 s, ${three.chatMax1s} per chat in 1 s)`,
      ok: three.violations === 0,
      gap: `${three.violations} refused`,
    },
  ];
}

// --- T: take-over after SIGKILL ---

interface Takeover {
  what: string;
  victim: string;
  /** The victim's lease on the work still had this long to run when it was killed. */
  leaseLeftMs: number;
  /** From the kill to the first / last piece of work done by another replica. */
  firstMs: number;
  lastMs: number;
  detail: string;
}

/** Kills the first replica whose request matches, at that request; resolves with who and when. */
function killOnRequest(
  emu: Emulator,
  f: Fleet,
  match: (r: RecordedRequest) => boolean,
): Promise<{ victim: Replica; at: number }> {
  return new Promise((resolve) => {
    const off = emu.onRequest((r) => {
      const victim = f.replicaOf(r);
      if (!victim?.alive || !match(r)) return;
      off();
      victim.alive = false;
      victim.bot.child.kill("SIGKILL");
      resolve({ victim, at: Date.now() });
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

async function leases(url: string): Promise<Array<{ owner: string; n: number; until: number }>> {
  const { rows } = await query(
    url,
    "SELECT lease_owner AS owner, count(*) AS n, min(lease_until) AS until FROM watches WHERE lease_owner IS NOT NULL GROUP BY lease_owner",
  );
  return rows.map((r) => ({ owner: String(r.owner), n: Number(r.n), until: Number(r.until) }));
}

async function takeover(server: BenchServer, emu: Emulator): Promise<Verdict[]> {
  console.log("\n--- T: take-over after SIGKILL, four replicas, TASK_CHECK_RPS=5, lease 20 s ---");
  emu.reset();
  const spec: FleetSpec = { prefix: "held", count: 200, chats: 20, tasks: 10 };
  const watches = fleet(spec, 8);
  introduce(emu, watches);
  const tasks = new Set(watches.map((w) => w.taskId));
  const db = await server.create("takeover");
  let f: Fleet | undefined;
  const results: Takeover[] = [];
  try {
    // Active watches, not due for 10+ minutes: nobody claims them until they are made due below.
    const store = await PostgresStore.open(db.url, logger());
    try {
      await fillInto(store, { spec, scenario: 8, hot: 0 });
    } finally {
      await store.close();
    }
    f = await startFleet(emu, db.url, 4, FLEET_ENV);
    const fl = f;

    // (a) 200 running watches, all due at once: the first round anywhere claims all 10 tasks (200 watches);
    // that replica dies at its first task_check.
    const killedA = killOnRequest(emu, fl, (r) => r.route === "task_check" && tasks.has(r.query.task_id));
    const dueAt = Date.now();
    await query(db.url, "UPDATE watches SET next_check_at = $1 WHERE phase <> 'done'", [dueAt]);
    const a = await killedA;
    await a.victim.bot.exited;
    const held = await leases(db.url);
    const victimLease = held.sort((x, y) => y.n - x.n)[0];
    const recheckedA = await until("(a) every watch checked again", 90_000, async () => {
      const { rows } = await query(db.url, "SELECT last_check_at FROM watches WHERE phase <> 'done'");
      const times = rows.map((r) => Number(r.last_check_at ?? 0));
      return times.every((t) => t > a.at) ? times : undefined;
    });
    const survivorChecksA = emu
      .requestsFor("task_check")
      .filter((r) => r.at > a.at && tasks.has(r.query.task_id) && fl.replicaOf(r) !== a.victim);
    results.push({
      what: "(a) 200 running watches (10 tasks x 20 chats) held",
      victim: a.victim.name,
      leaseLeftMs: victimLease ? victimLease.until - a.at : Number.NaN,
      firstMs: Math.min(...recheckedA) - a.at,
      lastMs: Math.max(...recheckedA) - a.at,
      detail: `the victim held ${victimLease?.n ?? 0} of 200 at its death (claimed ${a.at - dueAt} ms after they fell due); taken over by ${new Set(survivorChecksA.map((r) => fl.replicaOf(r)?.name)).size} replica(s)`,
    });
    // Baseline in the same run: how often those watches are checked in normal operation (survivors, 15 s).
    const normalFrom = Date.now();
    await sleep(15_000);
    const gaps: number[] = [];
    for (const task of tasks) {
      const times = emu
        .requestsFor("task_check")
        .filter((r) => r.query.task_id === task && r.at >= normalFrom)
        .map((r) => r.at);
      for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
    }

    // (b) a /status command whose first check is in flight on the replica that received it.
    const live = () => fl.live();
    const taskB = "7360900000000000001";
    emu.setTask(taskB, ["process"]);
    emu.inject({ route: "task_check", taskId: taskB, hang: true, count: 1 });
    const commandB = emu.messageEvent({
      chatType: "group",
      chatId: "oc_takeover_group_b",
      senderOpenId: "ou_takeover_user_b",
      mentionBot: true,
      text: `/status ${taskB}`,
    });
    const idB = commandB.event.message.message_id;
    const killedB = killOnRequest(emu, fl, (r) => r.route === "task_check" && r.query.task_id === taskB);
    const targetB = live()[0];
    const deliveredB = await emu.deliver(targetB.bot.eventUrl, commandB);
    if (deliveredB.status !== 200) throw new Error(`(b) the command was answered ${deliveredB.status}`);
    const b = await killedB;
    await b.victim.bot.exited;
    const watchB = (
      await query(db.url, "SELECT lease_until FROM watches WHERE command_message_id = $1", [idB])
    ).rows[0];
    const cardB = await until("(b) the command's card", 90_000, async () =>
      emu
        .requestsFor("reply")
        .find(
          (r) => r.path.includes(idB) && r.status === 200 && JSON.stringify(r.body).includes("interactive"),
        ),
    );
    results.push({
      what: "(b) /status: its first task_check in flight",
      victim: b.victim.name,
      leaseLeftMs: watchB?.lease_until ? Number(watchB.lease_until) - b.at : Number.NaN,
      firstMs: cardB.at - b.at,
      lastMs: cardB.at - b.at,
      detail: `delivered to ${targetB.name}; card posted by ${fl.replicaOf(cardB)?.name}`,
    });

    // (c) a /help command whose reply is in flight (the inbox item is recorded and leased, not completed).
    const commandC = emu.messageEvent({
      chatType: "group",
      chatId: "oc_takeover_group_c",
      senderOpenId: "ou_takeover_user_c",
      mentionBot: true,
      text: "/help",
    });
    const idC = commandC.event.message.message_id;
    emu.inject({ route: "reply", messageId: idC, hang: true, count: 1 });
    const killedC = killOnRequest(emu, fl, (r) => r.route === "reply" && r.path.includes(idC));
    const targetC = live()[0];
    const deliveredC = await emu.deliver(targetC.bot.eventUrl, commandC);
    if (deliveredC.status !== 200) throw new Error(`(c) the command was answered ${deliveredC.status}`);
    const c = await killedC;
    await c.victim.bot.exited;
    const inboxC = (await query(db.url, "SELECT lease_until FROM inbox WHERE message_id = $1", [idC]))
      .rows[0];
    const replyC = await until("(c) the command's reply", 90_000, async () =>
      emu.requestsFor("reply").find((r) => r.path.includes(idC) && r.status === 200),
    );
    results.push({
      what: "(c) /help: its reply in flight",
      victim: c.victim.name,
      leaseLeftMs: inboxC?.lease_until ? Number(inboxC.lease_until) - c.at : Number.NaN,
      firstMs: replyC.at - c.at,
      lastMs: replyC.at - c.at,
      detail: `delivered to ${targetC.name}; answered by ${fl.replicaOf(replyC)?.name}`,
    });

    console.log(
      table([
        ["killed while", "victim", "lease left at kill s", "first re-done s", "all re-done s", ""],
        ...results.map((r) => [
          r.what,
          r.victim,
          fmt(r.leaseLeftMs / 1000, 2),
          fmt(r.firstMs / 1000, 2),
          fmt(r.lastMs / 1000, 2),
          r.detail,
        ]),
      ]),
    );
    console.log(
      `baseline, same run: those 10 tasks checked every ${fmt(median(gaps) / 1000, 2)} s (median; p95 ${fmt(percentile(gaps, 95) / 1000, 2)} s, max ${fmt(max(gaps) / 1000, 2)} s) by the survivors in normal operation; lease ${LEASE_MS / 1000} s`,
    );
    const violations = emu.violations().length;
    return [
      ...results.map((r) => ({
        name: `take-over, ${r.what}`,
        target: `< ${TAKEOVER_TARGET_MS / 1000} s`,
        measured: `${fmt(r.lastMs / 1000, 1)} s (lease left at the kill: ${fmt(r.leaseLeftMs / 1000, 1)} s)`,
        ok: r.lastMs < TAKEOVER_TARGET_MS,
        gap: `${fmt((r.lastMs - TAKEOVER_TARGET_MS) / 1000, 1)} s over`,
      })),
      {
        name: "rate-limit violations during the take-overs",
        target: "0",
        measured: String(violations),
        ok: violations === 0,
        gap: `${violations} refused`,
      },
    ];
  } finally {
    emu.clearFaults();
    await f?.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  heading("Replicas on one PostgreSQL database");
  ensureDist();
  const server = await benchServer();
  const emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
  try {
    console.log(await server.describe());
    const verdicts: Verdict[] = [];
    if (PARTS.has("L")) verdicts.push(...(await load(server, emu)));
    if (PARTS.has("B")) verdicts.push(...(await budget(server, emu)));
    if (PARTS.has("T")) verdicts.push(...(await takeover(server, emu)));
    printVerdicts("Replica verdicts", verdicts);
  } finally {
    await emu.close();
    await server.close();
  }
}

runMain(main);
