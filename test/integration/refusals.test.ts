import { describe, expect, it } from "vitest";
import { MAX_PHASE_FAILURES } from "../../src/watch/policy";
import { type engineRig, useRig } from "../support/engine-rig";
import { STORES } from "../support/harness";

type Rig = ReturnType<typeof engineRig>;

/**
 * Refusals that retrying never fixes end their step at once with one warn line naming Feishu's code, and no
 * phase of a watch stays open without bound (docs/reliability.md, "Retry limits per phase").
 */
describe.each(STORES)("refusals and retry limits, on %s", (store) => {
  const fixture = useRig(store);

  const CHAT_REFUSALS = [230002, 232009, 230018, 230035, 230027, 230053, 230013];
  /** Refusals of a message as it is, and a code the table does not know (a missing scope): never retried. */
  const CONTENT_REFUSALS = [230001, 230025, 230099, 99992402, 99991672];
  /** The bot is not the sender of the message it updates: a refusal of an update only. */
  const UPDATE_REFUSALS = [...CONTENT_REFUSALS, 230012];

  const warnsNaming = (rig: Rig, code: number) =>
    rig.logs
      .map((l) => JSON.parse(l) as { level: string; code?: number; message: string })
      .filter((l) => l.level === "warn" && l.code === code);

  describe("a refusal of the first card", () => {
    it.each([...CHAT_REFUSALS, ...CONTENT_REFUSALS])(
      "%s: the watch ends at once, one warn line",
      async (code) => {
        const rig = fixture.rig();
        fixture.emu.setTask("300001", ["process"]);
        fixture.emu.inject({ route: "reply", status: 400, code, count: Number.POSITIVE_INFINITY });
        const w = await rig.watch("300001");
        await rig.engine.round();
        expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", endReason: `refused:${code}` });
        expect(warnsNaming(rig, code)).toHaveLength(1);
        rig.advance(3600_000);
        await rig.engine.round();
        expect(fixture.emu.requestsFor("reply")).toHaveLength(1);
        expect(fixture.emu.taskCheckCount("300001")).toBe(1);
        expect(await rig.store.listWatches({ tenantKey: "", openOnly: true, limit: 10 })).toEqual([]);
      },
    );
  });

  describe("a refusal of the completion notice", () => {
    it.each([...CHAT_REFUSALS, ...CONTENT_REFUSALS])("%s: the watch ends, no retry loop", async (code) => {
      const rig = fixture.rig();
      fixture.emu.setTask("300002", ["process", "success"]);
      const w = await rig.watch("300002");
      await rig.engine.round(); // the card
      fixture.emu.inject({ route: "reply", status: 400, code, count: Number.POSITIVE_INFINITY });
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done");
      expect(await rig.store.getWatch(w.id)).toMatchObject({
        phase: "done",
        state: "success",
        endReason: `refused:${code}`,
      });
      expect(warnsNaming(rig, code)).toHaveLength(1);
      expect(fixture.emu.requestsFor("reply")).toHaveLength(2); // the card, and one try of the notice
      const card = fixture.emu.repliesTo(w.commandMessageId)[0];
      expect(JSON.stringify(fixture.emu.message(card.message_id)?.card)).toContain('"green"');
    });
  });

  describe("a refusal of a card update", () => {
    it.each(UPDATE_REFUSALS)("%s on the final card: the notice still goes out", async (code) => {
      const rig = fixture.rig();
      fixture.emu.setTask("300003", ["process", "fail"]);
      const w = await rig.watch("300003");
      await rig.engine.round();
      fixture.emu.inject({ route: "patch", status: 400, code, count: Number.POSITIVE_INFINITY });
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done");
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", state: "fail", endReason: null });
      expect(fixture.emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "text")).toHaveLength(1);
      expect(fixture.emu.requestsFor("patch")).toHaveLength(1);
      expect(warnsNaming(rig, code)).toHaveLength(1);
    });

    it.each([230018, 230027])(
      "%s on the final card: the chat takes nothing, the watch ends",
      async (code) => {
        const rig = fixture.rig();
        fixture.emu.setTask("300004", ["process", "success"]);
        const w = await rig.watch("300004");
        await rig.engine.round();
        fixture.emu.inject({ route: "patch", status: 400, code, count: Number.POSITIVE_INFINITY });
        await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done");
        expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", endReason: `refused:${code}` });
        expect(fixture.emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "text")).toHaveLength(
          0,
        );
      },
    );
  });

  describe("every phase has a total retry limit", () => {
    it("the notice, failing again and again, is given up after the limit, loudly", async () => {
      const rig = fixture.rig();
      fixture.emu.setTask("300005", ["process", "success"]);
      const w = await rig.watch("300005");
      await rig.engine.round();
      fixture.emu.inject({ route: "reply", status: 503, count: Number.POSITIVE_INFINITY });
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done", 40);
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", endReason: "gave_up:notifying" });
      expect(fixture.emu.requestsFor("reply")).toHaveLength(1 + MAX_PHASE_FAILURES);
      expect(
        rig.logs.filter((l) => l.includes('"level":"error"') && l.includes("gave up the notice")),
      ).toHaveLength(1);
    });

    it("the first card, failing again and again, is given up after the limit", async () => {
      const rig = fixture.rig();
      fixture.emu.setTask("300006", ["process"]);
      fixture.emu.inject({ route: "reply", status: 502, count: Number.POSITIVE_INFINITY });
      const w = await rig.watch("300006");
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done", 40);
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", endReason: "gave_up:new" });
      expect(fixture.emu.requestsFor("reply")).toHaveLength(MAX_PHASE_FAILURES);
    });

    it("a task already over when asked, whose card fails again and again, is given up after the limit", async () => {
      const rig = fixture.rig();
      fixture.emu.setTask("300009", ["success"]);
      fixture.emu.inject({ route: "reply", status: 503, count: Number.POSITIVE_INFINITY });
      const w = await rig.watch("300009");
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done", 40);
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", endReason: "gave_up:new" });
      expect(fixture.emu.requestsFor("reply")).toHaveLength(MAX_PHASE_FAILURES);
    });

    it("the final card, failing again and again, is skipped after the limit and the notice still goes", async () => {
      const rig = fixture.rig();
      fixture.emu.setTask("300007", ["process", "success"]);
      const w = await rig.watch("300007");
      await rig.engine.round();
      fixture.emu.inject({ route: "patch", status: 500, count: Number.POSITIVE_INFINITY });
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done", 40);
      expect(await rig.store.getWatch(w.id)).toMatchObject({
        phase: "done",
        state: "success",
        cardDisabled: true,
      });
      expect(fixture.emu.requestsFor("patch")).toHaveLength(MAX_PHASE_FAILURES);
      expect(fixture.emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "text")).toHaveLength(1);
    });

    it("a step failing on the bot's side (the store, not Feishu) is bounded the same way", async () => {
      const rig = fixture.rig();
      // The real store, failing at its boundary: pinned contents cannot be written.
      rig.store.pinContent = () => Promise.reject(new Error("disk I/O error"));
      fixture.emu.setTask("300010", ["success"]);
      const w = await rig.watch("300010");
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done", 40);
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", endReason: "gave_up:new" });
      const logs = rig.logs.join("");
      expect(logs.split("will retry the final card")).toHaveLength(MAX_PHASE_FAILURES); // 11 retries, then
      expect(logs.split("gave up the final card")).toHaveLength(2); // one error line
      expect(fixture.emu.requestsFor("reply")).toHaveLength(0);
    });

    it("a task_check failing for good ends the watch at WATCH_TIMEOUT_MINUTES, with its notice", async () => {
      const rig = fixture.rig({ watchTimeoutMinutes: 30 });
      fixture.emu.setTask("300008", ["process"]);
      const w = await rig.watch("300008");
      await rig.engine.round();
      fixture.emu.inject({
        route: "task_check",
        status: 500,
        code: 1061001,
        count: Number.POSITIVE_INFINITY,
      });
      await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done", 60);
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", state: "timed_out" });
      expect(fixture.emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "text")).toHaveLength(1);
    });
  });
});
