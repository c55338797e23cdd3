/**
 * Pictures of cards taken in a real browser, and their comparison with committed ones (pixelmatch on pngjs
 * images). A picture is the card drawn by the emulator's renderer on a page of its own, clipped to the card.
 */
import { cardPage, renderCardHtml } from "@taskbot/feishu-emulator";
import pixelmatch from "pixelmatch";
import type { Page } from "playwright-core";
import { PNG } from "pngjs";
import { CARD_WIDTH, GALLERY_TIME_ZONE, NAMES } from "./card-gallery";

/** Per-pixel colour distance pixelmatch ignores (0–1), and the share of pixels that may still differ. */
export const PIXEL_THRESHOLD = 0.1;
export const MAX_DIFF_RATIO = 0.0001;

export async function cardPicture(page: Page, card: unknown, locale: string): Promise<Buffer> {
  await page.setContent(
    cardPage(card, { locale, names: NAMES, timeZone: GALLERY_TIME_ZONE, width: CARD_WIDTH }),
  );
  await page.evaluate("document.fonts.ready");
  return page.locator(".fc-shot").screenshot({ animations: "disabled" });
}

/** Several cards side by side (the README's header picture). */
export async function cardsPicture(page: Page, cards: unknown[], locale: string): Promise<Buffer> {
  const html = cardPage({}, { locale }).replace(
    /<div class="fc-shot"[\s\S]*<\/body>/,
    `<div class="fc-shot" style="display:inline-flex;gap:16px;align-items:flex-start">${cards
      .map(
        (card) =>
          `<div style="width:${CARD_WIDTH}px">${renderCardHtml(card, { locale, names: NAMES, timeZone: GALLERY_TIME_ZONE })}</div>`,
      )
      .join("")}</div></body>`,
  );
  await page.setContent(html);
  await page.evaluate("document.fonts.ready");
  return page.locator(".fc-shot").screenshot({ animations: "disabled" });
}

export interface Difference {
  /** Pixels that differ beyond the threshold, or -1 when the sizes differ. */
  pixels: number;
  ratio: number;
  size: string;
  /** Within MAX_DIFF_RATIO. */
  same: boolean;
  /** A picture of the difference (red pixels), when the sizes match. */
  diff?: Buffer;
}

export function compare(actual: Buffer, expected: Buffer): Difference {
  const a = PNG.sync.read(actual);
  const b = PNG.sync.read(expected);
  if (a.width !== b.width || a.height !== b.height) {
    return { pixels: -1, ratio: 1, size: `${a.width}×${a.height} vs ${b.width}×${b.height}`, same: false };
  }
  const diff = new PNG({ width: a.width, height: a.height });
  const pixels = pixelmatch(a.data, b.data, diff.data, a.width, a.height, { threshold: PIXEL_THRESHOLD });
  const ratio = pixels / (a.width * a.height);
  return {
    pixels,
    ratio,
    size: `${a.width}×${a.height}`,
    same: ratio <= MAX_DIFF_RATIO,
    diff: PNG.sync.write(diff),
  };
}
