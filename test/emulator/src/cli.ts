/**
 * `npm run emulator`: the Feishu emulator as a standalone server, to try the bot by hand without a Feishu app.
 *
 * Listens on http://127.0.0.1:9000 (EMULATOR_PORT overrides), prints the line that starts the bot against it,
 * serves the Feishu console (a chat in the browser, console/) on the next port (EMULATOR_CONSOLE_PORT
 * overrides; a free one when EMULATOR_PORT is 0), then sends every line typed on stdin to the bot (BOT_URL, default http://127.0.0.1:3000/webhook/event) as a
 * direct message, encrypted and signed as Feishu does, and prints the bot's replies and card updates as they
 * arrive. Ctrl-D or Ctrl-C closes it.
 */
import { createInterface } from "node:readline";
import {
  DEFAULT_USER_OPEN_ID,
  type Emulator,
  type RecordedRequest,
  startConsole,
  startEmulator,
} from "./index";
import { MessageFeed, Transcript, useColor } from "./transcript";

export const CLI_DEFAULTS = {
  port: 9000,
  encryptKey: "emulator-encrypt-key",
  verificationToken: "emulator-token",
  botUrl: "http://127.0.0.1:3000/webhook/event",
} as const;

/** Scripted Drive tasks: `process` until `afterMs` past the bot's first task_check, then `status`. */
const SCRIPT: Readonly<Record<string, { status: "success" | "fail"; afterMs: number }>> = {
  "7360595374803812356": { status: "success", afterMs: 20_000 },
  "7360595374803812001": { status: "fail", afterMs: 10_000 },
};

const USER = DEFAULT_USER_OPEN_ID;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function readPort(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65535) {
    fail(`${name} must be a whole number from 0 to 65535, got "${raw}"`, 64);
  }
  return port;
}

/** The command that starts the bot against this emulator (PORT too when BOT_URL is not the bot's default). */
function botCommand(emu: Emulator, botUrl: string): string {
  let port = "";
  try {
    const url = new URL(botUrl);
    if (url.port && url.port !== "3000") port = ` PORT=${url.port}`;
  } catch {
    // an odd BOT_URL: deliveries will say so
  }
  return (
    `FEISHU_APP_ID=${emu.options.appId} FEISHU_APP_SECRET=${emu.options.appSecret} ` +
    `FEISHU_ENCRYPT_KEY=${emu.options.encryptKey} FEISHU_VERIFICATION_TOKEN=${emu.options.verificationToken} ` +
    `FEISHU_DOMAIN=${emu.url}${port} npm start`
  );
}

/** The bot's OAuth callback (`<PUBLIC_URL>/oauth/callback`) next to BOT_URL, whitelisted for the page. */
function oauthCallback(botUrl: string): string[] {
  try {
    return [`${new URL(botUrl).origin}/oauth/callback`];
  } catch {
    return [];
  }
}

const two = (n: number) => String(n).padStart(2, "0");
const clock = (at: number) => {
  const d = new Date(at);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
};

