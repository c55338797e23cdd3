import { join } from "node:path";
import type { Emulator } from "@taskbot/feishu-emulator";
import { afterEach, describe, expect, it } from "vitest";
import {
  eventually,
  feishuSide,
  type RunningBot,
  startBot,
  startTestEmulator,
  TRANSPORTS,
  tempDir,
  transportEnv,
} from "../support/harness";

const TASK = "7360595374803812357";
let emu: Emulator;
let tmp: ReturnType<typeof tempDir>;
const bots: RunningBot[] = [];

afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop().catch(() => undefined);
  await emu.close();
  tmp.remove();
});

describe.each(TRANSPORTS)("restart on the same database, over %s", (transport) => {
  const start = (dbPath: string) => startBot(emu, dbPath, transportEnv(transport));
  const send = (bot: RunningBot, envelope: Parameters<ReturnType<typeof feishuSide>["send"]>[0]) =>
    feishuSide(emu, transport, () => bot.url).send(envelope);

  it("resumes a watch, patches the same card and notifies exactly once", async () => {
    tmp = tempDir();
    emu = await startTestEmulator();
    const dbPath = join(tmp.dir, "bot.sqlite");
    emu.setTask(TASK, ["process"]);

    const first = await start(dbPath);
    bots.push(first);
    const event = emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: "ou_u1" });
    await send(first, event);
    const messageId = event.event.message.message_id;
    const card = await emu.waitFor(() => emu.repliesTo(messageId)[0], 3000);
    await first.stop();
    bots.length = 0;

    emu.setTaskStatus(TASK, "success");
    const checksBefore = emu.taskCheckCount(TASK);
    const second = await start(dbPath);
    bots.push(second);
    const notice = await emu.waitFor(() => emu.repliesTo(messageId).find((m) => m.msg_type === "text"), 8000);
    expect(notice.text).toContain(TASK);
    expect(emu.taskCheckCount(TASK)).toBeGreaterThan(checksBefore);
    expect(JSON.stringify(emu.message(card.message_id)?.card)).toContain('"template":"green"');
    expect(emu.repliesTo(messageId).filter((m) => m.msg_type === "interactive")).toHaveLength(1);
    await eventually(async () => (await second.app.store.countOpenWatches()) === 0);
  });

  it("handles a command recorded but not yet processed before the stop", async () => {
    tmp = tempDir();
    emu = await startTestEmulator();
    const dbPath = join(tmp.dir, "bot.sqlite");
    emu.setTask(TASK, ["process"]);
    // The reply hangs, so the first bot stops with the command still in its inbox.
    emu.inject({ route: "reply", hang: true, count: 1 });
    const first = await start(dbPath);
    bots.push(first);
    const event = emu.messageEvent({ chatType: "p2p", text: "/help", senderOpenId: "ou_u1" });
    expect((await send(first, event)).status).toBe(200);
    await emu.waitFor(() => emu.requestsFor("reply").length > 0, 3000);
    // Simulate the process dying: the app is dropped without waiting for the hung reply.
    void first.stop();
    bots.length = 0;

    const second = await start(dbPath);
    bots.push(second);
    const messageId = event.event.message.message_id;
    const reply = await emu.waitFor(() => emu.repliesTo(messageId)[0], 15_000);
    expect(reply.msg_type).toBe("interactive");
    await new Promise((r) => setTimeout(r, 1000));
    expect(emu.repliesTo(messageId)).toHaveLength(1);
  });
});
