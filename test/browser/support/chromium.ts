/**
 * Debian's Chromium driven by playwright-core (which brings no browser of its own): the flags that let it run
 * as root, headless, on a machine without network (no background connections, no component updates), and a
 * fresh profile each time. When Chromium is missing, one line says how to install it.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const INSTALL_HINT =
  "Chromium is missing: apt-get install -y --no-install-recommends chromium fonts-noto-cjk fonts-noto-color-emoji (or set CHROMIUM_PATH)";

export interface LaunchedBrowser {
  context: BrowserContext;
  /** A new tab of this size (default 1280×800). */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(INSTALL_HINT);
  const profile = mkdtempSync(join(tmpdir(), "taskbot-chromium-"));
  // A fresh profile each run (playwright passes it to Chromium as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--font-render-hinting=none",
    ],
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    timezoneId: "UTC",
    locale: "en-US",
  });
  return {
    context,
    newPage: async (viewport) => {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
