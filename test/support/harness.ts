import { join } from "node:path";
import {
  type Emulator,
  type EmulatorOptions,
  type EventEnvelope,
  startEmulator,
} from "@taskbot/feishu-emulator";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { type RunningBot, startBot, startTestEmulator, tempDir } from "./bot";
import { type ChildBot, spawnBot } from "./child-bot";
import { freshDatabase, type TestDatabase } from "./postgres";
import { type Delivery, feishuSide, TRANSPORTS, type Transport, transportEnv } from "./transport";

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
  env: Record<string, string> | ((emu: Emulator) => Promise<Record<string, string>>) = {},
  transport: Transport = "webhook",
  store: StoreKind = "sqlite",
  emulatorOptions: EmulatorOptions = {},
): BotFixture {
  const fixture = { transport } as BotFixture & { tmp: ReturnType<typeof tempDir>; db?: TestDatabase };
  (scope === "each" ? beforeEach : beforeAll)(async () => {
    fixture.tmp = tempDir();
    fixture.db = store === "postgres" ? await freshDatabase() : undefined;
    fixture.emu = await startTestEmulator(emulatorOptions);
    fixture.bot = await startBot(fixture.emu, join(fixture.tmp.dir, "bot.sqlite"), {
      ...transportEnv(transport),
      ...(fixture.db && { DATABASE_URL: fixture.db.url }),
      ...(typeof env === "function" ? await env(fixture.emu) : env),
    });
    fixture.send = feishuSide(fixture.emu, transport, () => fixture.bot.url).send;
  });
  (scope === "each" ? afterEach : afterAll)(async () => {
    await fixture.bot.stop();
    await fixture.emu.close();
    await fixture.db?.drop();
    fixture.tmp.remove();
  });
  return fixture;
}

/** The two stores; the suites that run over both take them from here. */
export const STORES = ["sqlite", "postgres"] as const;
export type StoreKind = (typeof STORES)[number];
/** Every transport on every store, for describe.each: [transport, store]. */
export const PATHS = TRANSPORTS.flatMap((transport) => STORES.map((store) => [transport, store] as const));

/**
 * An emulator, a database folder and the built bot as a child process (spawn, kill, spawn again on the same
 * database) for each test, over one transport; everything is stopped and removed afterwards.
 */
export function useChildBot(
  transport: Transport,
  emulatorOptions: EmulatorOptions = {},
  store: StoreKind = "sqlite",
) {
  const state = {} as {
    emu: Emulator;
    tmp: ReturnType<typeof tempDir>;
    bot: ChildBot | undefined;
    db: TestDatabase | undefined;
  };
  beforeEach(async () => {
    state.tmp = tempDir();
    state.db = store === "postgres" ? await freshDatabase() : undefined;
    state.emu = await startTestEmulator(emulatorOptions);
    state.bot = undefined;
  });
  afterEach(async () => {
    state.bot?.child.kill("SIGKILL");
    await state.bot?.exited;
    await state.emu.close();
    await state.db?.drop();
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
      const database: Record<string, string> = state.db ? { DATABASE_URL: state.db.url } : {};
      state.bot = await spawnBot(
        state.emu,
        fixture.dbPath,
        { ...transportEnv(transport), ...database, ...env },
        options,
      );
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
