import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type App, type AppDeps, createApp } from "../../src/app";
import { readConfig } from "../../src/config";
import { createLogger, type Logger } from "../../src/logger";

export const ENCRYPT_KEY = "bench-encrypt-key";
export const VERIFICATION_TOKEN = "bench-verification-token";
export const APP_ID = "cli_a1b2c3d4e5f60718";
export const APP_SECRET = "emulator-secret";

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

/** The real app, built but neither listening nor started. */
export function createBotApp(
  emulatorUrl: string,
  dbPath: string,
  env: Record<string, string> = {},
  deps: Partial<AppDeps> = {},
): App {
  return createApp(readConfig(botEnv(emulatorUrl, dbPath, env)), { logger: quietLogger(), ...deps });
}

export interface RunningBot {
  app: App;
  url: string;
  stop(): Promise<void>;
}

/** The real app (createApp: real SDK, real SQLite file), listening on a free loopback port, started. */
export async function startBot(
  emulatorUrl: string,
  dbPath: string,
  env: Record<string, string> = {},
  deps: Partial<AppDeps> = {},
  /** Called with the app before it starts (to instrument it). */
  beforeStart?: (app: App) => void,
): Promise<RunningBot> {
  const app = createBotApp(emulatorUrl, dbPath, env, deps);
  beforeStart?.(app);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.http.listen(0, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  await app.start();
  return {
    app,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await app.stop();
      await closed;
    },
  };
}
