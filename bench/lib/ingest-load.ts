import { performance } from "node:perf_hooks";
import { buildDelivery, DEFAULT_OPTIONS, type Emulator } from "@taskbot/feishu-emulator";
import autocannon from "autocannon";
import type pg from "pg";
import { interleaved, type LoadRound, loadSummary, roundLine } from "./ab";
import { ENCRYPT_KEY, VERIFICATION_TOKEN } from "./bot";
import { backendCpu, cpuBetween } from "./pg-cpu";
import { fmt } from "./stats";

/** The ingest load (bench/ingest.ts, bench/postgres.ts, bench/replicas.ts): 16 keep-alive connections. */
export const CONNECTIONS = 16;
/** Distinct bodies prepared per second of a round: more than any server here answers (checked). */
export const POOL_PER_SECOND = 5_000;

export type Body = { body: string; headers: Record<string, string> };

export interface Round extends LoadRound {
  non2xx: number;
  errors: number;
}

/**
 * What the load is made of. `commands`: group messages that @-mention the bot with `/help`: each is recorded
 * before its answer, then handled (a help card, paced at Feishu's limits in the background). `chatter`: group
 * messages that mention nobody, which an app with the "read all group messages" scope gets: answered at once,
 * nothing stored (issue 19 §6).
 */
export type Traffic = "commands" | "chatter";

/**
 * Distinct deliveries of `traffic`, exactly as Feishu sends them, encrypted and signed. `prefix` starts every
 * message id (how a benchmark finds its rows in the inbox afterwards).
 */
export function deliveries(
  emu: Emulator,
  prefix: string,
  count: number,
  traffic: Traffic = "commands",
): Body[] {
  const options = { ...DEFAULT_OPTIONS, encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN };
  const bodies: Body[] = [];
  for (let i = 0; i < count; i++) {
    const envelope = emu.messageEvent({
      chatType: "group",
      chatId: `oc_bench_chat_${i % 20}`,
      senderOpenId: `ou_bench_user_${i % 200}`,
      messageId: `${prefix}_${i}`,
      ...(traffic === "commands"
        ? { text: "/help", mentionBot: true }
        : { text: `deploy #${i} is out, the folder move can start now` }),
    });
    bodies.push(buildDelivery(options, envelope));
  }
  return bodies;
}

/**
 * One round: `seconds` of load at CONNECTIONS keep-alive connections in all, each request a new message.
 * With several ports the connections are split evenly, one autocannon instance per port, all drawing on the
 * same bodies (the load of one deployment spread over its replicas).
 */
export async function fire(name: string, ports: number[], bodies: Body[], seconds: number): Promise<Round> {
  let next = 0;
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const one = (port: number, connections: number) =>
    new Promise<void>((resolve) => {
      let watchdog: NodeJS.Timeout | undefined;
      const instance = autocannon(
        {
          url: `http://127.0.0.1:${port}`,
          connections,
          duration: seconds,
          timeout: 10,
          requests: [
            {
              method: "POST",
              path: "/webhook/event",
              setupRequest: (request) => {
                const b = bodies[next++ % bodies.length]; // never wraps: checked below
                return {
                  ...request,
                  method: "POST",
                  path: "/webhook/event",
                  body: b.body,
                  headers: b.headers,
                };
              },
            },
          ],
        },
        (_error, result) => {
          clearTimeout(watchdog);
          errors += (result?.errors ?? 0) + (result?.timeouts ?? 0);
          resolve();
        },
      );
      instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
        latencies.push(ms);
        if (status >= 200 && status < 300) ok++;
        else non2xx++;
      });
      watchdog = setTimeout(() => instance.stop(), (seconds + 30) * 1000);
    });
  await Promise.all(ports.map((port) => one(port, Math.max(1, Math.round(CONNECTIONS / ports.length)))));
  const elapsed = (performance.now() - started) / 1000;
  if (next > bodies.length) throw new Error(`${name}: ${next} requests for ${bodies.length} distinct bodies`);
  return { name, ok, non2xx, errors, seconds: elapsed, latencies };
}

