import { describe, expect, it } from "vitest";
import { OTHER_API_TOKEN, useApiBot, watchApi } from "../support/api";
import { STORES } from "../support/harness";

/**
 * The watch API over HTTP, what happens after a watch is asked for: retries with an Idempotency-Key (also at the
 * same instant), DELETE, and the listing; the real bot against the emulator.
 */

const TASK = "7360595374803812356";
const CHAT = "oc_api0000000000000000000000000001";
const ALICE = "ou_a11ce00000000000000000000000001";

describe.each(STORES)("the watch API after creation, on %s", (store) => {
  const { t, api, cardsIn, noticesTo, settle, stateOf, over } = useApiBot({}, store);

  describe("Idempotency-Key", () => {
    it("a repeated request answers 200 with the same watch and posts nothing more", async () => {
      t.emu.setTask(TASK, ["process"]);
      const body = { task_id: TASK, open_id: ALICE, note: "deploy 42" };
      const first = await api().create(body, "deploy-42-move");
      expect(first.status).toBe(201);
      await t.emu.waitFor(() => t.emu.messages[0], 5000);
      const again = await api().create(
        { note: "deploy 42", open_id: ALICE, task_id: TASK },
        "deploy-42-move",
      );
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
      expect(await t.bot.app.store.listWatches({ tenantKey: "", openOnly: false, limit: 10 })).toHaveLength(
        1,
      );
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
      expect(await t.bot.app.store.listWatches({ tenantKey: "", openOnly: false, limit: 10 })).toHaveLength(
        1,
      );
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
      await t.emu.waitFor(
        () => JSON.stringify(t.emu.message(card.message_id)?.card).includes('"grey"'),
        5000,
      );
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
});
