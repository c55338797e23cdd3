import type { SentMessage } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { useApiBot } from "../support/api";
import { STORES } from "../support/harness";

/**
 * The watch API over HTTP: the real bot (real SDK, real SQLite) against the emulator. A script asks, the card
 * goes into the chat (or a DM), the one notice follows, and GET tells how it went, or why it ended early.
 */

const TASK = "7360595374803812356";
const CHAT = "oc_api0000000000000000000000000001";
const ALICE = "ou_a11ce00000000000000000000000001";

describe.each(STORES)("the watch API creating watches, on %s", (store) => {
  const { t, api, cardsIn, noticesTo, settle, stateOf } = useApiBot({}, store);

  describe("POST /api/v1/watches into a chat", () => {
    it("201 at once, the card in the chat, GET follows it, one notice that @-mentions mention_open_id", async () => {
      t.emu.setTask(TASK, ["process", "process", "success"]);
      const created = await api().create({ task_id: TASK, chat_id: CHAT, mention_open_id: ALICE });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ task_id: TASK, state: "running", origin: "api", chat_id: CHAT });
      expect(created.body.watch_id).toMatch(/^\d+$/);
      expect(created.headers.get("location")).toBe(`/api/v1/watches/${created.body.watch_id}`);

      const card = await t.emu.waitFor(() => cardsIn(CHAT)[0], 5000);
      const create = t.emu.requestsFor("create")[0];
      expect(create.query.receive_id_type).toBe("chat_id");
      expect(JSON.stringify(card.card)).toContain(TASK);

      await stateOf(created.body.watch_id, "success");
      const notice = await t.emu.waitFor(() => noticesTo(card)[0], 5000);
      expect(notice.text).toContain(`<at user_id="${ALICE}"></at>`);
      expect(notice.text).toContain(TASK);
      expect(JSON.stringify(t.emu.message(card.message_id)?.card)).toContain('"template":"green"');

      const done = await api().get(created.body.watch_id);
      expect(done.body).toMatchObject({
        state: "success",
        end_reason: null,
        card_message_id: card.message_id,
        mention_open_id: ALICE,
      });
      expect(Date.parse(done.body.finished_at)).toBeGreaterThan(0);
      await settle();
      expect(cardsIn(CHAT)).toHaveLength(1);
      expect(noticesTo(card)).toHaveLength(1);
      const metrics = await (await fetch(`${t.bot.url}/metrics`)).text();
      expect(metrics).toContain('bot_api_requests_total{operation="create",status="201"} 1');
      expect(metrics).toContain('bot_api_requests_total{operation="get",status="200"} 1');
    });

    it("without mention_open_id the notice mentions nobody", async () => {
      t.emu.setTask(TASK, ["process", "fail"]);
      const created = await api().create({ task_id: TASK, chat_id: CHAT });
      expect(created.status).toBe(201);
      await stateOf(created.body.watch_id, "fail");
      const card = cardsIn(CHAT)[0];
      const notice = await t.emu.waitFor(() => noticesTo(card)[0], 5000);
      expect(notice.text).not.toContain("<at");
    });

    it("a note full of markup stays inert text on the card", async () => {
      t.emu.setTask(TASK, ["process"]);
      const note =
        '**bold** [link](https://evil.example) <at user_id="all"></at> <at id=all></at> `code` # x';
      expect((await api().create({ task_id: TASK, chat_id: CHAT, note })).status).toBe(201);
      const card = await t.emu.waitFor(() => cardsIn(CHAT)[0], 5000);
      const json = JSON.stringify(card.card);
      expect(json).not.toContain("<at");
      expect(json).not.toContain("**bold**");
      expect(json).not.toContain("](https://");
      const element = findElement(card.card, "md_note") as { content?: string } | undefined;
      const shown = (element?.content ?? "").replace(/&#(\d+);/g, (_, n: string) =>
        String.fromCharCode(Number(n)),
      );
      expect(shown).toContain(note);
    });

    it("a task Feishu does not know ends as not_found, with the not-found card in the chat", async () => {
      const created = await api().create({ task_id: "7360595374803812999", chat_id: CHAT });
      expect(created.status).toBe(201);
      await stateOf(created.body.watch_id, "not_found");
      const card = await t.emu.waitFor(() => cardsIn(CHAT)[0], 5000);
      expect(JSON.stringify(card.card)).toContain('"template":"grey"');
      expect(noticesTo(card)).toHaveLength(0);
    });

    it("a chat the bot is not in (230002): the watch ends, GET says bot_not_in_chat", async () => {
      t.emu.setTask(TASK, ["process"]);
      t.emu.inject({ route: "create", status: 400, code: 230002, msg: "Bot is not in the chat" });
      const created = await api().create({ task_id: TASK, chat_id: CHAT });
      expect(created.status).toBe(201);
      await stateOf(created.body.watch_id, "stopped");
      expect((await api().get(created.body.watch_id)).body).toMatchObject({
        state: "stopped",
        end_reason: "bot_not_in_chat",
        feishu_code: 230002,
        card_message_id: null,
      });
      expect(t.emu.messages).toHaveLength(0);
    });

    it("a muted group (230018): GET says chat_muted, and an ended watch lets a new request start afresh", async () => {
      t.emu.setTask(TASK, ["process"]);
      t.emu.muteChat(CHAT);
      const created = await api().create({ task_id: TASK, chat_id: CHAT });
      await stateOf(created.body.watch_id, "stopped");
      expect((await api().get(created.body.watch_id)).body).toMatchObject({
        end_reason: "chat_muted",
        feishu_code: 230018,
      });
      const again = await api().create({ task_id: TASK, chat_id: CHAT });
      expect(again.status).toBe(201);
      expect(again.body.watch_id).not.toBe(created.body.watch_id);
    });

    it("a task already watched in the chat (/status): 200 with that watch, no second card", async () => {
      t.emu.setTask(TASK, ["process"]);
      const command = t.emu.messageEvent({
        chatType: "group",
        chatId: CHAT,
        text: `/status ${TASK}`,
        senderOpenId: ALICE,
        mentionBot: true,
      });
      await t.emu.deliver(t.bot.eventUrl, command);
      await t.emu.waitFor(() => t.emu.repliesTo(command.event.message.message_id)[0], 5000);
      const answer = await api().create({ task_id: TASK, chat_id: CHAT });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ origin: "command", state: "running", mention_open_id: ALICE });
      const again = await api().create({ task_id: TASK, chat_id: CHAT, note: "from the pipeline" });
      expect(again.status).toBe(200);
      expect(again.body.watch_id).toBe(answer.body.watch_id);
      await settle();
      expect(t.emu.messages.filter((m) => m.msg_type === "interactive")).toHaveLength(1);
      expect(t.emu.requestsFor("create")).toHaveLength(0);
    });
  });

  describe("POST /api/v1/watches to a user (open_id)", () => {
    it("the card is a direct message; the notice mentions nobody; GET learns the chat", async () => {
      t.emu.setTask(TASK, ["process", "success"]);
      const created = await api().create({ task_id: TASK, open_id: ALICE, mention_open_id: ALICE });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ open_id: ALICE, chat_id: null });
      await stateOf(created.body.watch_id, "success");
      const create = t.emu.requestsFor("create")[0];
      expect(create.query.receive_id_type).toBe("open_id");
      expect((create.body as { receive_id?: string }).receive_id).toBe(ALICE);
      const card = t.emu.messages.find((m) => m.msg_type === "interactive") as SentMessage;
      const notice = await t.emu.waitFor(() => noticesTo(card)[0], 5000);
      expect(notice.text).not.toContain("<at");
      expect((await api().get(created.body.watch_id)).body.chat_id).toBe(card.chat_id);
    });

    it("a user who blocked the bot (230053): GET says user_unreachable", async () => {
      t.emu.setTask(TASK, ["process"]);
      t.emu.blockBot(ALICE);
      const created = await api().create({ task_id: TASK, open_id: ALICE });
      await stateOf(created.body.watch_id, "stopped");
      expect((await api().get(created.body.watch_id)).body.end_reason).toBe("user_unreachable");
    });
  });
});

function findElement(node: unknown, elementId: string): unknown {
  if (typeof node !== "object" || node === null) return undefined;
  const n = node as Record<string, unknown>;
  if (n.element_id === elementId) return n;
  for (const value of Object.values(n)) {
    const found = Array.isArray(value)
      ? value.map((v) => findElement(v, elementId)).find(Boolean)
      : findElement(value, elementId);
    if (found) return found;
  }
  return undefined;
}
