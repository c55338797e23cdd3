import type { CardCallbackAnswer, SentMessage } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { type BotFixture, eventually, PATHS, useBot } from "../support/harness";

/**
 * Real Feishu shapes, beyond the happy path: rich-text (post) commands, topic groups, chat types Feishu adds
 * later, refusals that retrying never fixes, long messages, the legacy card callback.
 */
const TASK = "7360595374803812381";
const ALICE = "ou_alice_shapes_0000000000000000001";
const BOB = "ou_bob_shapes_000000000000000000001";

const cards = (all: SentMessage[]) => all.filter((m) => m.msg_type === "interactive");

/** Alice asks for TASK in a group, as Feishu delivers it; resolves once the card is there. */
async function watchInGroup(t: BotFixture) {
  t.emu.setTask(TASK, ["process"]);
  const event = t.emu.messageEvent({
    chatType: "group",
    senderOpenId: ALICE,
    text: `/status ${TASK}`,
    mentionBot: true,
  });
  await t.send(event);
  const commandId = event.event.message.message_id;
  const card = await t.emu.waitFor(() => cards(t.emu.repliesTo(commandId))[0], 4000);
  return { event, commandId, card };
}
const notices = (all: SentMessage[]) => all.filter((m) => m.msg_type === "text");

describe.each(PATHS)("over %s on %s", (transport, store) => {
  const t = useBot("each", {}, transport, store);

  describe("rich-text (post) commands", () => {
    it("reads /status from a formatted, multi-paragraph post in a DM, exactly as from text", async () => {
      t.emu.setTask(TASK, ["process", "success"]);
      const event = t.emu.messageEvent({
        chatType: "p2p",
        senderOpenId: ALICE,
        post: {
          title: "Nightly move",
          paragraphs: [
            [
              { tag: "text", text: "／ＳＴＡＴＵＳ", style: ["bold"] },
              { tag: "text", text: "  " },
              { tag: "a", text: TASK, href: `https://example.com/${TASK}` },
            ],
            [{ tag: "emotion", emoji_type: "SMILE" }],
          ],
        },
      });
      expect((await t.send(event)).status).toBe(200);
      const id = event.event.message.message_id;
      const notice = await t.emu.waitFor(() => notices(t.emu.repliesTo(id))[0], 10_000);
      expect(notice.text).toContain(TASK);
      expect(cards(t.emu.repliesTo(id))).toHaveLength(1);
    });

    it("acts on a post in a group only when the bot is @-mentioned in it", async () => {
      t.emu.setTask(TASK, ["process"]);
      const mentioned = t.emu.messageEvent({
        chatType: "group",
        senderOpenId: ALICE,
        mentionBot: true,
        post: { paragraphs: [[{ tag: "text", text: ` /status ${TASK}` }]] },
      });
      const other = t.emu.messageEvent({
        chatType: "group",
        senderOpenId: ALICE,
        mentions: [{ key: "@_user_1", openId: BOB, name: "Bob" }],
        post: {
          paragraphs: [
            [
              { tag: "at", user_id: "@_user_1" },
              { tag: "text", text: ` /status ${TASK}` },
            ],
          ],
        },
      });
      expect((await t.send(other)).status).toBe(200);
      expect((await t.send(mentioned)).status).toBe(200);
      await t.emu.waitFor(() => cards(t.emu.repliesTo(mentioned.event.message.message_id))[0], 4000);
      await new Promise((r) => setTimeout(r, 500));
      expect(t.emu.repliesTo(other.event.message.message_id)).toHaveLength(0);
    });
  });

  describe("topic groups", () => {
    /** A message @-mentioning the bot that opens a new topic in a topic group. */
    const inTopic = (text: string) =>
      t.emu.messageEvent({ chatType: "topic_group", senderOpenId: ALICE, text, mentionBot: true });

    it("answers in the command's topic: the card, and the notice", async () => {
      t.emu.setTask(TASK, ["process", "process", "success"]);
      const event = inTopic(`/status ${TASK}`);
      const thread = event.event.message.thread_id;
      expect(thread).toMatch(/^omt_/);
      expect((await t.send(event)).status).toBe(200);
      const id = event.event.message.message_id;
      const notice = await t.emu.waitFor(() => notices(t.emu.repliesTo(id))[0], 10_000);
      expect(notice.thread_id).toBe(thread);
      expect(notice.text).toContain(`<at user_id="${ALICE}"></at>`);
      expect(cards(t.emu.repliesTo(id))[0].thread_id).toBe(thread);
      expect(t.emu.messages.every((m) => m.thread_id === thread)).toBe(true); // nothing opened a new topic
    });

    it("with the command recalled, the notice replies to the card, still in the topic", async () => {
      t.emu.setTask(TASK, ["process"]);
      const event = inTopic(`/status ${TASK}`);
      await t.send(event);
      const id = event.event.message.message_id;
      const card = await t.emu.waitFor(() => cards(t.emu.repliesTo(id))[0], 4000);
      t.emu.recall(id);
      t.emu.setTaskStatus(TASK, "fail");
      const notice = await t.emu.waitFor(() => notices(t.emu.repliesTo(card.message_id))[0], 10_000);
      expect(notice.thread_id).toBe(event.event.message.thread_id);
      expect(t.emu.messages.filter((m) => m.msg_type === "text")).toHaveLength(1);
    });

    it("a card too old to update sends its final state anew in the topic, not as a new topic", async () => {
      t.emu.setTask(TASK, ["process"]);
      const event = inTopic(`/status ${TASK}`);
      await t.send(event);
      const id = event.event.message.message_id;
      await t.emu.waitFor(() => cards(t.emu.repliesTo(id))[0], 4000);
      t.emu.inject({ route: "patch", status: 400, code: 230031, count: Number.POSITIVE_INFINITY });
      t.emu.setTaskStatus(TASK, "success");
      await t.emu.waitFor(() => notices(t.emu.repliesTo(id))[0], 10_000);
      const all = cards(t.emu.repliesTo(id));
      expect(all).toHaveLength(2);
      expect(JSON.stringify(all[1].card)).toContain('"template":"green"');
      expect(all[1].thread_id).toBe(event.event.message.thread_id);
    });
  });

  it("treats a chat type it does not know like a group: 200, and acts only when mentioned", async () => {
    const unknown = t.emu.messageEvent({
      chatType: "group",
      senderOpenId: ALICE,
      text: "/help",
      mentionBot: true,
    });
    unknown.event.message.chat_type = "super_group";
    const silent = t.emu.messageEvent({ chatType: "group", senderOpenId: ALICE, text: "/help" });
    silent.event.message.chat_type = "super_group";
    expect((await t.send(silent)).status).toBe(200);
    expect((await t.send(unknown)).status).toBe(200);
    await t.emu.waitFor(() => t.emu.repliesTo(unknown.event.message.message_id)[0], 4000);
    expect(t.emu.repliesTo(silent.event.message.message_id)).toHaveLength(0);
  });

  describe("refusals that retrying never fixes", () => {
    it("a group that mutes the bot mid-watch: the notice is refused once, the watch ends, nothing loops", async () => {
      const { event } = await watchInGroup(t);
      t.emu.muteChat(event.event.message.chat_id);
      t.emu.setTaskStatus(TASK, "success");
      await eventually(async () => (await t.bot.app.store.countOpenWatches()) === 0, 10_000);
      const refused = t.emu.requestsFor("reply").filter((r) => r.status === 400);
      expect(refused.map((r) => (r.response as { code: number }).code)).toEqual([230018]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(t.emu.requestsFor("reply").filter((r) => r.status === 400)).toHaveLength(1);
      const warn = t.bot.logs.filter((l) => l.includes('"level":"warn"') && l.includes("230018"));
      expect(warn).toHaveLength(1);
    });

    it("a command in an external chat the bot may not post to is given up at once, with one warn line", async () => {
      const event = t.emu.messageEvent({
        chatType: "group",
        senderOpenId: ALICE,
        text: "/help",
        mentionBot: true,
      });
      t.emu.makeExternal(event.event.message.chat_id);
      await t.send(event);
      await eventually(async () =>
        t.bot.logs.some((l) => l.includes("command given up") && l.includes("230027")),
      );
      await new Promise((r) => setTimeout(r, 1500));
      expect(t.emu.requestsFor("reply")).toHaveLength(1);
    });
  });
});

describe("the legacy card callback (message card request URL)", () => {
  const t = useBot("each");

  async function watched() {
    const { card, commandId } = await watchInGroup(t);
    const watchId = /"watch_id":"(\d+)"/.exec(JSON.stringify(card.card))?.[1] ?? "";
    return { card, watchId, commandId };
  }
  const legacy = (card: SentMessage, operator: string, value: Record<string, unknown>) =>
    t.emu.legacyCardCallback({
      openMessageId: card.message_id,
      chatId: card.chat_id,
      operatorOpenId: operator,
      value,
    });

  it("Refresh now: the same effect, answered with the new card itself", async () => {
    const { card, watchId } = await watched();
    t.emu.setTaskStatus(TASK, "success");
    const res = await t.emu.deliverLegacy(
      `${t.bot.url}/webhook/card`,
      legacy(card, BOB, { action: "refresh", watch_id: watchId }),
    );
    expect(res.status).toBe(200);
    const answer = res.body as { schema?: string; header?: { template?: string }; toast?: unknown };
    expect(answer.schema).toBe("2.0");
    expect(answer.header?.template).toBe("green");
    expect(answer.toast).toBeUndefined();
  });

  it("Stop watching: only the requester; a wrong signature or token is refused with 401 and changes nothing", async () => {
    const { card, watchId, commandId } = await watched();
    const stop = legacy(card, ALICE, { action: "stop", watch_id: watchId });
    const url = `${t.bot.url}/webhook/card`;
    expect((await t.emu.deliverLegacy(url, stop, { signature: "0".repeat(40) })).status).toBe(401);
    expect((await t.emu.deliverLegacy(url, stop, { verificationToken: "stolen" })).status).toBe(401);
    expect((await t.emu.deliverLegacy(url, stop, { sign: false })).status).toBe(401);
    expect(await t.bot.app.store.countOpenWatches()).toBe(1);
    const bob = await t.emu.deliverLegacy(url, legacy(card, BOB, { action: "stop", watch_id: watchId }));
    expect(bob.status).toBe(200);
    expect(bob.body).toEqual({}); // a toast the old format cannot show: nothing changes on screen
    expect(await t.bot.app.store.countOpenWatches()).toBe(1);
    const ok = await t.emu.deliverLegacy(url, stop);
    expect((ok.body as { header?: { template?: string } }).header?.template).toBe("grey");
    await eventually(async () => (await t.bot.app.store.countOpenWatches()) === 0);
    expect(notices(t.emu.repliesTo(commandId))).toHaveLength(0);
    // The same click replayed (same update token) does not act twice.
    expect((await t.emu.deliverLegacy(url, stop)).body).toEqual({});
  });

  it("answers a v2 callback at /webhook/card with toast and card, as before", async () => {
    const { card, watchId } = await watched();
    const event = t.emu.cardActionEvent({
      openMessageId: card.message_id,
      chatId: card.chat_id,
      operatorOpenId: BOB,
      value: { action: "refresh", watch_id: watchId },
    });
    const res = await t.send(event, { path: "/webhook/card" });
    expect((res.body as CardCallbackAnswer).toast).toBeDefined();
  });
});

describe("long messages", () => {
  const t = useBot("all");

  it("accepts the largest text Feishu can send (150 KB, every character escaped twice, encrypted)", async () => {
    const text = `/status ${TASK} ${'"\\\\'.repeat(50 * 1024)}`;
    const event = t.emu.messageEvent({ chatType: "p2p", senderOpenId: ALICE, text });
    t.emu.setTask(TASK, ["process"]);
    const res = await t.send(event);
    expect(res.status).toBe(200);
    await t.emu.waitFor(() => t.emu.repliesTo(event.event.message.message_id)[0], 4000);
  });

  it("refuses an absurd body with 413 from its declared length, without reading it", async () => {
    const { request } = await import("node:http");
    const url = new URL(`${t.bot.url}/webhook/event`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": String(500 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write("{"); // 1 byte of the announced 500 MB: the answer comes anyway
    });
    expect(status).toBe(413);
    expect((await fetch(`${t.bot.url}/healthz`)).status).toBe(200);
  });
});
