import { performance } from "node:perf_hooks";
import { buildDelivery, DEFAULT_OPTIONS, type Emulator } from "@taskbot/feishu-emulator";
import autocannon from "autocannon";
import { ENCRYPT_KEY, VERIFICATION_TOKEN } from "./bot";
import { fmt, max, median, percentile } from "./stats";

/** The ingest load (bench/ingest.ts, bench/postgres.ts, bench/replicas.ts): 16 keep-alive connections. */
export const CONNECTIONS = 16;
/** Distinct bodies prepared per second of a round: more than any server here answers (checked). */
export const POOL_PER_SECOND = 5_000;

export type Body = { body: string; headers: Record<string, string> };

export interface Round {
  name: string;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

/**
 * Distinct deliveries, exactly as Feishu sends them: a group text message that does not mention the bot
 * (the bot records it, then handles it as "ignore": no outbound call), encrypted and signed. `prefix` starts
 * every message id (how a benchmark finds its rows in the inbox afterwards).
 */
export function deliveries(emu: Emulator, prefix: string, count: number): Body[] {
  const options = { ...DEFAULT_OPTIONS, encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN };
  const bodies: Body[] = [];
  for (let i = 0; i < count; i++) {
    const envelope = emu.messageEvent({
      chatType: "group",
      chatId: `oc_bench_chat_${i % 20}`,
      senderOpenId: `ou_bench_user_${i % 200}`,
      messageId: `${prefix}_${i}`,
      text: `deploy #${i} is out, the folder move can start now`,
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

/** Throughput and latency of one server's (or set-up's) rounds. */
export function summary(rounds: Round[], name: string) {
  const mine = rounds.filter((r) => r.name === name);
  const all = mine.flatMap((r) => r.latencies);
  return {
    rps: median(mine.map((r) => r.ok / r.seconds)),
    perRound: mine.map((r) => fmt(r.ok / r.seconds, 0)).join(" / "),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    worstRoundP99: max(mine.map((r) => percentile(r.latencies, 99))),
    max: max(all),
    non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
    errors: mine.reduce((a, r) => a + r.errors, 0),
  };
}

export type Summary = ReturnType<typeof summary>;

/** Ratio of `a` to `b` throughput in each interleaved pair of rounds (rounds 2i and 2i+1). */
export function pairRatios(rounds: Round[], a: string, b: string): number[] {
  const pairs: number[] = [];
  for (let i = 0; i + 1 < rounds.length; i += 2) {
    const pair = rounds.slice(i, i + 2);
    const rate = (n: string) => {
      const r = pair.find((x) => x.name === n);
      return r ? r.ok / r.seconds : Number.NaN;
    };
    pairs.push(rate(a) / rate(b));
  }
  return pairs;
}

/** The row of a summary in the ingest tables: req/s median, per round, p50, p99, worst round p99, max, non-2xx, errors. */
export function summaryRow(label: string, f: Summary): Array<string | number> {
  return [
    label,
    fmt(f.rps, 0),
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
