import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { Emulator } from "../emulator";
import { type RunningBot, startBot, startTestEmulator, tempDir } from "./bot";
import { type Delivery, feishuSide, type Transport, transportEnv } from "./transport";

export * from "./bot";
export * from "./transport";

export interface BotFixture {
  emu: Emulator;
  bot: RunningBot;
  /** Feishu delivering events over the fixture's transport. */
  send: ReturnType<typeof feishuSide>["send"];
  transport: Transport;
}

export type { Delivery };

/**
 * An emulator and a bot on a fresh database for each test ("each") or for the whole file ("all"),
 * stopped and removed afterwards. Read `emu` and `bot` from the returned object inside tests.
 */
export function useBot(
  scope: "each" | "all" = "each",
  env: Record<string, string> = {},
  transport: Transport = "webhook",
): BotFixture {
  const fixture = { transport } as BotFixture & { tmp: ReturnType<typeof tempDir> };
  (scope === "each" ? beforeEach : beforeAll)(async () => {
    fixture.tmp = tempDir();
    fixture.emu = await startTestEmulator();
    fixture.bot = await startBot(fixture.emu, join(fixture.tmp.dir, "bot.sqlite"), {
      ...transportEnv(transport),
      ...env,
    });
    fixture.send = feishuSide(fixture.emu, transport, () => fixture.bot.url).send;
  });
  (scope === "each" ? afterEach : afterAll)(async () => {
    await fixture.bot.stop();
    await fixture.emu.close();
    fixture.tmp.remove();
  });
  return fixture;
}
