import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { Emulator } from "../emulator";
import { type RunningBot, startBot, startTestEmulator, tempDir } from "./bot";

export * from "./bot";

export interface BotFixture {
  emu: Emulator;
  bot: RunningBot;
}

/**
 * An emulator and a bot on a fresh database for each test ("each") or for the whole file ("all"),
 * stopped and removed afterwards. Read `emu` and `bot` from the returned object inside tests.
 */
export function useBot(scope: "each" | "all" = "each", env: Record<string, string> = {}): BotFixture {
  const fixture = {} as BotFixture & { tmp: ReturnType<typeof tempDir> };
  (scope === "each" ? beforeEach : beforeAll)(async () => {
    fixture.tmp = tempDir();
    fixture.emu = await startTestEmulator();
    fixture.bot = await startBot(fixture.emu, join(fixture.tmp.dir, "bot.sqlite"), env);
  });
  (scope === "each" ? afterEach : afterAll)(async () => {
    await fixture.bot.stop();
    await fixture.emu.close();
    fixture.tmp.remove();
  });
  return fixture;
}
