import { type AddressInfo, createServer } from "node:net";
import { WS_CODES, WS_MSGS } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { PATHS, useChildBot } from "../support/harness";

const TASK = "7360595374803812358";

describe.each(PATHS)("the built bot as a process (npm start), over %s on %s", (transport, store) => {
  const t = useChildBot(transport, {}, store);

  it("serves the whole flow, then stops cleanly on SIGTERM with exit code 0", async () => {
    const bot = await t.spawn();
    t.emu.setTask(TASK, ["process", "success"]);
    const event = t.emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: "ou_u1" });
    expect((await t.send(event)).status).toBe(200);
    const messageId = event.event.message.message_id;
    await t.emu.waitFor(() => t.emu.repliesTo(messageId).find((m) => m.msg_type === "text"), 10_000);

    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    const text = bot.output.join("\n");
    expect(text).toContain('"message":"stopped"');
    for (const secret of [
      t.emu.options.appSecret,
      t.emu.options.encryptKey,
      t.emu.options.verificationToken,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/t-emu-/); // no tenant token in any line
  });

  it("refuses to start with one clear line per missing or malformed variable", async () => {
    const bot = await t.spawn({ FEISHU_APP_SECRET: "", POLL_INTERVAL_SECONDS: "soon" }, { waitReady: false });
    expect(await bot.exited).toBe(1);
    const text = bot.output.join("\n");
    expect(text).toContain("FEISHU_APP_SECRET is required");
    expect(text).toContain('POLL_INTERVAL_SECONDS must be a whole number from 1 to 3600, got "soon"');
  });

  it("says what to fix when Feishu refuses the credentials", async () => {
    const bot = await t.spawn({ FEISHU_APP_SECRET: "wrong-secret" }, { waitReady: false });
    expect(await bot.exited).toBe(1);
    const text = bot.output.join("\n");
    expect(text).toContain("FEISHU_APP_SECRET");
    expect(text).not.toContain("wrong-secret");
  }, 60_000);
});

describe("the long connection refused for good", () => {
  const selfBuilt = useChildBot("websocket");

  it("stops the bot with one line saying what to fix when the app is not self-built", async () => {
    // What Feishu answers a store app's discovery (403 with data: fatal in the SDK). A store emulator no longer
    // plays it for this bot: it also refuses a store app the self-built token route, where the bot stops first.
    selfBuilt.emu.longConnection.injectEndpointFault({
      kind: "code",
      code: WS_CODES.FORBIDDEN,
      msg: WS_MSGS.FORBIDDEN,
      withData: true,
    });
    const bot = await selfBuilt.spawn({}, { waitReady: false });
    expect(await bot.exited).toBe(1);
    const line = bot.output.find((l) => l.includes("cannot start"));
    expect(line).toContain("Feishu refused the long connection (code 403)");
    expect(line).toContain("self-built app");
  }, 30_000);

  it("stops the bot with one line naming the credentials when Feishu refuses them", async () => {
    selfBuilt.emu.longConnection.injectEndpointFault({
      kind: "code",
      code: 514,
      msg: "auth failed",
      withData: true,
    });
    const bot = await selfBuilt.spawn({}, { waitReady: false });
    expect(await bot.exited).toBe(1);
    const line = bot.output.find((l) => l.includes("cannot start"));
    expect(line).toContain("code 514");
    expect(line).toContain("FEISHU_APP_SECRET");
    expect(bot.output.join("\n")).not.toContain(selfBuilt.emu.options.appSecret);
  }, 30_000);
});

describe("a port already taken", () => {
  const t = useChildBot("webhook");

  it("stops the bot with the listen error, not a failure further on", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const bot = await t.spawn({ PORT: String(port) }, { waitReady: false });
      expect(await bot.exited).toBe(1);
      const line = bot.output.find((l) => l.includes("cannot start"));
      expect(line).toContain("EADDRINUSE");
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
