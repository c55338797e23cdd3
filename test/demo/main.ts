/**
 * `npm run demo`: the whole bot offline, no credentials. Starts the Feishu emulator and the real bot
 * in-process, plays a short scripted conversation (a DM, a group, then a deploy script using the watch API) and
 * prints it as a person would see it; the last act is user authorization: a task hidden from the app, the
 * Authorize button, Feishu's page, and the same card coming alive.
 * Ends in well under 30 s; exit 0 when everything expected happened, 1 (with the reason) otherwise.
 * `npm run demo -- --transport websocket` plays it over Feishu's long connection instead of the webhook.
 * `npm run demo -- --html demo.html` also writes the conversation as a page, cards drawn as Feishu draws them
 * (the emulator's card renderer).
 */
import { writeFileSync } from "node:fs";
import {
  type CardCallbackAnswer,
  type ConversationItem,
  conversationPage,
  type Emulator,
  type EventEnvelope,
  type MessageReceiveEvent,
  startEmulator,
} from "@taskbot/feishu-emulator";
import { feishuSide, TRANSPORTS, type Transport } from "../support/transport";
import { userAuthEnv } from "../support/user-auth";
import {
  type DemoBot,
  DemoError,
  MessageFeed,
  problemLines,
  startDemoBot,
  Transcript,
  useColor,
} from "./conversation";

const ALICE = "ou_a11ce00000000000000000000000001";
const BOB = "ou_b0b0000000000000000000000000b001";
const BOBS_TASK = "7360595374803812555"; // a folder move Bob started in his own space: hidden from the app
const OPS_CHAT = "oc_0b5000000000000000000000000000001";
const DM_TASK = "7360595374803812356"; // succeeds after a few checks
const GROUP_TASK = "7360595374803812001"; // fails, after a click on Refresh now
const UNKNOWN_TASK = "7360595374803812999"; // Feishu does not know it
const API_TASK = "7360595374803812777"; // a folder move a deploy script registers through the watch API
const DEMO_API_TOKEN = "demo-api-token-0123456789abcdef";
const DEADLINE_MS = 28_000;

type Envelope = EventEnvelope<MessageReceiveEvent>;

/** The value Feishu would send back when the button with this element id is pressed. */
function buttonValue(card: unknown, elementId: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const visit = (node: unknown): void => {
    if (found || typeof node !== "object" || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.tag === "button" && n.element_id === elementId) {
      const behaviors = Array.isArray(n.behaviors) ? n.behaviors : [];
      found = (behaviors[0] as { value?: Record<string, unknown> } | undefined)?.value;
      return;
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(visit);
      else visit(value);
    }
  };
  visit(card);
  return found;
}

/** `--html <file>`: where to write the conversation as a page, if anywhere. */
function htmlFileOf(argv: string[]): string | undefined {
  const at = argv.indexOf("--html");
  if (at < 0) return undefined;
  const file = argv[at + 1];
  if (!file || file.startsWith("--")) throw new DemoError("--html needs a file name");
  return file;
}

/** `--transport webhook|websocket` (default webhook). */
function transportOf(argv: string[]): Transport {
  const at = argv.indexOf("--transport");
  const value = at >= 0 ? argv[at + 1] : "webhook";
  if (!TRANSPORTS.includes(value as Transport))
    throw new DemoError(`--transport must be webhook or websocket`);
  return value as Transport;
}

