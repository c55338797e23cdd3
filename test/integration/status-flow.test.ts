import { describe, expect, it } from "vitest";
import { eventually, PATHS, useBot } from "../support/harness";

const TASK = "7360595374803812356";
const USER = "ou_requester00000000000000000000001";

function cardText(card: unknown): string {
  return JSON.stringify(card);
}

describe.each(PATHS)("/status end to end, over %s on %s", (transport, store) => {
  const t = useBot("each", {}, transport, store);

  it("DM: card at once, refreshed in place, finished, one notification, no task_check after the end", async () => {
    t.emu.setTask(TASK, ["process", "process", "process", "success"]);
    const event = t.emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: USER });
    const answer = await t.send(event);
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(1000);

    const messageId = event.event.message.message_id;
    const card = await t.emu.waitFor(
      () => t.emu.repliesTo(messageId).find((m) => m.msg_type === "interactive"),
      3000,
    );
    expect(cardText(card.card)).toContain(TASK);

    const notice = await t.emu.waitFor(
      () => t.emu.repliesTo(messageId).find((m) => m.msg_type === "text"),
      10_000,
    );
    expect(notice.text).toContain(TASK);
    expect(notice.text).not.toContain("<at");

    const final = t.emu.message(card.message_id);
    expect(final?.patches.length).toBeGreaterThanOrEqual(1);
    expect(cardText(final?.card)).toContain('"template":"green"');

    const checks = t.emu.taskCheckCount(TASK);
    await new Promise((r) => setTimeout(r, 2500));
    expect(t.emu.taskCheckCount(TASK)).toBe(checks);
    expect(t.emu.repliesTo(messageId).filter((m) => m.msg_type === "text")).toHaveLength(1);
    expect(t.emu.repliesTo(messageId).filter((m) => m.msg_type === "interactive")).toHaveLength(1);
  });

  it("group: acts only when mentioned, and @-mentions the requester at the end", async () => {
    t.emu.setTask(TASK, ["process", "fail"]);
    const chatId = "oc_group0000000000000000000000001";
    const other = t.emu.messageEvent({
      chatType: "group",
      chatId,
      text: `@_user_1 /status ${TASK}`,
      senderOpenId: USER,
      mentions: [{ key: "@_user_1", openId: "ou_someoneelse000000000000000000001", name: "Someone" }],
    });
    expect((await t.send(other)).status).toBe(200);

    const event = t.emu.messageEvent({
      chatType: "group",
      chatId,
      text: `/status ${TASK}`,
      senderOpenId: USER,
      mentionBot: true,
    });
    expect((await t.send(event)).status).toBe(200);
    const messageId = event.event.message.message_id;
    const notice = await t.emu.waitFor(
      () => t.emu.repliesTo(messageId).find((m) => m.msg_type === "text"),
      10_000,
    );
    expect(notice.text).toContain(`<at user_id="${USER}"></at>`);
    expect(notice.text).toContain(TASK);
    const card = t.emu.repliesTo(messageId).find((m) => m.msg_type === "interactive");
    expect(cardText(card?.card)).toContain('"template":"red"');
    expect(t.emu.repliesTo(other.event.message.message_id)).toHaveLength(0);
  });

  it("a task Feishu does not know gets a 'not found' card and no watch", async () => {
    const event = t.emu.messageEvent({ chatType: "p2p", text: "/status 1234567890123", senderOpenId: USER });
    await t.send(event);
    const messageId = event.event.message.message_id;
    const card = await t.emu.waitFor(() => t.emu.repliesTo(messageId)[0], 3000);
    expect(cardText(card.card)).toContain("1234567890123");
    expect(cardText(card.card)).toMatch(/not found/i);
    await eventually(async () => (await t.bot.app.store.countOpenWatches()) === 0);
    const checks = t.emu.taskCheckCount();
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.emu.taskCheckCount()).toBe(checks);
  });

  it("a bad task id gets a friendly card without calling Feishu", async () => {
    const event = t.emu.messageEvent({
      chatType: "p2p",
      text: "/status <script>alert(1)</script>",
      senderOpenId: USER,
    });
    await t.send(event);
    const card = await t.emu.waitFor(() => t.emu.repliesTo(event.event.message.message_id)[0], 3000);
    expect(card.msg_type).toBe("interactive");
    expect(cardText(card.card)).not.toContain("<script>");
    expect(t.emu.taskCheckCount()).toBe(0);
  });

  it("answers at once even when task_check takes seconds", async () => {
    t.emu.setTask(TASK, ["process"]);
    t.emu.inject({ route: "task_check", delayMs: 3000, count: 5 });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const event = t.emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: USER });
      const answer = await t.send(event);
      expect(answer.status).toBe(200);
      times.push(answer.ms);
    }
    // Each answer came long before the 3 s task_check it triggered could have finished.
    expect(Math.max(...times)).toBeLessThan(1500);
  });

  it("a re-pushed command (same message_id, new event_id) is answered once", async () => {
    t.emu.setTask(TASK, ["process"]);
    const event = t.emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: USER });
    const answers = await Promise.all([
      t.send(event),
      t.send(event),
      t.send(event, { eventId: "e-repush-1" }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const messageId = event.event.message.message_id;
    await t.emu.waitFor(() => t.emu.repliesTo(messageId)[0], 3000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.emu.repliesTo(messageId)).toHaveLength(1);
  });
});
