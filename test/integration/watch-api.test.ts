import { describe, expect, it } from "vitest";
import type { ApiState } from "../../src/api/schemas";
import { apiStateOf } from "../../src/api/view";
import type { SentMessage } from "../emulator";
import { API_TOKEN, OTHER_API_TOKEN, watchApi } from "../support/api";
import { eventually, useBot } from "../support/harness";

/**
 * The watch API over HTTP: the real bot (real SDK, real SQLite) against the emulator. A script asks, the card
 * goes into the chat (or a DM), the one notice follows, and GET tells how it went.
 */
const TASK = "7360595374803812356";
const CHAT = "oc_api0000000000000000000000000001";
const ALICE = "ou_a11ce00000000000000000000000001";

const t = useBot("each", { API_TOKENS: `${API_TOKEN},${OTHER_API_TOKEN}` });
const api = () => watchApi(t.bot.url);

const cardsIn = (chatId: string) =>
  t.emu.messages.filter((m) => m.chat_id === chatId && m.msg_type === "interactive" && !m.reply_to);
const noticesTo = (card: SentMessage) =>
  t.emu.repliesTo(card.message_id).filter((m) => m.msg_type === "text");
const settle = () => new Promise((r) => setTimeout(r, 1500));

/** Waits on the store (polling GET would soon meet the rate limit) until the API would answer `state`. */
async function stateOf(id: string, state: ApiState): Promise<void> {
  await eventually(async () => {
    const watch = await t.bot.app.store.getWatch(Number(id));
    return watch !== undefined && apiStateOf(watch) === state;
  }, 10_000);
}

/** Waits until the bot is done with a watch (its final card and notice are out). */
async function over(id: string): Promise<void> {
  await eventually(async () => (await t.bot.app.store.getWatch(Number(id)))?.phase === "done", 10_000);
}

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
    const note = '**bold** [link](https://evil.example) <at user_id="all"></at> <at id=all></at> `code` # x';
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

describe("Idempotency-Key", () => {
  it("a repeated request answers 200 with the same watch and posts nothing more", async () => {
    t.emu.setTask(TASK, ["process"]);
    const body = { task_id: TASK, open_id: ALICE, note: "deploy 42" };
    const first = await api().create(body, "deploy-42-move");
    expect(first.status).toBe(201);
    await t.emu.waitFor(() => t.emu.messages[0], 5000);
    const again = await api().create({ note: "deploy 42", open_id: ALICE, task_id: TASK }, "deploy-42-move");
    expect(again.status).toBe(200);
    expect(again.body.watch_id).toBe(first.body.watch_id);
    await settle();
    expect(t.emu.requestsFor("create")).toHaveLength(1);
  });

  it("concurrent identical requests: one watch, one card", async () => {
    t.emu.setTask(TASK, ["process"]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api().create({ task_id: TASK, open_id: ALICE }, "same-key")),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.watch_id)).size).toBe(1);
    await t.emu.waitFor(() => t.emu.messages[0], 5000);
    await settle();
    expect(t.emu.messages.filter((m) => m.msg_type === "interactive")).toHaveLength(1);
    expect(await t.bot.app.store.listWatches({ tenantKey: "", openOnly: false, limit: 10 })).toHaveLength(1);
  });

  it("concurrent identical requests into a chat without a key: one watch, one card", async () => {
    t.emu.setTask(TASK, ["process"]);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api().create({ task_id: TASK, chat_id: CHAT })),
    );
    expect(new Set(answers.map((a) => a.body.watch_id)).size).toBe(1);
    await t.emu.waitFor(() => cardsIn(CHAT)[0], 5000);
    await settle();
    expect(cardsIn(CHAT)).toHaveLength(1);
  });

  it("the same key with a different body: 422, nothing created", async () => {
    t.emu.setTask(TASK, ["process"]);
    expect((await api().create({ task_id: TASK, chat_id: CHAT }, "k1")).status).toBe(201);
    for (const changed of [
      { task_id: "7360595374803812357", chat_id: CHAT },
      { task_id: TASK, chat_id: CHAT, note: "another note" },
      { task_id: TASK, chat_id: CHAT, mention_open_id: ALICE },
      { task_id: TASK, open_id: ALICE },
    ]) {
      const reused = await api().create(changed, "k1");
      expect(reused.status, JSON.stringify(changed)).toBe(422);
      expect(reused.body.error.code).toBe("idempotency_key_reused");
    }
    expect(await t.bot.app.store.listWatches({ tenantKey: "", openOnly: false, limit: 10 })).toHaveLength(1);
  });

  it("keys belong to one token: another token's same key is its own request", async () => {
    t.emu.setTask(TASK, ["process"]);
    expect((await api().create({ task_id: TASK, open_id: ALICE }, "shared")).status).toBe(201);
    const other = watchApi(t.bot.url, OTHER_API_TOKEN);
    const theirs = await other.create({ task_id: "7360595374803812357", open_id: ALICE }, "shared");
    expect(theirs.status).toBe(201);
  });
});

