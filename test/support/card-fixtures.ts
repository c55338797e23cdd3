import { expect } from "vitest";
import type { CardJson, CardState, Locale } from "../../cards/types";

/**
 * Shared fixtures of the card tests: a fixed clock, a real-shaped task id and open_id, a walk over card JSON,
 * ways to find an element and its text, and the check every card passes (both locales).
 */
export type Json = Record<string, unknown>;

export { ID, MIN, NOW } from "./card-clock";
export const OPEN_ID = "ou_84aa1f2e5c9d4b7a8e6f0c1d2b3a4f5e"; // the real shape: ou_ + 32 hex digits
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

export const elements = (card: CardJson): Json[] => (card.body as { elements: Json[] }).elements;
export const byId = (card: CardJson, id: string): Json => {
  const found = walk(card).find((o) => o.element_id === id);
  if (!found) throw new Error(`no element ${id}`);
  return found;
};
export const md = (card: CardJson, id: string, locale: Locale): string =>
  (byId(card, id).i18n_content as Record<Locale, string>)[locale];

/** Checks the multi-language rule of every card: both locales everywhere, English as the default. */
export function expectBothLocales(card: CardJson): void {
  const localized = walk(card).filter((o) => o.i18n_content !== undefined);
  expect(localized.length).toBeGreaterThanOrEqual(4); // summary, title, subtitle, body
  for (const o of localized) {
    const i18n = o.i18n_content as Record<Locale, string>;
    expect(Object.keys(i18n).sort()).toEqual(["en_us", "zh_cn"]);
    for (const locale of LOCALES) expect(i18n[locale]).toMatch(/\S/);
    expect(o.content).toBe(i18n.en_us);
  }
  const zh = localized.map((o) => (o.i18n_content as Record<Locale, string>).zh_cn).join("");
  expect(zh).toMatch(/[\u4e00-\u9fff]/);
}
