/**
 * `npm run console` to a usable page: from spawning the command (npm, tsx, the emulator, the bot, the console's
 * bundle) until Chromium has the page loaded and drawn from its first snapshot (`body[data-ready]`), and the
 * same for the command alone (its "Ready" line). Chromium is started once beforehand: a person's browser is
 * already open. Needs Debian's Chromium (see docs/console.md).
 *
 *   npm run bench:console        env: BENCH_CONSOLE_RUNS (3)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { launchChromium } from "../test/browser/support/chromium";
import { heading, runMain, table } from "./lib/report";
import { fmt, median } from "./lib/stats";

const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 3);
const ROOT = join(__dirname, "..");

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 60 s:\n${out}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

async function main(): Promise<void> {
  heading(`npm run console → usable page (${RUNS} runs)`);
  const browser = await launchChromium();
  const rows: Array<{ ready: number; page: number }> = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const child = spawn("npm", ["run", "--silent", "console"], {
        cwd: ROOT,
        env: { ...process.env, CONSOLE_PORT: "0" },
        stdio: ["ignore", "pipe", "inherit"],
        detached: true,
      });
      try {
        const url = (await waitForLine(child, /Feishu console: (\S+)\n[\s\S]*Ready in/))[1] ?? "";
        const ready = performance.now() - started;
        const page = await browser.newPage();
        await page.goto(url);
        await page.waitForSelector("body[data-ready]");
        rows.push({ ready, page: performance.now() - started });
        await page.close();
      } finally {
        if (child.pid) process.kill(-child.pid, "SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    }
  } finally {
    await browser.close();
  }
  console.log(
    table([
      ["run", "command ready (ms)", "page usable (ms)"],
      ...rows.map((r, i) => [String(i + 1), fmt(r.ready), fmt(r.page)]),
      ["median", fmt(median(rows.map((r) => r.ready))), fmt(median(rows.map((r) => r.page)))],
    ]),
  );
}

runMain(main);
