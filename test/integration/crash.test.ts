import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Emulator, RecordedRequest, RouteName } from "../emulator";
import { type ChildBot, spawnBot } from "../support/child-bot";
import { startTestEmulator, tempDir } from "../support/harness";

/**
 * The bot as a real process, killed with SIGKILL at each risky moment and restarted on the same database.
 * Each test checks the guarantee: every accepted command answered once, every completion notified once.
 */
const TASK = "7360595374803812360";
const USER = "ou_crash_user_0000000000000000000001";

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

/** Arms a one-shot SIGKILL of the running bot at the first request matching `when`; returns when it died. */
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

/** The request happens on Feishu's side but its answer never reaches the bot (it dies first). */
function lostAnswer(route: RouteName) {
  emu.inject({ route, hang: true, afterHandling: true });
}

async function command(text: string) {
  const event = emu.messageEvent({ chatType: "group", text, senderOpenId: USER, mentionBot: true });
  const answer = await emu.deliver(bot?.eventUrl ?? "", event);
  expect(answer.status).toBe(200);
  return event.event.message.message_id;
}

const cards = (id: string) => emu.repliesTo(id).filter((m) => m.msg_type === "interactive");
const notices = (id: string) => emu.repliesTo(id).filter((m) => m.msg_type === "text");

/** After the restart: the task ends, and exactly one card and one notice exist for the command. */
async function expectExactlyOnce(commandId: string) {
  emu.setTaskStatus(TASK, "success");
  await emu.waitFor(() => notices(commandId).length > 0, 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(cards(commandId)).toHaveLength(1);
  expect(notices(commandId)).toHaveLength(1);
  expect(notices(commandId)[0].text).toContain(`<at user_id="${USER}"></at>`);
  expect(JSON.stringify(cards(commandId)[0].card)).toContain('"template":"green"');
}

async function restart() {
  bot = await spawnBot(emu, dbPath);
}

describe("kill -9 at every risky moment, then restart on the same database", () => {
  it("right after answering Feishu, before any work", async () => {
    emu.setTask(TASK, ["process"]);
    bot = await spawnBot(emu, dbPath);
    const died = killAt((r) => r.route === "task_check");
    emu.inject({ route: "task_check", hang: true });
    const id = await command(`/status ${TASK}`);
    await died;
    expect(cards(id)).toHaveLength(0);
    await restart();
    await expectExactlyOnce(id);
  });

  it("while the card is being sent (Feishu never got it)", async () => {
    emu.setTask(TASK, ["process"]);
    bot = await spawnBot(emu, dbPath);
    emu.inject({ route: "reply", hang: true });
    const died = killAt((r) => r.route === "reply");
    const id = await command(`/status ${TASK}`);
    await died;
    await restart();
    await expectExactlyOnce(id);
  });

  it("after Feishu created the card, before the bot recorded it", async () => {
    emu.setTask(TASK, ["process"]);
    bot = await spawnBot(emu, dbPath);
    lostAnswer("reply");
    const died = killAt((r) => r.route === "reply");
    const id = await command(`/status ${TASK}`);
    await died;
    expect(cards(id)).toHaveLength(1); // Feishu has it; the bot never heard
    await restart();
    await expectExactlyOnce(id);
  });

  it("between the final patch and the notification", async () => {
    emu.setTask(TASK, ["process"]);
    bot = await spawnBot(emu, dbPath);
    const id = await command(`/status ${TASK}`);
    await emu.waitFor(() => cards(id).length > 0, 5000);
    const died = killAt((r) => r.route === "patch" && JSON.stringify(r.body).includes("green"));
    lostAnswer("patch");
    emu.setTaskStatus(TASK, "success");
    await died;
    expect(notices(id)).toHaveLength(0);
    await restart();
    await expectExactlyOnce(id);
  });

  it("after Feishu posted the notification, before the bot recorded it", async () => {
    emu.setTask(TASK, ["process"]);
    bot = await spawnBot(emu, dbPath);
    const id = await command(`/status ${TASK}`);
    await emu.waitFor(() => cards(id).length > 0, 5000);
    const died = killAt((r) => r.route === "reply" && JSON.stringify(r.body).includes('\\"text\\"'));
    lostAnswer("reply");
    emu.setTaskStatus(TASK, "success");
    await died;
    expect(notices(id)).toHaveLength(1);
    await restart();
    await expectExactlyOnce(id);
  });

  it("a plain command whose reply was posted but not recorded is not answered twice", async () => {
    bot = await spawnBot(emu, dbPath);
    lostAnswer("reply");
    const died = killAt((r) => r.route === "reply");
    const id = await command("/help");
    await died;
    await restart();
    await new Promise((r) => setTimeout(r, 2000));
    expect(emu.repliesTo(id)).toHaveLength(1);
    // The restarted bot did retry (same uuid), which is what makes this safe.
    expect(emu.requestsFor("reply").length).toBeGreaterThanOrEqual(2);
  });
});
