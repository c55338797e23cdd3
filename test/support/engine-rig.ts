import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import type { Emulator } from "@taskbot/feishu-emulator";
import { afterEach, beforeEach } from "vitest";
import { Identities } from "../../src/auth/identities";
import { Sealer } from "../../src/auth/sealing";
import type { NewWatch, Watch } from "../../src/core/watch";
import { FeishuClient } from "../../src/feishu/client";
import { OAuthClient } from "../../src/feishu/oauth-client";
import { PacedFeishu } from "../../src/feishu/paced";
import { createLogger } from "../../src/logger";
import { createMetrics } from "../../src/metrics";
import { Outbox } from "../../src/outbox";
import { PostgresStore } from "../../src/store/postgres";
import type { Store } from "../../src/store/roles";
import { SqliteStore } from "../../src/store/sqlite";
import { WatchEngine } from "../../src/watch/engine";
import { type StoreKind, useEmulator } from "./harness";
import { freshDatabase, memoryLogger, type TestDatabase } from "./postgres";
import { grantAt } from "./user-auth";

/** The watch engine with a hand-driven clock, real SQLite in memory and the real SDK against the emulator. */
export function engineRig(
  emu: Emulator,
  options: {
    pollIntervalSeconds?: number;
    watchTimeoutMinutes?: number;
    taskCheckRps?: number;
    /** Default: SQLite in memory. */
    store?: Store;
    /** User authorization on: the engine gets real Identities (sealed tokens in the store, OAuth at the emulator). */
    userAuth?: boolean;
  } = {},
) {
  const clock = { now: Date.UTC(2026, 0, 1, 9, 0, 0) };
  const now = () => clock.now;
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => logs.push(c.toString()));
  const logger = createLogger({ level: "debug", format: "json", secrets: [emu.options.appSecret], stream });
  const store = options.store ?? new SqliteStore(":memory:");
  const metrics = createMetrics(() => store.countOpenWatches());
  const client = new FeishuClient({
    appId: emu.options.appId,
    appSecret: emu.options.appSecret,
    domain: emu.url,
    logger,
    timeoutMs: 2000,
  });
  const taskCheckRps = options.taskCheckRps ?? 50;
  const feishu = new PacedFeishu(client, store, { taskCheckRps, metrics });
  const identities = options.userAuth ? rigIdentities(emu, store, metrics, logger, now) : undefined;
  const engine = new WatchEngine({
    store,
    feishu,
    identities,
    outbox: new Outbox(store, feishu, now),
    logger,
    metrics,
    now,
    owner: "test-owner",
    pollIntervalSeconds: options.pollIntervalSeconds ?? 5,
    taskCheckRps,
    watchTimeoutMinutes: options.watchTimeoutMinutes ?? 60,
    locale: "en_us",
  });
  let n = 0;
  /** Creates watches as a /status command would, for a message the emulator knows (so replies work). */
  const watch = async (taskId: string, over: Partial<NewWatch> = {}) => {
    // Each in a DM of its own: a chat has one open watch per task.
    const event = emu.messageEvent({
      chatType: "p2p",
      text: `/status ${taskId}`,
      messageId: `om_rig_${++n}`,
      senderOpenId: `ou_rig_user_${n}`,
    });
    const message = event.event.message;
    const { watch: w } = await store.createWatch(
      {
        tenantKey: "",
        taskId,
        origin: "command",
        chatId: message.chat_id,
        chatType: "p2p",
        requesterOpenId: "ou_requester",
        commandMessageId: message.message_id,
        ...over,
      },
      clock.now,
    );
    return w as Watch & { commandMessageId: string };
  };
  /** Runs rounds, moving the clock to the watch's next due time each time, until `done` or `max` rounds. */
  const runUntil = async (id: number, done: () => boolean | Promise<boolean>, max = 20) => {
    for (let i = 0; i < max && !(await done()); i++) {
      const w = await store.getWatch(id);
      if (w && w.nextCheckAt > clock.now) clock.now = w.nextCheckAt;
      await engine.round();
    }
  };
  /** The person authorizes at Feishu (the page, a code, the exchange), and the tokens are kept, sealed. */
  const authorize = async (openId: string) => {
    if (!identities) throw new Error("engineRig: userAuth is off");
    await identities.keep("", openId, await grantAt(emu, rigOAuth(emu, logger), openId, RIG_REDIRECT));
  };
  return {
    clock,
    store,
    engine,
    /** The paced client the engine uses (the real SDK against the emulator). */
    feishu,
    metrics,
    logs,
    watch,
    runUntil,
    authorize,
    advance: (ms: number) => (clock.now += ms),
  };
}

const RIG_REDIRECT = "http://bot.rig.test/oauth/callback";

function rigOAuth(emu: Emulator, logger: ReturnType<typeof createLogger>): OAuthClient {
  return new OAuthClient({
    appId: emu.options.appId,
    appSecret: emu.options.appSecret,
    domain: emu.url,
    accountsDomain: emu.url,
    logger,
  });
}

function rigIdentities(
  emu: Emulator,
  store: Store,
  metrics: ReturnType<typeof createMetrics>,
  logger: ReturnType<typeof createLogger>,
  now: () => number,
): Identities {
  emu.oauth.allowRedirectUri(RIG_REDIRECT);
  const keys = [randomBytes(32)];
  return new Identities({
    config: { publicUrl: "http://bot.rig.test", redirectUri: RIG_REDIRECT, keys, accountsDomain: emu.url },
    store,
    oauth: rigOAuth(emu, logger),
    sealer: new Sealer(keys),
    metrics,
    logger,
    now,
  });
}

/**
 * The emulator (shared by a file's tests) and, for each test, a fresh store of `kind` (SQLite in memory, or a
 * fresh PostgreSQL database) under the rigs that test builds.
 */
export function useRig(kind: StoreKind = "sqlite") {
  const fixture = useEmulator();
  let store: Store | undefined;
  let db: TestDatabase | undefined;
  beforeEach(async () => {
    db = kind === "postgres" ? await freshDatabase() : undefined;
    store = db
      ? await PostgresStore.open(db.url, memoryLogger().logger, { max: 4 })
      : new SqliteStore(":memory:");
  });
  afterEach(async () => {
    await store?.close();
    await db?.drop();
  });
  return {
    get emu() {
      return fixture.emu;
    },
    rig: (options: Omit<Parameters<typeof engineRig>[1], "store"> = {}) =>
      engineRig(fixture.emu, { ...options, store }),
  };
}
