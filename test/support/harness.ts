import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { type Emulator, type EmulatorOptions, type EventEnvelope, startEmulator } from "../emulator";
import { type RunningBot, startBot, startTestEmulator, tempDir } from "./bot";
import { type ChildBot, spawnBot } from "./child-bot";
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

/**
 * An emulator, a database folder and the built bot as a child process (spawn, kill, spawn again on the same
 * database) for each test, over one transport; everything is stopped and removed afterwards.
 */
export function useChildBot(transport: Transport, emulatorOptions: EmulatorOptions = {}) {
  const state = {} as { emu: Emulator; tmp: ReturnType<typeof tempDir>; bot: ChildBot | undefined };
  beforeEach(async () => {
    state.tmp = tempDir();
    state.emu = await startTestEmulator(emulatorOptions);
    state.bot = undefined;
  });
  afterEach(async () => {
    state.bot?.child.kill("SIGKILL");
    await state.emu.close();
    state.tmp.remove();
  });
  const fixture = {
    transport,
    get emu() {
      return state.emu;
    },
    get dbPath() {
      return join(state.tmp.dir, "bot.sqlite");
    },
    /** The running bot; throws when none was spawned. */
    get bot(): ChildBot {
      if (!state.bot) throw new Error("no bot: call spawn() first");
      return state.bot;
    },
    /** Starts the built bot on this test's database (again, after a kill: a restart). */
    async spawn(env: Record<string, string> = {}, options: { waitReady?: boolean } = {}) {
      state.bot = await spawnBot(state.emu, fixture.dbPath, { ...transportEnv(transport), ...env }, options);
      return state.bot;
    },
    /** Feishu delivering an event to the running bot over this transport. */
    send: (envelope: EventEnvelope<object>, opts?: { eventId?: string; path?: string }) =>
      feishuSide(state.emu, transport, () => fixture.bot.url).send(envelope, opts),
  };
  return fixture;
}

/**
 * One emulator for the whole file, reset before each test; after each, no request may have been refused by
 * Feishu's rate limits (the pacer keeps the bot under every limit, faults or not). Read `emu` inside tests.
 */
export function useEmulator(options: EmulatorOptions = {}): { emu: Emulator } {
  const fixture = {} as { emu: Emulator };
  beforeAll(async () => {
    fixture.emu = await startEmulator(options);
  });
  afterAll(() => fixture.emu.close());
  beforeEach(() => fixture.emu.reset());
  afterEach(() => {
    expect(fixture.emu.violations()).toEqual([]);
  });
  return fixture;
}
