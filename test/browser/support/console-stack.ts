/**
 * What `npm run console` starts, in the test's process: the emulator, the real bot against it (real SDK,
 * SQLite in a temporary folder) over one transport, and the console; plus a page on it that records every
 * console error, page error and failed request, which a test expects to stay empty.
 */
import { join } from "node:path";
import { type Emulator, type RunningConsole, startConsole } from "@taskbot/feishu-emulator";
import type { Page } from "playwright-core";
import { type RunningBot, startBot, startTestEmulator, tempDir } from "../../support/bot";
import type { Transport } from "../../support/transport";
import type { LaunchedBrowser } from "./chromium";

export interface ConsoleStack {
  emu: Emulator;
  bot: RunningBot;
  console: RunningConsole;
  close(): Promise<void>;
}

export async function startConsoleStack(transport: Transport): Promise<ConsoleStack> {
  const emu = await startTestEmulator();
  const tmp = tempDir();
  const bot = await startBot(emu, join(tmp.dir, "bot.sqlite"), { FEISHU_EVENT_TRANSPORT: transport });
  if (transport === "websocket") await emu.longConnection.waitForConnections(1, 15_000);
  const console_ = await startConsole(emu, {
    bot: { eventUrl: transport === "webhook" ? bot.eventUrl : "" },
  });
  return {
    emu,
    bot,
    console: console_,
    close: async () => {
      await console_.close();
      await bot.stop();
      await emu.close();
      tmp.remove();
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and failed requests, as lines. */
  problems: string[];
}

export async function openConsole(browser: LaunchedBrowser, url: string): Promise<WatchedPage> {
  const page = await browser.newPage({ width: 1280, height: 800 });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // The event stream is cut when the page goes away; that is no failure.
    if (!r.url().endsWith("/api/events"))
      problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector("body[data-ready]");
  return { page, problems };
}
