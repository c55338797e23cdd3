import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Emulator } from "@taskbot/feishu-emulator";
import { emulatorEnv } from "./bot";

const ROOT = join(__dirname, "..", "..");
export const MAIN = join(ROOT, "dist", "src", "main.js");

export interface ChildBot {
  url: string;
  eventUrl: string;
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  output: string[];
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * A port free now, for a process started next to listen on. Drawn below Linux's ephemeral range (32768 and
 * up): a port the kernel hands out (port 0) is also what it gives the next outgoing connection, which could
 * take it before the process listens (seen once as a bot failing to start in a full run).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(port)) return port;
  }
  return bindable(0);
}

/** Listens on `port` and closes again: the port listened on, or 0 when it was taken. */
function bindable(port: number): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(0));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** The built bot as its own process (what `npm start` runs), configured for the emulator. */
export async function spawnBot(
  emu: Emulator,
  dbPath: string,
  env: Record<string, string> = {},
  options: { waitReady?: boolean } = {},
): Promise<ChildBot> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
  // A PORT given (user authorization needs PUBLIC_URL before the bot starts) is used; else a free one.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      ...emulatorEnv(emu, dbPath),
      PORT: String(port),
      HOST: "127.0.0.1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const url = `http://127.0.0.1:${port}`;
  const bot = { url, eventUrl: `${url}/webhook/event`, child, output, exited };
  if (options.waitReady !== false) await waitReady(bot);
  return bot;
}

async function waitReady(bot: ChildBot, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void bot.exited.then(() => {
    ended = true;
  });
  while (Date.now() < deadline && !ended) {
    const status = await fetch(`${bot.url}/healthz`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  bot.child.kill("SIGKILL");
  throw new Error(`bot did not become ready:\n${bot.output.slice(-20).join("\n")}`);
}
