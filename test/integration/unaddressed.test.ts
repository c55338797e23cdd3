import type { EventEnvelope, MessageReceiveEvent } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { PATHS, useBot } from "../support/harness";

const CHAT = "oc_chatter000000000000000000000001";
const USER = "ou_chatter000000000000000000000001";
const SOMEONE = { key: "@_user_1", openId: "ou_someoneelse000000000000000000009", name: "Someone" };

/**
 * An app with the "read all group messages" scope gets every message of its groups. One that cannot be for the
 * bot is answered at once and nothing of it is stored (a metric counts them); anything that may be is recorded
 * as before.
 */
describe.each(PATHS)("messages that cannot be for the bot, over %s on %s", (transport, store) => {
  const t = useBot("each", {}, transport, store);

  /** Whether nothing of this message was stored: recording it now finds neither its id nor its event id. */
  const stored = async (envelope: EventEnvelope<MessageReceiveEvent>) => {
    const { message_id } = envelope.event.message;
    const probe = {
      kind: "bot_added" as const,
      tenantKey: "",
      chatId: "probe",
      operatorOpenId: "",
      eventId: "p",
    };
    // Leased for an hour to the probe: the bot's inbox never takes this probe item up during the test.
    const lease = { owner: "probe", now: Date.now(), ms: 3_600_000 };
    return (
      (await t.bot.app.store.recordInbox(message_id, envelope.header.event_id, probe, lease)) === "duplicate"
    );
  };
  const unaddressedCount = async () => {
    const text = await (await fetch(`${t.bot.url}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.includes(`transport="${transport}"`) && l.includes('outcome="unaddressed"'));
    return line ? Number(line.split(" ").at(-1)) : 0;
  };

  it("answers group chatter, another's mention, a bot's message and a DM picture at once, and keeps none", async () => {
    const chatter = [
      t.emu.messageEvent({ chatType: "group", chatId: CHAT, senderOpenId: USER, text: "lunch at noon?" }),
      t.emu.messageEvent({
        chatType: "topic_group",
        senderOpenId: USER,
        text: "/status 7360595374803812356",
      }),
      t.emu.messageEvent({
        chatType: "group",
        chatId: CHAT,
        senderOpenId: USER,
        text: "@_user_1 /status 7360595374803812356",
        mentions: [SOMEONE],
      }),
      t.emu.messageEvent({
        chatType: "group",
        chatId: CHAT,
        senderType: "app",
        text: "/help",
        mentionBot: true,
      }),
      t.emu.messageEvent({
        chatType: "p2p",
        senderOpenId: USER,
        messageType: "image",
        content: '{"image_key":"img_1"}',
      }),
    ];
    for (const envelope of chatter) {
      const answer = await t.send(envelope);
      expect(answer.status).toBe(200);
      expect(await stored(envelope)).toBe(false);
    }
    expect(await unaddressedCount()).toBe(chatter.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.emu.messages).toHaveLength(0); // the bot said nothing
    expect(t.emu.requestsFor("task_check")).toHaveLength(0);
  });

  it("records and answers what may be for the bot: a DM, a mention of the bot, a rich-text mention", async () => {
    const commands = [
      t.emu.messageEvent({ chatType: "p2p", senderOpenId: USER, text: "hello" }),
      t.emu.messageEvent({
        chatType: "group",
        chatId: CHAT,
        senderOpenId: USER,
        text: "/help",
        mentionBot: true,
      }),
      t.emu.messageEvent({
        chatType: "topic_group",
        senderOpenId: USER,
        post: { paragraphs: [[{ tag: "text", text: "/list" }]] },
        mentionBot: true,
      }),
    ];
    for (const envelope of commands) {
      expect((await t.send(envelope)).status).toBe(200);
      expect(await stored(envelope)).toBe(true);
      await t.emu.waitFor(() => t.emu.repliesTo(envelope.event.message.message_id)[0], 5000);
    }
    expect(await unaddressedCount()).toBe(0);
  });
});