async function main(): Promise<void> {
  const port = readPort(process.env.EMULATOR_PORT, CLI_DEFAULTS.port, "EMULATOR_PORT");
  const consolePort = readPort(
    process.env.EMULATOR_CONSOLE_PORT,
    port === 0 ? 0 : port + 1,
    "EMULATOR_CONSOLE_PORT",
  );
  const botUrl = process.env.BOT_URL?.trim() || CLI_DEFAULTS.botUrl;
  let emu: Emulator;
  try {
    emu = await startEmulator({
      port,
      encryptKey: CLI_DEFAULTS.encryptKey,
      verificationToken: CLI_DEFAULTS.verificationToken,
      redirectUris: oauthCallback(botUrl),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") fail(`Port ${port} is already in use: set EMULATOR_PORT to another port.`, 1);
    throw error;
  }
  const console_ = await startConsole(emu, { bot: { eventUrl: botUrl }, port: consolePort }).catch(
    (error: unknown) => {
      if ((error as { code?: string }).code === "EADDRINUSE")
        fail(`Port ${consolePort} is already in use: set EMULATOR_CONSOLE_PORT to another port.`, 1);
      throw error;
    },
  );
  const color = useColor();
  const t = new Transcript({
    color,
    names: { [USER]: "You", [emu.options.botOpenId]: emu.options.botName },
    stamp: clock,
  });
  let dmChat = ""; // the p2p chat of USER, known from the first message
  const feed = new MessageFeed(
    emu,
    t,
    (chatId) => `${emu.options.botName} (${chatId === dmChat ? "DM" : chatId})`,
  );

  // Drive tasks end by time, counted from the bot's first task_check of each.
  const timers = new Set<NodeJS.Timeout>();
  const started = new Set<string>();
  for (const id of Object.keys(SCRIPT)) emu.setTaskStatus(id, "process");
  let botSeen = false;
  emu.onRequest((r: RecordedRequest) => {
    if (r.route === "bot_info" && !botSeen) {
      botSeen = true;
      t.note("the bot connected (it read its identity: GET /open-apis/bot/v3/info)");
    }
    if (r.route === "token") {
      const body = (r.body ?? {}) as { app_id?: unknown; app_secret?: unknown };
      if (body.app_id !== emu.options.appId || body.app_secret !== emu.options.appSecret) {
        t.note(
          `a token request with the wrong app id or secret: start the bot with FEISHU_APP_ID=${emu.options.appId} ` +
            `FEISHU_APP_SECRET=${emu.options.appSecret}`,
        );
      }
    }
    const id = r.query.task_id ?? "";
    const plan = r.route === "task_check" ? SCRIPT[id] : undefined;
    if (!plan || started.has(id)) return;
    started.add(id);
    t.note(`Feishu Drive: task ${id} is running; it will end (${plan.status}) in ${plan.afterMs / 1000} s`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      emu.setTaskStatus(id, plan.status);
      t.note(`Feishu Drive: task ${id} ended: ${plan.status}`);
    }, plan.afterMs);
    timers.add(timer);
  });

  t.line(`Feishu emulator listening on ${emu.url}`);
  t.line(`Feishu console (chat with the bot in a browser): ${console_.url}`);
  t.line("");
  t.line("Start the bot in another terminal with:");
  t.line("");
  t.line(`  ${botCommand(emu, botUrl)}`);
  t.line("");
  t.line("Scripted Drive tasks (the clock starts at the bot's first check of each):");
  for (const [id, plan] of Object.entries(SCRIPT)) {
    t.line(`  ${id}  running, then ${plan.status} after ${plan.afterMs / 1000} s`);
  }
  t.line("  any other id is unknown to Feishu (1061003)");
  for (const uri of emu.options.redirectUris) {
    t.line(`Authorization page (user tokens): ${uri} is whitelisted as a redirect URL`);
  }
  t.line("");
  t.line(`Each line you type goes to the bot at ${botUrl} as a direct message from "You",`);
  t.line("e.g. /status 7360595374803812356 or /help. Ctrl-D or Ctrl-C quits.");
  t.line("");
  feed.start(100);

  let closing = false;
  const pending = new Set<Promise<unknown>>();
  const close = async (why: string) => {
    if (closing) return;
    closing = true;
    // Deliveries under way finish first (a piped script's last line gets its answer), for at most 3 s.
    const grace = new Promise((resolve) => setTimeout(resolve, 3000).unref());
    await Promise.race([Promise.allSettled([...pending]), grace]);
    feed.stop();
    for (const timer of timers) clearTimeout(timer);
    feed.flush();
    await console_.close();
    await emu.close();
    t.line(`emulator closed (${why})`);
    process.exit(0);
  };

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = createInterface({ input: process.stdin, terminal: interactive });
  rl.on("line", (raw) => {
    const text = raw.trim();
    if (text === "" || closing) return;
    if (interactive) process.stdout.write("\x1b[1A\x1b[2K"); // replace the typed line with its transcript line
    t.say("You (DM)", "›", text);
    const env = emu.messageEvent({ chatType: "p2p", senderOpenId: USER, text });
    dmChat = env.event.message.chat_id;
    const delivery = emu.deliver(botUrl, env).then(
      (answer) => {
        if (answer.status !== 200) {
          t.note(
            `the bot answered HTTP ${answer.status} ${answer.text.slice(0, 200)}: is it started with the ` +
              "FEISHU_ENCRYPT_KEY and FEISHU_VERIFICATION_TOKEN printed above?",
          );
        }
      },
      (error: unknown) => {
        const reason = (error as { code?: string }).code ?? String(error);
        t.note(
          `could not reach the bot at ${botUrl} (${reason}): is it running? Start it with the line above.`,
        );
      },
    );
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
  });
  rl.on("close", () => void close("end of input"));
  rl.on("SIGINT", () => void close("Ctrl-C"));
  process.on("SIGINT", () => void close("SIGINT"));
  process.on("SIGTERM", () => void close("SIGTERM"));
}

main().catch((error: unknown) =>
  fail(`emulator: ${error instanceof Error ? error.message : String(error)}`, 1),
);
