import type { CardState, Locale } from "../../cards/types";

/** Shared fixtures of the card tests: a fixed clock, a real-shaped task id, and a walk over card JSON. */
export type Json = Record<string, unknown>;

export const NOW = Date.UTC(2025, 0, 15, 10, 42, 30); // 10:42:30 UTC
export const MIN = 60_000;
export const ID = "7360595374803812356";
export const LOCALES: Locale[] = ["zh_cn", "en_us"];
export const ALL_STATES: CardState[] = [
  "running",
  "success",
  "fail",
  "unknown",
  "not_found",
  "invalid",
  "stopped",
  "timed_out",
];

/** Every object in the card, depth first. */
export function walk(node: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const item of node) walk(item, out);
  else if (typeof node === "object" && node !== null) {
    out.push(node as Json);
    for (const value of Object.values(node)) walk(value, out);
  }
  return out;
}
