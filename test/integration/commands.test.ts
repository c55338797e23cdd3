import type { CardCallbackAnswer, SentMessage } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { replyText } from "../../cards";
import { eventually, PATHS, TEST_LOCALE, useBot } from "../support/harness";

const TASK = "7360595374803812399";
const ALICE = "ou_alice000000000000000000000000001";
const BOB = "ou_bob00000000000000000000000000001";
const GROUP = "oc_group_commands_0000000000000001";
/** What a /stop or a Stop button from someone other than the requester gets, in the bot's locale. */
const REFUSAL = replyText(TEST_LOCALE).onlyRequesterCanStop;

describe.each(PATHS)("over %s on %s", (transport, store) => {
  const t = useBot("each", {}, transport, store);

  async function say(text: string, sender = ALICE, chatType: "p2p" | "group" = "group") {
    const event = t.emu.messageEvent({
      chatType,
      chatId: chatType === "group" ? GROUP : undefined,
      text,
      senderOpenId: sender,
      mentionBot: chatType === "group",
    });
    const answer = await t.send(event);
    expect(answer.status).toBe(200);
    return event.event.message.message_id;
  }

  const firstReply = (messageId: string, type?: string) =>
    t.emu.waitFor(() => t.emu.repliesTo(messageId).find((m) => !type || m.msg_type === type), 4000);

  const text = (m: SentMessage | undefined) => JSON.stringify(m?.card ?? m?.text ?? "");

  /** A click on the card, delivered as Feishu does (webhook: at `path`; long connection: in a frame). */
  async function click(
    card: SentMessage,
    value: Record<string, unknown>,
    operator: string,
    path = "/webhook/card",
  ) {
    const event = t.emu.cardActionEvent({
      openMessageId: card.message_id,
      chatId: card.chat_id,
      operatorOpenId: operator,
      value,
    });
    const res = await t.send(event, { path });
    return { ...res, body: res.body as CardCallbackAnswer };
  }

  describe("commands", () => {
    it("/help answers with a card; an unknown command gets a hint; other bots are ignored", async () => {
      const help = await firstReply(await say("/help"));
      expect(help.msg_type).toBe("interactive");
      expect(text(help)).toContain("/status");
      const hint = await firstReply(await say("/frobnicate"));
      expect(hint.text).toContain("/frobnicate");
      expect(hint.text).toContain("/help");
    });

    it("/list shows the chat's watches with their requester; /stop by the requester ends one quietly", async () => {
      t.emu.setTask(TASK, ["process"]);
      const command = await say(`/status ${TASK}`);
      const card = await firstReply(command, "interactive");
      const list = await firstReply(await say("/list"));
      expect(text(list)).toContain(TASK);
      expect(text(list)).toContain(ALICE);

      // Someone else's /stop: the refusal in the bot's locale, and the watch and its card as they were.
      const cardBefore = structuredClone(t.emu.message(card.message_id));
      const refused = await firstReply(await say(`/stop ${TASK}`, BOB));
      expect(refused.text).toBe(REFUSAL);
      await t.bot.app.inbox.idle();
      expect(t.emu.message(card.message_id)).toEqual(cardBefore);
      expect(t.emu.requestsFor("patch").filter((r) => r.path.endsWith(card.message_id))).toEqual([]);
      expect(await t.bot.app.store.countOpenWatches()).toBe(1);

      const stopped = await firstReply(await say(`/stop ${TASK}`));
      expect(stopped.text).toContain(TASK);
      await t.emu.waitFor(() => text(t.emu.message(card.message_id)).includes('"template":"grey"'), 4000);
      await eventually(async () => (await t.bot.app.store.countOpenWatches()) === 0);
      const checks = t.emu.taskCheckCount(TASK);
      await new Promise((r) => setTimeout(r, 1500));
      expect(t.emu.taskCheckCount(TASK)).toBe(checks);
      expect(t.emu.repliesTo(command).filter((m) => m.msg_type === "text")).toHaveLength(0);

      const nothing = await firstReply(await say(`/stop ${TASK}`));
      expect(nothing.text).toContain(TASK);
    });

    it("the same task asked twice in one chat reuses the watch and points to its card", async () => {
      t.emu.setTask(TASK, ["process"]);
      await firstReply(await say(`/status ${TASK}`), "interactive");
      const second = await firstReply(await say(`/status ${TASK}`, BOB));
      expect(second.msg_type).toBe("text");
      expect(second.text).toContain(TASK);
      expect(await t.bot.app.store.countOpenWatches()).toBe(1);
    });

    it("the same task from two chats: one task_check per round, a card and a notice in each chat", async () => {
      t.emu.setTask(TASK, ["process", "process", "process", "success"]);
      const a = await say(`/status ${TASK}`, ALICE, "p2p");
      const b = await say(`/status ${TASK}`, BOB, "group");
      const [na, nb] = await Promise.all([
        firstReply(a, "text"),
        t.emu.waitFor(() => t.emu.repliesTo(b).find((m) => m.msg_type === "text"), 10_000),
      ]);
      expect(na.text).toContain(TASK);
      expect(nb.text).toContain(`<at user_id="${BOB}"></at>`);
      expect(na.chat_id).not.toBe(nb.chat_id);
      // Two watchers, four scripted statuses: shared checks consume the script once, not twice.
      expect(t.emu.taskCheckCount(TASK)).toBeLessThanOrEqual(5);
    }, 20_000);

    it("welcomes the bot into a new group once, even if the event is re-pushed", async () => {
      const event = t.emu.botAddedEvent({
        chatId: "oc_new_group_00000000000000000001",
        operatorOpenId: ALICE,
      });
      await t.send(event);
      await t.send(event);
      const welcome = await t.emu.waitFor(
        () => t.emu.messages.find((m) => m.chat_id === "oc_new_group_00000000000000000001"),
        4000,
      );
      expect(welcome.msg_type).toBe("interactive");
      await new Promise((r) => setTimeout(r, 800));
      expect(t.emu.messages.filter((m) => m.chat_id === "oc_new_group_00000000000000000001")).toHaveLength(1);
    });
  });

  describe("card buttons", () => {
    it("Refresh now checks at once and answers with a toast and the updated card", async () => {
      t.emu.setTask(TASK, ["process"]);
      const card = await firstReply(await say(`/status ${TASK}`), "interactive");
      expect(text(card)).toContain('"action":"refresh"');
      await new Promise((r) => setTimeout(r, 300));
      const checks = t.emu.taskCheckCount(TASK);
      t.emu.setTaskStatus(TASK, "success");
      const res = await click(card, { action: "refresh", watch_id: watchIdOf(card) }, BOB);
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(3000);
      expect(res.body.toast?.type).toBe("info");
      expect(JSON.stringify(res.body.card?.data)).toContain('"template":"green"');
      expect(t.emu.taskCheckCount(TASK)).toBe(checks + 1);
    });

    it("Stop watching works only for the requester, also when sent to /webhook/event", async () => {
      t.emu.setTask(TASK, ["process"]);
      const command = await say(`/status ${TASK}`);
      const card = await firstReply(command, "interactive");
      const watchId = watchIdOf(card);
      const refused = await click(card, { action: "stop", watch_id: watchId }, BOB);
      expect(refused.body.toast).toMatchObject({ type: "warning", content: REFUSAL });
      expect(refused.body.card).toBeUndefined();
      expect(await t.bot.app.store.countOpenWatches()).toBe(1);

      const ok = await click(card, { action: "stop", watch_id: watchId }, ALICE, "/webhook/event");
      expect(ok.status).toBe(200);
      expect(ok.body.toast?.type).toBe("success");
      expect(JSON.stringify(ok.body.card?.data)).toContain(ALICE);
      await eventually(async () => (await t.bot.app.store.countOpenWatches()) === 0);
      // The stopped card has no buttons any more; a click from an old client still gets a polite answer.
      const stale = await click(card, { action: "refresh", watch_id: watchId }, ALICE);
      expect(stale.body.toast?.type).toBe("info");
      expect(t.emu.repliesTo(command).filter((m) => m.msg_type === "text")).toHaveLength(0);
    });

    it("refuses forged and mismatched callbacks", async () => {
      t.emu.setTask(TASK, ["process"]);
      const card = await firstReply(await say(`/status ${TASK}`), "interactive");
      const value = { action: "stop", watch_id: watchIdOf(card) };
      if (transport === "webhook") {
        const forged = t.emu.cardActionEvent({
          openMessageId: card.message_id,
          chatId: GROUP,
          operatorOpenId: ALICE,
          value,
        });
        expect((await t.emu.deliver(`${t.bot.url}/webhook/card`, forged, { sign: false })).status).toBe(401);
        expect((await t.emu.deliver(`${t.bot.url}/webhook/card`, forged, { token: "stolen" })).status).toBe(
          401,
        );
      }
      // A real click on another message carrying this watch's id changes nothing.
      const other = await firstReply(await say("/help"));
      const copied = await click(other, value, ALICE);
      expect(copied.body.toast?.type).toBe("warning");
      const nonsense = await click(card, { action: "explode", watch_id: "1e9" }, ALICE);
      expect(nonsense.body.toast?.type).toBe("warning");
      expect(await t.bot.app.store.countOpenWatches()).toBe(1);
    });
  });
});

function watchIdOf(card: SentMessage): string {
  const match = /"watch_id":"(\d+)"/.exec(JSON.stringify(card.card));
  if (!match) throw new Error("card has no watch_id");
  return match[1];
}
