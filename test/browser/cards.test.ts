/**
 * Every card of cards/, in both locales, drawn by the emulator's renderer in Chromium and compared with its
 * committed picture (test/browser/__screenshots__/, written by `npm run screenshots`) within a small pixel
 * tolerance. A card that changes without its picture fails here, with a picture of the difference.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GALLERY_LOCALES, gallery } from "./support/card-gallery";
import { type LaunchedBrowser, launchChromium } from "./support/chromium";
import { cardPicture, compare, MAX_DIFF_RATIO } from "./support/pictures";

const REFERENCE_DIR = join(__dirname, "__screenshots__");
const cards = gallery();
let browser: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
});

describe("every card, as the Feishu client draws it", () => {
  it("has a committed picture for each card and locale, and no picture without a card", () => {
    for (const name of Object.keys(cards)) {
      for (const locale of GALLERY_LOCALES)
        expect(existsSync(join(REFERENCE_DIR, `${name}.${locale}.png`)), name).toBe(true);
    }
  });

  it.each(Object.keys(cards).flatMap((name) => GALLERY_LOCALES.map((locale) => [name, locale] as const)))(
    "%s (%s) matches its picture",
    async (name, locale) => {
      const png = await cardPicture(page, cards[name], locale);
      const difference = compare(png, readFileSync(join(REFERENCE_DIR, `${name}.${locale}.png`)));
      if (!difference.same) {
        const out = join(tmpdir(), "taskbot-screenshots");
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, `${name}.${locale}.actual.png`), png);
        if (difference.diff) writeFileSync(join(out, `${name}.${locale}.diff.png`), difference.diff);
      }
      expect(
        difference.same,
        `${name} (${locale}): ${difference.pixels} pixels differ (${difference.size}, allowed ${MAX_DIFF_RATIO * 100} %); ` +
          `see ${join(tmpdir(), "taskbot-screenshots")}, or run npm run screenshots if the change is intended`,
      ).toBe(true);
    },
  );

  it("draws the texts of the locale asked for, and nothing as an unknown component", async () => {
    await cardPicture(page, cards["status-running"], "zh_cn");
    const zh = (await page.locator(".fc-card").textContent()) ?? "";
    expect(zh).toContain("进行中");
    expect(zh).toContain("立即刷新");
    await cardPicture(page, cards["status-running"], "en_us");
    const en = (await page.locator(".fc-card").textContent()) ?? "";
    expect(en).toContain("Running");
    expect(en).toContain("Refresh now");
    for (const [name, card] of Object.entries(cards)) {
      await cardPicture(page, card, "en_us");
      expect(await page.locator(".fc-unsupported").count(), name).toBe(0);
    }
  });

  it("tells a changed card from its picture (the comparison is not blind)", async () => {
    const running = await cardPicture(page, cards["status-running"], "en_us");
    const success = await cardPicture(page, cards["status-success"], "en_us");
    expect(compare(running, running).same).toBe(true);
    expect(compare(running, success).same).toBe(false);
  });
});
