/**
 * A seeded random stream (mulberry32): the same seed gives the same numbers, so a soak's workload and nemesis
 * schedule repeat from its seed. Each part of the soak draws from a stream of its own (`stream(seed, name)`), so
 * the workload does not change when the nemesis draws more or fewer numbers.
 */
import { int, mulberry32, pick } from "../test/support/fuzz-bodies";

export type Random = () => number;
export { int, pick };
/** The fuzz tests' mulberry32. */
export const seeded = mulberry32;

/** A stream for one named part of the soak, derived from the seed and the name (FNV-1a). */
export function stream(seed: number, name: string): Random {
  let h = 0x811c9dc5 ^ seed;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return seeded(h >>> 0);
}

/** true with probability p. */
export const chance = (r: Random, p: number): boolean => r() < p;

/** A key drawn by weight. */
export function weighted<K extends string>(r: Random, weights: Record<K, number>): K {
  const entries = Object.entries(weights) as [K, number][];
  let x = r() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return entries[entries.length - 1][0];
}

/** Digits drawn from the stream: a Drive task id shaped like Feishu's (19 digits). */
export function taskIdFrom(r: Random): string {
  let id = "73";
  while (id.length < 19) id += String(Math.floor(r() * 10));
  return id;
}