describe("GET, DELETE and the listing", () => {
  it("DELETE stops watching: the card says stopped, no notice follows; again, or after the end: the final state", async () => {
    t.emu.setTask(TASK, ["process"]);
    const created = await api().create({ task_id: TASK, chat_id: CHAT, mention_open_id: ALICE });
    const card = await t.emu.waitFor(() => cardsIn(CHAT)[0], 5000);
    const stopped = await api().stop(created.body.watch_id);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ state: "stopped", end_reason: "stopped_via_api" });
    await t.emu.waitFor(() => JSON.stringify(t.emu.message(card.message_id)?.card).includes('"grey"'), 5000);
    t.emu.setTaskStatus(TASK, "success");
    await settle();
    expect(noticesTo(card)).toHaveLength(0);
    const again = await api().stop(created.body.watch_id);
    expect(again.status).toBe(200);
    expect(again.body.state).toBe("stopped");
    // Stopped by a script: the card names nobody.
    expect(JSON.stringify(t.emu.message(card.message_id)?.card)).not.toContain("<at");
  });

  it("DELETE of a watch whose task ended answers its final state and changes nothing", async () => {
    t.emu.setTask(TASK, ["success"]);
    const created = await api().create({ task_id: TASK, chat_id: CHAT });
    await stateOf(created.body.watch_id, "success");
    const patches = t.emu.requestsFor("patch").length;
    const answer = await api().stop(created.body.watch_id);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: "success", end_reason: null });
    await settle();
    expect(t.emu.requestsFor("patch")).toHaveLength(patches);
  });

  it("GET of an unknown id is 404, of a malformed id 400", async () => {
    expect((await api().get("999999")).body.error.code).toBe("watch_not_found");
    expect((await api().get("999999")).status).toBe(404);
    expect((await api().get("abc")).status).toBe(400);
    expect((await api().stop("0")).body.error.code).toBe("invalid_watch_id");
  });

  it("lists only this token's watches, filtered by chat and by open/ended", async () => {
    t.emu.setTask(TASK, ["process"]);
    t.emu.setTask("7360595374803812357", ["success"]);
    const mine = await api().create({ task_id: TASK, chat_id: CHAT });
    const ended = await api().create({ task_id: "7360595374803812357", chat_id: CHAT });
    const other = watchApi(t.bot.url, OTHER_API_TOKEN);
    await other.create({ task_id: TASK, open_id: ALICE });
    await over(ended.body.watch_id);

    const open = await api().list(`?chat_id=${CHAT}`);
    expect(open.status).toBe(200);
    expect(open.body.watches.map((w: { watch_id: string }) => w.watch_id)).toEqual([mine.body.watch_id]);
    const all = await api().list("?open=false&limit=10");
    expect(all.body.watches.map((w: { watch_id: string }) => w.watch_id)).toEqual([
      mine.body.watch_id,
      ended.body.watch_id,
    ]);
    expect((await other.list()).body.watches).toHaveLength(1);
    expect((await api().list("?limit=0")).body.error.code).toBe("invalid_query");
    expect((await api().list("?chat_id=nope")).status).toBe(400);
    expect((await api().list("?colour=blue")).status).toBe(400);
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
