import { PassThrough } from "node:stream";
import { type Emulator, type EmulatorOptions, startEmulator } from "@taskbot/feishu-emulator";
import type { Locale } from "../../cards/types";
import type { App } from "../../src/app";
import { readConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { type ServerDeps, startServer } from "../../src/server";

export { tempDir } from "./temp-dir";

export const ENCRYPT_KEY = "harness-encrypt-key";
export const VERIFICATION_TOKEN = "harness-verification-token";
/** The bot's BOT_LOCALE in tests: its plain-text replies are in this language. */
export const TEST_LOCALE: Locale = "en_us";

export interface RunningBot {
  app: App;
  url: string;
  eventUrl: string;
  dbPath: string;
  /** Every log line the bot wrote, raw. */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * The real bot in-process against the emulator, for tests, the demo and benchmarks (no vitest import here,
 * so plain scripts can use it too; test/support/harness.ts adds the vitest fixtures).
 */

/** The emulator as the tests use it: encrypted, signed events; a long connection re-pushing within a second. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({
    encryptKey: ENCRYPT_KEY,
    verificationToken: VERIFICATION_TOKEN,
    wsRepushDelaysMs: [300, 600, 1200],
    ...options,
  });
}

/** The bot's environment for talking to this emulator, with test-friendly timing and logs. */
export function emulatorEnv(emu: Emulator, dbPath: string): Record<string, string> {
  return {
    FEISHU_APP_ID: emu.options.appId,
    FEISHU_APP_SECRET: emu.options.appSecret,
    FEISHU_ENCRYPT_KEY: emu.options.encryptKey,
    FEISHU_VERIFICATION_TOKEN: emu.options.verificationToken,
    FEISHU_DOMAIN: emu.url,
    DATABASE_URL: `sqlite:${dbPath}`,
    POLL_INTERVAL_SECONDS: "1",
    LOG_LEVEL: "debug",
    LOG_FORMAT: "json",
    BOT_LOCALE: TEST_LOCALE,
  };
}

/** The real app (real SDK, real SQLite) on a free loopback port, talking to the emulator. */
export async function startBot(
  emu: Emulator,
  dbPath: string,
  env: Record<string, string> = {},
  deps: Partial<ServerDeps> = {},
): Promise<RunningBot> {
  const config = readConfig({ ...emulatorEnv(emu, dbPath), ...env });
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => {
    logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (logs.length > 20_000) logs.splice(0, logs.length - 20_000);
  });
  const logger = createLogger({
    level: config.logLevel,
    format: "json",
    secrets: [
      config.appSecret,
      config.encryptKey,
      config.verificationToken,
      ...config.apiTokens.map((t) => t.token),
      ...(config.userAuth?.keys.map((k) => k.toString("base64")) ?? []),
    ],
    stream,
  });
  // A PORT given (user authorization needs its PUBLIC_URL before the bot starts) is listened on; else any free one.
  const port = env.PORT ? Number(env.PORT) : 0;
  const server = await startServer(config, { logger, ...deps }, { port, host: "127.0.0.1" });
  return {
    app: server.app,
    url: server.url,
    eventUrl: `${server.url}/webhook/event`,
    dbPath,
    logs,
    stop: () => server.stop(0),
  };
}

/** Polls an async condition (a store query, say) until it holds; `emu.waitFor` is for synchronous ones. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