/** Throughput and latency of one server's (or set-up's) rounds, with its failed answers. */
export function summary(rounds: Round[], name: string) {
  const mine = rounds.filter((r) => r.name === name);
  return {
    ...loadSummary(rounds, name),
    non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
    errors: mine.reduce((a, r) => a + r.errors, 0),
  };
}

export type Summary = ReturnType<typeof summary>;

/** CPU (ms) used over a side's measured rounds, and the events they answered. */
export interface CpuTally {
  bot: number;
  db: number;
  events: number;
}

/** Two sides under the ingest load, compared in interleaved rounds (see ab.ts). */
export interface IngestAb<N extends string> {
  emu: Emulator;
  sides: readonly [N, N];
  pairs: number;
  seconds: number;
  warmupSeconds: number;
  /** The ports a round of this side loads (several: the connections are split between them). */
  ports: (side: N) => number[];
  /** CPU used so far by the side's bot processes (ms), and a connection to read the database backends' with. */
  cpu?: { bot: (side: N) => Promise<number>; probe: pg.Client };
  /** What the load is made of (default: commands). */
  traffic?: Traffic;
  /** Starts every message id (default `om_bench`); rounds add `_<side>_<n>`. */
  prefix?: string;
}

/**
 * The ingest load's A/B rounds (bench/ingest.ts, postgres.ts, replicas.ts): each round a new set of distinct
 * messages (ids `om_bench_<side>_<n>_...`, how the inbox count finds them), each measured round printed as it
 * ends. `answered` counts the 2xx answers of every round, warm-ups too (their events are in the inbox as well).
 */
export async function ingestRounds<N extends string>(ab: IngestAb<N>) {
  const answered = Object.fromEntries(ab.sides.map((s) => [s, 0])) as Record<N, number>;
  const cpu = Object.fromEntries(ab.sides.map((s) => [s, { bot: 0, db: 0, events: 0 }])) as Record<
    N,
    CpuTally
  >;
  let seq = 0;
  const round = async (side: N, seconds: number, counted: boolean) => {
    const prefix = `${ab.prefix ?? "om_bench"}_${side}_${seq++}`;
    const bodies = deliveries(ab.emu, prefix, seconds * POOL_PER_SECOND, ab.traffic);
    const meter = counted ? ab.cpu : undefined;
    const before = meter && { bot: await meter.bot(side), db: await backendCpu(meter.probe) };
    const r = await fire(side, ab.ports(side), bodies, seconds);
    answered[side] += r.ok;
    if (meter && before) {
      cpu[side].bot += (await meter.bot(side)) - before.bot;
      cpu[side].db += cpuBetween(before.db, await backendCpu(meter.probe));
      cpu[side].events += r.ok;
    }
    return r;
  };
  const width = Math.max(...ab.sides.map((s) => s.length));
  const runs = await interleaved(
    ab.sides,
    ab.pairs,
    async (side, i) => {
      const r = await round(side, ab.seconds, true);
      console.log(roundLine(i + 1, r, width));
      return r;
    },
    (side) => round(side, ab.warmupSeconds, false),
  );
  return { rounds: runs.map((r) => r.result), answered, cpu };
}

/** CPU per event answered over the measured rounds, in µs. */
export function perEventUs(ms: number, tally: CpuTally): string {
  return fmt((ms / Math.max(1, tally.events)) * 1000, 0);
}

/** The row of a summary in the ingest tables: req/s median, per round, p50, p99, worst round p99, max, non-2xx, errors. */
export function summaryRow(label: string, f: Summary): Array<string | number> {
  return [
    label,
    fmt(f.rate, 0),
    f.perRound,
    fmt(f.p50, 2),
    fmt(f.p99, 2),
    fmt(f.worstRoundP99, 2),
    fmt(f.max, 1),
    f.non2xx,
    f.errors,
  ];
}

export const SUMMARY_HEADER = [
  "server",
  "req/s median",
  "req/s per round",
  "p50 ms",
  "p99 ms",
  "worst round p99",
  "max ms",
  "non-2xx",
  "errors",
];
