import { join } from "node:path";
import type { Emulator, RecordedRequest } from "@taskbot/feishu-emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_TOKEN, watchApi } from "../support/api";
import { type ChildBot, spawnBot } from "../support/child-bot";
import { startTestEmulator, tempDir } from "../support/harness";

/**
 * A watch created through the API survives a kill -9 of the built bot (what `npm start` runs) and a restart
 * on the same database: one card in the chat, one notice, and GET tells the end.
 */
const TASK = "7360595374803812360";
const CHAT = "oc_crash00000000000000000000000001";
const ALICE = "ou_a11ce00000000000000000000000001";
const ENV = { API_TOKENS: API_TOKEN };

let emu: Emulator;
let tmp: ReturnType<typeof tempDir>;
let dbPath: string;
let bot: ChildBot | undefined;

beforeEach(async () => {
  tmp = tempDir();
  dbPath = join(tmp.dir, "bot.sqlite");
  emu = await startTestEmulator();
});

afterEach(async () => {
  bot?.child.kill("SIGKILL");
  bot = undefined;
  await emu.close();
  tmp.remove();
});

/** SIGKILLs the running bot at the first request matching `when`; resolves once it is dead. */
function killAt(when: (r: RecordedRequest) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = emu.onRequest((record) => {
      if (!bot || !when(record)) return;
      off();
      const dying = bot;
      dying.child.kill("SIGKILL");
      void dying.exited.then(() => resolve());
    });
  });
}

const cards = () => emu.messages.filter((m) => m.chat_id === CHAT && m.msg_type === "interactive");
const notices = () => emu.messages.filter((m) => m.chat_id === CHAT && m.msg_type === "text");

async function expectOneCardOneNotice(watchId: string): Promise<void> {
  emu.setTaskStatus(TASK, "success");
  await emu.waitFor(() => notices().length > 0, 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(cards()).toHaveLength(1);
  expect(notices()).toHaveLength(1);
  expect(notices()[0].reply_to).toBe(cards()[0].message_id);
  expect(notices()[0].text).toContain(`<at user_id="${ALICE}"></at>`);
  expect(JSON.stringify(cards()[0].card)).toContain('"template":"green"');
  const answer = await watchApi(bot?.url ?? "").get(watchId);
  expect(answer.body).toMatchObject({ state: "success", card_message_id: cards()[0].message_id });
}

describe("kill -9 of the bot with an API watch, then restart on the same database", () => {
  it("right after the 201, before the card", async () => {
    emu.setTask(TASK, ["process"]);
    bot = await spawnBot(emu, dbPath, ENV);
    emu.inject({ route: "task_check", hang: true });
    const died = killAt((r) => r.route === "task_check");
    const created = await watchApi(bot.url).create({ task_id: TASK, chat_id: CHAT, mention_open_id: ALICE });
    expect(created.status).toBe(201);
    await died;
    expect(cards()).toHaveLength(0);
    bot = await spawnBot(emu, dbPath, ENV);
    await expectOneCardOneNotice(created.body.watch_id);
  });

  it("after Feishu created the card, before the bot heard of it", async () => {
    emu.setTask(TASK, ["process"]);
    bot = await spawnBot(emu, dbPath, ENV);
    emu.inject({ route: "create", hang: true, afterHandling: true });
    const died = killAt((r) => r.route === "create");
    const created = await watchApi(bot.url).create({ task_id: TASK, chat_id: CHAT, mention_open_id: ALICE });
    await died;
    expect(cards()).toHaveLength(1); // Feishu has it; the bot never heard
    bot = await spawnBot(emu, dbPath, ENV);
    await expectOneCardOneNotice(created.body.watch_id);
    // The restarted bot sent the card again under the same uuid, which Feishu answered with the first one.
    expect(
      emu.requestsFor("create").filter((r) => JSON.stringify(r.body).includes("interactive")).length,
    ).toBe(2);
  });
});
