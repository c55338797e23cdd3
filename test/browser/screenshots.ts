/**
 * `npm run screenshots`: draws every card of cards/ in both locales in Chromium and writes the browser suite's
 * reference pictures (test/browser/__screenshots__/) and the README's (docs/images/), including one of the
 * console with a conversation. A picture within the suite's tolerance of the committed one is left as it is.
 * `npm run screenshots -- --check`: writes nothing; fails, naming them, when a card picture is missing or out
 * of date (the console's picture shows live times and is not checked).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GALLERY_LOCALES, gallery, README_CARDS } from "./support/card-gallery";
import { INSTALL_HINT, launchChromium } from "./support/chromium";
import { cardUnder, openChat, say, startTask } from "./support/console-page";
import { openConsole, startConsoleStack } from "./support/console-stack";
import { cardPicture, cardsPicture, compare } from "./support/pictures";

const ROOT = join(__dirname, "..", "..");
export const REFERENCE_DIR = join(ROOT, "test", "browser", "__screenshots__");
export const README_DIR = join(ROOT, "docs", "images");

async function main(): Promise<number> {
  const check = process.argv.includes("--check");
  const browser = await launchChromium().catch((error: Error) => {
    process.stderr.write(`${error.message === INSTALL_HINT ? INSTALL_HINT : error.message}\n`);
    process.exit(1);
  });
  const stale: string[] = [];
  let written = 0;
  const keep = (file: string, png: Buffer) => {
    const same = existsSync(file) && compare(png, readFileSync(file)).same;
    if (same) return;
    if (check) return void stale.push(file.slice(ROOT.length + 1));
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, png);
    written++;
  };
  try {
    const page = await browser.newPage({ width: 1280, height: 800 });
    const cards = gallery();
    for (const [name, card] of Object.entries(cards)) {
      for (const locale of GALLERY_LOCALES) {
        keep(join(REFERENCE_DIR, `${name}.${locale}.png`), await cardPicture(page, card, locale));
      }
    }
    for (const [file, name] of Object.entries(README_CARDS)) {
      keep(join(README_DIR, `${file}.png`), await cardPicture(page, cards[name], "en_us"));
    }
    keep(
      join(README_DIR, "cards-running-success.png"),
      await cardsPicture(page, [cards["status-running"], cards["status-success"]], "en_us"),
    );
    if (!check) await consolePicture(browser);
  } finally {
    await browser.close();
  }
  if (check && stale.length > 0) {
    process.stderr.write(
      `${stale.length} picture(s) missing or out of date with the cards (run npm run screenshots):\n  ${stale.join("\n  ")}\n`,
    );
    return 1;
  }
  process.stdout.write(check ? "Every card picture is up to date.\n" : `Wrote ${written} picture(s).\n`);
  return 0;
}

/** The console in use: a finished task with its notice, a running one, its toast after Refresh. */
async function consolePicture(browser: Awaited<ReturnType<typeof launchChromium>>): Promise<void> {
  const stack = await startConsoleStack("webhook");
  try {
    const { page } = await openConsole(browser, stack.console.url);
    await openChat(page, "#ops");
    const done = await startTask(page, { operation: "move", outcome: "success", seconds: 2 });
    await say(page, `/status ${done}`);
    await cardUnder(page, done).locator(".fc-header-green").waitFor({ timeout: 15_000 });
    await page.locator(".thread .bubble", { hasText: "finished" }).first().waitFor({ timeout: 10_000 });
    const running = await startTask(page, { operation: "delete", outcome: "success", seconds: 600 });
    await say(page, `/status ${running}`);
    await cardUnder(page, running).getByRole("button", { name: "Refresh now" }).click();
    await page.locator(".toast").first().waitFor();
    writeFileSync(join(README_DIR, "console.png"), await page.screenshot());
  } finally {
    await stack.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`screenshots: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
