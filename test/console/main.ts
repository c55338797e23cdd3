/**
 * `npm run console`: the Feishu console in the browser, with no configuration. Starts the Feishu emulator,
 * the real bot against it (real SDK, SQLite in a temporary folder, in this process) and the console, prints
 * the console's URL and opens nothing. Ctrl-C stops all three.
 * `npm run console -- --transport websocket`: the bot takes its events over Feishu's long connection.
 * CONSOLE_PORT picks the port (default 9100, or a free one when 9100 is taken).
 */
import { startConsole, startEmulator } from "@taskbot/feishu-emulator";
import { startDemoBot } from "../demo/conversation";
import { TRANSPORTS, type Transport } from "../support/transport";

const DEFAULT_PORT = 9100;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function transportOf(argv: string[]): Transport {
  const at = argv.indexOf("--transport");
  const value = at >= 0 ? argv[at + 1] : "webhook";
  if (!TRANSPORTS.includes(value as Transport)) fail("--transport must be webhook or websocket");
  return value as Transport;
}

function portOf(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 65535)
    fail(`CONSOLE_PORT must be a port number, got "${raw}"`);
  return Number(raw);
}

async function main(): Promise<void> {
  const started = performance.now();
  const transport = transportOf(process.argv.slice(2));
  const chosen = portOf(process.env.CONSOLE_PORT);
  const emu = await startEmulator({
    encryptKey: "console-encrypt-key",
    verificationToken: "console-verification-token",
  });
  const bot = await startDemoBot(emu, { FEISHU_EVENT_TRANSPORT: transport });
  const target = { eventUrl: transport === "webhook" ? bot.eventUrl : "" };
  const console_ = await startConsole(emu, { bot: target, port: chosen ?? DEFAULT_PORT }).catch((error) => {
    if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
    if (chosen !== undefined) fail(`Port ${chosen} is already in use: set CONSOLE_PORT to another port.`);
    return startConsole(emu, { bot: target, port: 0 });
  });
  if (transport === "websocket") await emu.longConnection.waitForConnections(1, 15_000);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `Feishu console: ${console_.url}\n` +
      `  the real bot (SQLite in a temporary folder) talks to the Feishu emulator at ${emu.url};\n` +
      `  events reach it over the ${transport === "webhook" ? "webhook, encrypted and signed" : "long connection"}.\n` +
      `  Ready in ${seconds} s. Open the URL in a browser; Ctrl-C stops everything.\n`,
  );

  let closing = false;
  const close = async (why: string) => {
    if (closing) return;
    closing = true;
    const grace = setTimeout(() => process.exit(0), 5000);
    grace.unref();
    await console_.close().catch(() => undefined);
    await bot.stop().catch(() => undefined);
    await emu.close().catch(() => undefined);
    process.stdout.write(`console closed (${why})\n`);
    process.exit(0);
  };
  process.on("SIGINT", () => void close("Ctrl-C"));
  process.on("SIGTERM", () => void close("SIGTERM"));
}

main().catch((error: unknown) => fail(`console: ${error instanceof Error ? error.message : String(error)}`));
