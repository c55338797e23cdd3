import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DEFAULT_OPTIONS } from "@taskbot/feishu-emulator";
import type { App } from "../../src/app";
import { readConfig } from "../../src/config";
import { createLogger, type Logger } from "../../src/logger";
import { type ServerDeps, startServer } from "../../src/server";

export const ENCRYPT_KEY = "bench-encrypt-key";
export const VERIFICATION_TOKEN = "bench-verification-token";
/** The emulator's own credentials: the child processes know only its URL. */
const { appId: APP_ID, appSecret: APP_SECRET } = DEFAULT_OPTIONS;

/** A temporary folder, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "taskbot-bench-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The bot's own logger at LOG_LEVEL=error, writing to a stream that drops everything. */
export function quietLogger(): Logger {
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  return createLogger({
    level: "error",
    format: "json",
    secrets: [APP_SECRET, ENCRYPT_KEY, VERIFICATION_TOKEN],
    stream: sink,
  });
}

/** The environment the bot would read, pointed at an emulator, with the defaults unless overridden. */
export function botEnv(emulatorUrl: string, dbPath: string, env: Record<string, string> = {}) {
  return {
    FEISHU_APP_ID: APP_ID,
    FEISHU_APP_SECRET: APP_SECRET,
    FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
    FEISHU_VERIFICATION_TOKEN: VERIFICATION_TOKEN,
    FEISHU_DOMAIN: emulatorUrl,
    DATABASE_URL: `sqlite:${dbPath}`,
    LOG_LEVEL: "error",
    LOG_FORMAT: "json",
    BOT_LOCALE: "en_us",
    ...env,
  };
}

export interface RunningBot {
  app: App;
  url: string;
  stop(): Promise<void>;
}

/** The real bot (startServer: real SDK, real store, real scheduler) on a free loopback port, started. */
export async function startBot(
  emulatorUrl: string,
  dbPath: string,
  env: Record<string, string> = {},
  deps: Partial<ServerDeps> = {},
): Promise<RunningBot> {
  const config = readConfig(botEnv(emulatorUrl, dbPath, env));
  // A PORT given (user authorization's PUBLIC_URL names it) is listened on; else a free one.
  const port = env.PORT ? Number(env.PORT) : 0;
  const server = await startServer(config, { logger: quietLogger(), ...deps }, { port, host: "127.0.0.1" });
  return { app: server.app, url: server.url, stop: () => server.stop(0) };
}
