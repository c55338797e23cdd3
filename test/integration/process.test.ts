import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../emulator";
import { type ChildBot, spawnBot } from "../support/child-bot";
import { startTestEmulator, tempDir } from "../support/harness";

const TASK = "7360595374803812358";
let emu: Emulator;
let tmp: ReturnType<typeof tempDir>;
let bot: ChildBot | undefined;

beforeEach(async () => {
  tmp = tempDir();
  emu = await startTestEmulator();
});

afterEach(async () => {
  bot?.child.kill("SIGKILL");
  bot = undefined;
  await emu.close();
  tmp.remove();
});

describe("the built bot as a process (npm start)", () => {
  it("serves the whole flow, then stops cleanly on SIGTERM with exit code 0", async () => {
    bot = await spawnBot(emu, join(tmp.dir, "bot.sqlite"));
    emu.setTask(TASK, ["process", "success"]);
    const event = emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: "ou_u1" });
    expect((await emu.deliver(bot.eventUrl, event)).status).toBe(200);
    const messageId = event.event.message.message_id;
    await emu.waitFor(() => emu.repliesTo(messageId).find((m) => m.msg_type === "text"), 10_000);

    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    const text = bot.output.join("\n");
    expect(text).toContain('"message":"stopped"');
    for (const secret of [emu.options.appSecret, emu.options.encryptKey, emu.options.verificationToken]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/t-emu-/); // no tenant token in any line
  });

  it("refuses to start with one clear line per missing or malformed variable", async () => {
    bot = await spawnBot(
      emu,
      join(tmp.dir, "bot.sqlite"),
      { FEISHU_APP_SECRET: "", POLL_INTERVAL_SECONDS: "soon" },
      { waitReady: false },
    );
    expect(await bot.exited).toBe(1);
    const text = bot.output.join("\n");
    expect(text).toContain("FEISHU_APP_SECRET is required");
    expect(text).toContain('POLL_INTERVAL_SECONDS must be a whole number from 1 to 3600, got "soon"');
  });

  it("says what to fix when Feishu refuses the credentials", async () => {
    bot = await spawnBot(
      emu,
      join(tmp.dir, "bot.sqlite"),
      { FEISHU_APP_SECRET: "wrong-secret" },
      { waitReady: false },
    );
    expect(await bot.exited).toBe(1);
    const text = bot.output.join("\n");
    expect(text).toContain("FEISHU_APP_SECRET");
    expect(text).not.toContain("wrong-secret");
  }, 60_000);
});