async function play(
  emu: Emulator,
  bot: DemoBot,
  t: Transcript,
  feed: MessageFeed,
  transport: Transport,
): Promise<void> {
  const feishu = feishuSide(emu, transport, () => bot.url);
  const botName = emu.options.botName;
  const send = async (label: string, env: Envelope, shown: string) => {
    t.say(label, "›", shown);
    const answer = await feishu.send(env);
    if (answer.status !== 200) throw new DemoError(`the bot answered ${answer.status} to "${shown}"`);
    return env;
  };
  const cardReply = (env: Envelope) =>
    emu.repliesTo(env.event.message.message_id).find((m) => m.msg_type === "interactive");
  const textReply = (env: Envelope) =>
    emu.repliesTo(env.event.message.message_id).find((m) => m.msg_type === "text");
  const template = (messageId: string) => emu.message(messageId)?.card?.header?.template;

  // ---- 1. A direct message: a task that succeeds after a few checks ----
  t.heading("1. Alice asks in a direct message");
  t.restart();
  emu.setTask(DM_TASK, ["process", "process", "process", "success"]);
  t.note(`Feishu Drive: task ${DM_TASK} is running (it will succeed after a few checks)`);
  const dm = await send(
    "Alice (DM)",
    emu.messageEvent({ chatType: "p2p", senderOpenId: ALICE, text: `/status ${DM_TASK}` }),
    `/status ${DM_TASK}`,
  );
  const dmCard = await feed.until("a card in the DM", () => cardReply(dm), 5000);
  await feed.until(
    "the DM card to turn green (success)",
    () => template(dmCard.message_id) === "green",
    15_000,
  );
  const dmNotice = await feed.until("a notification in the DM", () => textReply(dm), 5000);
  if (!/success/i.test(dmNotice.text ?? ""))
    throw new DemoError(`unexpected DM notification: ${dmNotice.text}`);
  await feed.during(300);

  // ---- 2. A group where Alice @-mentions the bot ----
  t.heading("2. Alice @-mentions the bot in the group #ops");
  emu.setTaskStatus(GROUP_TASK, "process");
  t.note(`Feishu Drive: task ${GROUP_TASK} is running`);
  const group = (text: string) =>
    send(
      "Alice (#ops)",
      emu.messageEvent({ chatType: "group", chatId: OPS_CHAT, senderOpenId: ALICE, mentionBot: true, text }),
      `@${botName} ${text}`,
    );

  const watched = await group(`/status ${GROUP_TASK}`);
  const groupCard = await feed.until("a card in #ops", () => cardReply(watched), 5000);

  const unknown = await group(`/status ${UNKNOWN_TASK}`);
  const notFound = await feed.until("a card for the unknown task", () => cardReply(unknown), 5000);
  // Feishu answers alike for a task that does not exist and one the app may not see: with user authorization
  // on, the card asks Alice (it would end as "not found" if nobody authorized within 10 minutes).
  if (notFound.card?.header?.template !== "orange")
    throw new DemoError("the unknown task's card does not ask for an authorization");

  const list = await group("/list");
  await feed.until("the /list card", () => cardReply(list), 5000);
  await feed.during(200);

  // A click on "Refresh now": Feishu posts card.action.trigger and shows the answer's toast and card.
  const value = buttonValue(emu.message(groupCard.message_id)?.card, "btn_refresh");
  if (!value) throw new DemoError(`the card of task ${GROUP_TASK} has no "Refresh now" button`);
  t.say("Alice (#ops)", "⎆", `clicks [ Refresh now ] on the card of task ${GROUP_TASK}`);
  const click = emu.cardActionEvent({
    openMessageId: groupCard.message_id,
    chatId: OPS_CHAT,
    operatorOpenId: ALICE,
    value,
  });
  const answer = await feishu.send(click, { path: "/webhook/card" });
  const body = answer.body as CardCallbackAnswer | undefined;
  const toastText = body?.toast?.i18n?.en_us ?? body?.toast?.content;
  if (answer.status !== 200 || !toastText) {
    throw new DemoError(
      `the click was answered ${answer.status} without a toast: ${JSON.stringify(body).slice(0, 200)}`,
    );
  }
  t.say(`${botName} (#ops)`, "›", `toast: "${toastText}"  (answered in ${Math.round(answer.ms)} ms)`);
  if (body?.card?.data) t.card(`${botName} (#ops)`, "✎", "card updated by the click", body.card.data);
  await feed.during(200);

  // ---- 3. The remaining task ends ----
  emu.setTaskStatus(GROUP_TASK, "fail");
  t.note(`Feishu Drive: task ${GROUP_TASK} has failed`);
  await feed.until(
    "the #ops card to turn red (failed)",
    () => template(groupCard.message_id) === "red",
    10_000,
  );
  const groupNotice = await feed.until("a notification in #ops", () => textReply(watched), 5000);
  if (!/fail/i.test(groupNotice.text ?? ""))
    throw new DemoError(`unexpected notification: ${groupNotice.text}`);
  await feed.during(300);

  // ---- 4. A deploy script moves a folder and asks the bot to watch it (the watch API) ----
  t.heading("4. A deploy script registers a folder move through the watch API");
  emu.setTask(API_TASK, ["process", "process", "success"]);
  t.note(`Feishu Drive: the script's folder move answered task ${API_TASK}`);
  const request = {
    task_id: API_TASK,
    chat_id: OPS_CHAT,
    mention_open_id: ALICE,
    note: "nightly archive of /Reports",
  };
  t.say("deploy script", "⇢", `POST /api/v1/watches ${JSON.stringify(request)}`);
  const created = await fetch(`${bot.url}/api/v1/watches`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${DEMO_API_TOKEN}`,
      "content-type": "application/json",
      "idempotency-key": `move-${API_TASK}`,
    },
    body: JSON.stringify(request),
  });
  const watch = (await created.json()) as { watch_id?: string; state?: string };
  t.say(
    botName,
    "⇠",
    `${created.status} ${JSON.stringify({ watch_id: watch.watch_id, state: watch.state })}`,
  );
  if (created.status !== 201 || !watch.watch_id)
    throw new DemoError(`the watch API answered ${created.status}`);
  const apiCard = await feed.until(
    "the script's card in #ops",
    () => emu.messages.find((m) => m.chat_id === OPS_CHAT && !m.reply_to && m.msg_type === "interactive"),
    5000,
  );
  await feed.until("the script's card to turn green", () => template(apiCard.message_id) === "green", 10_000);
  const apiNotice = await feed.until(
    "a notification under the script's card",
    () => emu.repliesTo(apiCard.message_id).find((m) => m.msg_type === "text"),
    5000,
  );
  if (!apiNotice.text?.includes(ALICE))
    throw new DemoError(`the notice does not mention Alice: ${apiNotice.text}`);
  const final = await fetch(`${bot.url}/api/v1/watches/${watch.watch_id}`, {
    headers: { authorization: `Bearer ${DEMO_API_TOKEN}` },
  });
  const ended = (await final.json()) as { state?: string };
  t.say("deploy script", "⇢", `GET /api/v1/watches/${watch.watch_id}`);
  t.say(botName, "⇠", `${final.status} ${JSON.stringify({ watch_id: watch.watch_id, state: ended.state })}`);
  if (ended.state !== "success") throw new DemoError(`the watch API says ${ended.state}, not success`);
  await feed.during(200);

  // ---- 5. A task started in someone's own space: the bot asks him, then checks it as him ----
  t.heading("5. Bob asks about a folder move he started in his own space");
  emu.addUser(BOB, undefined, { name: "Bob" });
  emu.setTask(BOBS_TASK, ["process", "process", "success"], { openId: BOB });
  t.note(`Feishu Drive: task ${BOBS_TASK} is Bob's own: the app's identity cannot see it`);
  const bobs = await send(
    "Bob (#ops)",
    emu.messageEvent({
      chatType: "group",
      chatId: OPS_CHAT,
      senderOpenId: BOB,
      mentionBot: true,
      text: `/status ${BOBS_TASK}`,
    }),
    `@${botName} /status ${BOBS_TASK}`,
  );
  const asking = await feed.until("a card asking Bob to authorize", () => cardReply(bobs), 5000);
  const button = JSON.stringify(asking.card).match(/"default_url":"([^"]+)"/)?.[1];
  if (!button) throw new DemoError("the card has no Authorize button");
  t.say("Bob (#ops)", "⎆", "clicks [ Authorize ]: his browser opens Feishu's page, he approves");
  const page = await emu.oauth.consent(JSON.parse(`"${button}"`), { openId: BOB });
  const said = /<p>([^<]+)<\/p>\s*<\/section>\s*<\/body>/.exec(page.text)?.[1] ?? "";
  t.say(`${botName} (browser)`, "⇠", `${page.status} "${said}"`);
  if (page.status !== 200) throw new DemoError(`the authorization ended with ${page.status}`);
  await feed.until(
    "the same card to come alive and turn green",
    () => template(asking.message_id) === "green",
    10_000,
  );
  const bobsNotice = await feed.until("a notification for Bob", () => textReply(bobs), 5000);
  if (!bobsNotice.text?.includes(BOB))
    throw new DemoError(`the notice does not mention Bob: ${bobsNotice.text}`);
  await feed.during(200);
}

async function main(): Promise<number> {
  const started = Date.now();
  const color = useColor();
  let emu: Emulator | undefined;
  let bot: DemoBot | undefined;
  let feed: MessageFeed | undefined;
  let failure: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let htmlFile: string | undefined;
  let names: Record<string, string> = {};
  const items: ConversationItem[] = [];
  try {
    emu = await startEmulator({
      encryptKey: "demo-encrypt-key",
      verificationToken: "demo-verification-token",
    });
    htmlFile = htmlFileOf(process.argv.slice(2));
    names = { [ALICE]: "Alice", [BOB]: "Bob", [emu.options.botOpenId]: emu.options.botName };
    const t = new Transcript({
      color,
      names,
      botName: emu.options.botName,
      record: (item) => items.push(item),
    });
    t.line("Feishu task-status bot: an offline demo");
    t.line(`The real bot runs against the Feishu emulator at ${emu.url} (no network, no credentials);`);
    const transport = transportOf(process.argv.slice(2));
    t.line(
      transport === "webhook"
        ? "events are encrypted and signed as Feishu does. The bot checks tasks every second here."
        : "events come over Feishu's long connection (no public URL). The bot checks tasks every second here.",
    );
    // User authorization on: its PUBLIC_URL (a port chosen first) is registered as the redirect at the emulator.
    const auth = await userAuthEnv(emu);
    bot = await startDemoBot(emu, {
      FEISHU_EVENT_TRANSPORT: transport,
      API_TOKENS: DEMO_API_TOKEN,
      ...auth.env,
    });
    const botName = emu.options.botName;
    feed = new MessageFeed(emu, t, (chatId) => `${botName} (${chatId === OPS_CHAT ? "#ops" : "DM"})`);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DemoError(`the demo did not end within ${DEADLINE_MS / 1000} s`)),
        DEADLINE_MS,
      );
    });
    const script = play(emu, bot, t, feed, transport);
    script.catch(() => undefined); // past the deadline its later failure is moot
    await Promise.race([script, deadline]);
    const { messages, patches } = feed.counts;
    t.line("");
    t.line(
      `Demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${messages} messages from the bot, ` +
        `${patches} card updates, one notification per finished task.`,
    );
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    if (!(error instanceof DemoError) && error instanceof Error && error.stack) failure = error.stack;
  } finally {
    if (timer) clearTimeout(timer);
    feed?.stop();
  }
  if (htmlFile !== undefined) {
    const page = conversationPage("Feishu task-status bot: an offline demo", items, {
      locale: "en_us",
      names,
      timeZone: "UTC",
    });
    writeFileSync(htmlFile, page);
    process.stdout.write(`The conversation as a page: ${htmlFile}\n`);
  }
  if (failure !== undefined) {
    process.stderr.write(`\nDemo failed: ${failure}\n`);
    const problems = bot ? problemLines(bot.logs) : [];
    if (problems.length > 0)
      process.stderr.write(`The bot's last warnings and errors:\n  ${problems.join("\n  ")}\n`);
  }
  // Always close the bot, then the emulator, even when the script failed.
  const closing = (async () => {
    await bot?.stop().catch((e: unknown) => process.stderr.write(`closing the bot: ${String(e)}\n`));
    await emu?.close().catch((e: unknown) => process.stderr.write(`closing the emulator: ${String(e)}\n`));
  })();
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  return failure === undefined ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Demo failed: ${String(error)}\n`);
    process.exit(1);
  },
);
