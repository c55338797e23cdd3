/**
 * Child process of bench/ingest.ts: one webhook server on a free loopback port, in its own process so it
 * does not share an event loop (or a core) with the load generator.
 *   bot      — the real app (createApp: receiver, SQLite inbox in a temp file, inbox processing, scheduler)
 *   baseline — the SDK's stock webhook: express 5 + express.json() + lark.adaptExpress(EventDispatcher)
 *              with an empty handler, as in the SDK's README
 * Env: BENCH_EMULATOR_URL (bot: Feishu for start-up), BENCH_DB (bot: SQLite file), BENCH_BOT_ENV (bot: JSON
 * of extra settings, e.g. FEISHU_EVENT_TRANSPORT).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as lark from "@larksuiteoapi/node-sdk";
import express from "express";
import { ENCRYPT_KEY, type RunningBot, startBot, VERIFICATION_TOKEN } from "./bot";
import { serve, tell } from "./child";

async function baseline(): Promise<{ port: number; stop: () => Promise<void>; handled: () => number }> {
  let handled = 0;
  const dispatcher = new lark.EventDispatcher({
    encryptKey: ENCRYPT_KEY,
    verificationToken: VERIFICATION_TOKEN,
  }).register({
    "im.message.receive_v1": async () => {
      handled++;
    },
  });
  const app = express();
  app.use(express.json());
  app.post("/webhook/event", lark.adaptExpress(dispatcher, { autoChallenge: true }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    handled: () => handled,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === "baseline") {
    const server = await baseline();
    serve({ stats: () => tell({ type: "stats", handled: server.handled() }) }, server.stop);
    tell({ type: "ready", port: server.port });
    return;
  }
  if (mode !== "bot") throw new Error(`mode must be bot or baseline, got ${mode}`);
  const extra = JSON.parse(process.env.BENCH_BOT_ENV ?? "{}") as Record<string, string>;
  const bot: RunningBot = await startBot(
    process.env.BENCH_EMULATOR_URL ?? "",
    process.env.BENCH_DB ?? "",
    extra,
  );
  serve(
    {
      stats: () => {
        const cpu = process.cpuUsage();
        tell({ type: "stats", cpuMs: (cpu.user + cpu.system) / 1000 });
      },
    },
    bot.stop,
  );
  tell({ type: "ready", port: Number(new URL(bot.url).port) });
}

main().catch((error) => {
  tell({ type: "error", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 100);
});
