/**
 * The demo's own pieces: the real bot started in-process against the emulator, and its log lines for a
 * failure report. The transcript and the message feed come from the emulator (test/emulator/transcript.ts).
 */
import { join } from "node:path";
import type { Emulator } from "@taskbot/feishu-emulator";
import {
  ExpectationError as DemoError,
  MessageFeed,
  sleep,
  Transcript,
  useColor,
} from "@taskbot/feishu-emulator";
import { type RunningBot, startBot, tempDir } from "../support/bot";

export { DemoError, MessageFeed, sleep, Transcript, useColor };

export type DemoBot = RunningBot;

/** The real bot (real SDK, real SQLite in a temporary folder) on a free loopback port, talking to `emu`. */
export async function startDemoBot(emu: Emulator, env: Record<string, string> = {}): Promise<DemoBot> {
  const tmp = tempDir();
  try {
    const bot = await startBot(emu, join(tmp.dir, "bot.sqlite"), { LOG_LEVEL: "info", ...env });
    return {
      ...bot,
      stop: async () => {
        try {
          await bot.stop();
        } finally {
          tmp.remove();
        }
      },
    };
  } catch (error) {
    tmp.remove();
    throw error;
  }
}

/** The bot's warn/error log lines, for a failure report. */
export function problemLines(logs: readonly string[], max = 10): string[] {
  return logs
    .filter((line) => /"level":"(warn|error)"/.test(line))
    .slice(-max)
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
}
