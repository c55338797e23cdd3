import { fmt, max, median, percentile } from "./stats";

/**
 * The A/B rounds every comparison here is made of. On a shared, noisy machine a candidate is only ever
 * measured against its baseline in the same run: one warm-up of each side (not kept), then `pairs` pairs
 * whose order alternates (a b, b a, a b, ...), so a drift in the machine's load falls on both sides alike.
 * `run` gets the side and the index of the run (0, 1, ...: a name for its files).
 */
export async function interleaved<N extends string, R>(
  sides: readonly [N, N],
  pairs: number,
  run: (side: N, index: number) => Promise<R>,
  warmup?: (side: N) => Promise<unknown>,
): Promise<Array<{ side: N; result: R }>> {
  if (warmup) for (const side of sides) await warmup(side);
  const runs: Array<{ side: N; result: R }> = [];
  for (let i = 0; i < pairs; i++) {
    for (const side of i % 2 === 0 ? sides : [sides[1], sides[0]]) {
      runs.push({ side, result: await run(side, runs.length) });
    }
  }
  return runs;
}

/** One timed round of load against one side: what was answered well, over how long, and each latency (ms). */
export interface LoadRound {
  name: string;
  ok: number;
  seconds: number;
  latencies: number[];
}

/** The rate and latencies of one side's rounds: the median round's rate, each round's, and over all answers. */
export function loadSummary(rounds: readonly LoadRound[], name: string) {
  const mine = rounds.filter((r) => r.name === name);
  const all = mine.flatMap((r) => r.latencies);
  return {
    rate: median(mine.map((r) => r.ok / r.seconds)),
    perRound: mine.map((r) => fmt(r.ok / r.seconds, 0)).join(" / "),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    worstRoundP99: max(mine.map((r) => percentile(r.latencies, 99))),
    max: max(all),
  };
}

/** Ratio of `a`'s rate to `b`'s in each interleaved pair of rounds (rounds 2i and 2i+1). */
function pairRatios(rounds: readonly LoadRound[], a: string, b: string): number[] {
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

/** The line each round prints as it ends: `round 3: bot      4001 req/s, p99 13.75 ms`. */
export function roundLine(n: number, r: LoadRound, width: number, unit = "req/s"): string {
  return `round ${n}: ${r.name.padEnd(width)} ${fmt(r.ok / r.seconds, 0)} ${unit}, p99 ${fmt(percentile(r.latencies, 99), 2)} ms`;
}

/** The line that states how the rounds were run, above the table of their figures. */
export function roundsHeading(pairs: number, seconds: number, per: string, warmupSeconds: number): string {
  return `\n${pairs} interleaved rounds of ${seconds} s per ${per} (after ${warmupSeconds} s of warm-up each)`;
}

/** `ratio bot/baseline throughput: 1.15 (per pair: 0.75, 1.26, 1.17)`: a's median rate over b's, and per pair. */
export function ratioLine(label: string, rounds: readonly LoadRound[], a: string, b: string): string {
  const ratio = loadSummary(rounds, a).rate / loadSummary(rounds, b).rate;
  const pairs = pairRatios(rounds, a, b).map((r) => fmt(r, 2));
  return `ratio ${label} throughput: ${fmt(ratio, 2)} (per pair: ${pairs.join(", ")})`;
}
