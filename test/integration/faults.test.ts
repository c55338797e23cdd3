import type { SentMessage } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { useRig } from "../support/engine-rig";
import { STORES } from "../support/harness";

/**
 * The failure table of src/feishu/errors.ts and its copy in docs/reliability.md, row by row, through the
 * real engine and SDK: transient, rate limits, tokens, the task, the card. Refusals of a chat or of a message
 * (and codes the table does not know) are played in refusals.test.ts, a store app's token codes (10012,
 * 99991664) in store-app.test.ts.
 */
describe.each(STORES)("the failure table, on %s", (store) => {
  const fixture = useRig(store);

  const texts = (commandId: string) => fixture.emu.repliesTo(commandId).filter((m) => m.msg_type === "text");
  const cardOf = (commandId: string): SentMessage => {
    const card = fixture.emu.repliesTo(commandId).find((m) => m.msg_type === "interactive");
    if (!card) throw new Error("no card");
    return card;
  };

  /** The Feishu codes the emulator answered on a route (the bot met them, not only a fault queued). */
  const codesAnswered = (route: "task_check" | "token") =>
    fixture.emu.requestsFor(route).map((r) => (r.response as { code?: number } | undefined)?.code);

  describe("transient failures: 1061001, 1061045, 5xx, network errors, timeouts", () => {
    it.each([
      ["1061001", { status: 500, code: 1061001 }],
      ["1061045 (a concurrent call on the task; a retry succeeds)", { status: 400, code: 1061045 }],
      ["HTTP 502 with an HTML page", { status: 502, body: "<html>Bad Gateway</html>" }],
      ["HTTP 503", { status: 503, code: 503 }],
      ["no answer (timeout)", { hang: true }],
    ])("%s: retried with backoff, the card says so, the watch recovers", async (_name, fault) => {
      const rig = fixture.rig();
      fixture.emu.setTask("200001", ["process", "success"]);
      fixture.emu.inject({ route: "task_check", count: 2, ...fault });
      const w = await rig.watch("200001");
      await rig.engine.round();
      const after = await rig.store.getWatch(w.id);
      expect(after?.failures).toBe(1);
      const delay = (after?.nextCheckAt ?? 0) - rig.clock.now;
      expect(delay).toBeGreaterThanOrEqual(2500); // half of 5 s at least
      expect(JSON.stringify(cardOf(w.commandMessageId).card)).toMatch(/retrying/i);
      await rig.runUntil(w.id, () => texts(w.commandMessageId).length > 0);
      expect(texts(w.commandMessageId)).toHaveLength(1);
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", state: "success", failures: 0 });
    });
  });

  describe("rate limits", () => {
    it.each([
      ["HTTP 429 / 99991400: waits x-ogw-ratelimit-reset seconds", 429, 99991400, "9", 9000],
      ["99991400 with HTTP 400 (older APIs): waits x-ogw-ratelimit-reset seconds", 400, 99991400, "9", 9000],
      ["HTTP 429 with no code and no reset header: backs off", 429, undefined, undefined, 2500],
    ])("%s", async (_name, status, code, reset, waitMs) => {
      const rig = fixture.rig();
      fixture.emu.setTask("200002", ["process"]);
      const w = await rig.watch("200002");
      await rig.engine.round();
      rig.advance(5000);
      fixture.emu.inject({
        route: "task_check",
        status,
        ...(code === undefined ? { body: "Too Many Requests" } : { code }),
        ...(reset && { headers: { "x-ogw-ratelimit-reset": reset } }),
      });
      await rig.engine.round();
      expect(codesAnswered("task_check").at(-1)).toBe(code);
      const after = await rig.store.getWatch(w.id);
      expect(after).toMatchObject({ phase: "active", failures: 1 });
      expect((after?.nextCheckAt ?? 0) - rig.clock.now).toBeGreaterThanOrEqual(waitMs);
    });

    it("230020 on a patch: that card is retried later, the watch goes on", async () => {
      const rig = fixture.rig();
      fixture.emu.setTask("200003", ["process", "success"]);
      const w = await rig.watch("200003");
      await rig.engine.round();
      fixture.emu.inject({
        route: "patch",
        status: 400,
        code: 230020,
        headers: { "x-ogw-ratelimit-reset": "2" },
      });
      rig.advance(5000);
      await rig.engine.round();
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "finishing", state: "success" });
      await rig.runUntil(w.id, () => texts(w.commandMessageId).length > 0);
      expect(JSON.stringify(fixture.emu.message(cardOf(w.commandMessageId).message_id)?.card)).toContain(
        '"green"',
      );
      expect(texts(w.commandMessageId)).toHaveLength(1);
    });
  });

  describe("token invalid or expired: 99991663 / 99991677", () => {
    it.each([
      [99991663, "revoked", () => fixture.emu.revokeTokens()],
      [99991677, "expired", () => fixture.emu.expireTokens()],
    ])(
      "%s (token %s): drops the cached token, fetches a new one and retries once",
      async (code, _how, spoil) => {
        const rig = fixture.rig();
        fixture.emu.setTask("200004", ["process"]);
        const w = await rig.watch("200004");
        await rig.engine.round();
        const tokensBefore = fixture.emu.requestsFor("token").length;
        spoil();
        rig.advance(5000);
        await rig.engine.round();
        expect(codesAnswered("task_check")).toEqual([0, code, 0]);
        expect(fixture.emu.requestsFor("token").length).toBe(tokensBefore + 1);
        expect(await rig.store.getWatch(w.id)).toMatchObject({ failures: 0, checks: 2 });
      },
    );
  });

  describe("the task cannot be seen: 1061002, 1061003, 1061004", () => {
    it.each([
      [1061002, 400, "invalid"],
      [1061003, 404, "not_found"],
      [1061004, 403, "not_found"],
    ])("%s: the user is told plainly and the watch ends", async (code, status, state) => {
      const rig = fixture.rig();
      fixture.emu.setTask("200005", ["process"]);
      fixture.emu.inject({ route: "task_check", status, code });
      const w = await rig.watch("200005");
      await rig.engine.round();
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", state });
      expect(JSON.stringify(cardOf(w.commandMessageId).card)).toContain("200005");
      rig.advance(60_000);
      await rig.engine.round();
      expect(fixture.emu.taskCheckCount("200005")).toBe(1);
    });
  });

  describe("card recalled or deleted: 230011, 230110", () => {
    it.each([230011, 230110])("%s: stops patching, keeps watching, still notifies", async (code) => {
      const rig = fixture.rig();
      fixture.emu.setTask("200006", ["process"]);
      const w = await rig.watch("200006");
      await rig.engine.round();
      fixture.emu.inject({ route: "patch", status: 400, code, count: Number.POSITIVE_INFINITY });
      rig.advance(61_000); // a minute later the card's times change, so it would be patched
      await rig.engine.round();
      expect(await rig.store.getWatch(w.id)).toMatchObject({ cardDisabled: true, phase: "active" });
      const patches = fixture.emu.requestsFor("patch").length;
      fixture.emu.setTaskStatus("200006", "fail");
      await rig.runUntil(w.id, () => texts(w.commandMessageId).length > 0);
      expect(fixture.emu.requestsFor("patch").length).toBe(patches);
      expect(texts(w.commandMessageId)).toHaveLength(1);
    });
  });

  describe("card older than 14 days: 230031", () => {
    it("stops patching and sends the final state as a new message, in reply to the command (its topic)", async () => {
      const rig = fixture.rig();
      fixture.emu.setTask("200007", ["process"]);
      const w = await rig.watch("200007");
      await rig.engine.round();
      fixture.emu.inject({ route: "patch", status: 400, code: 230031, count: Number.POSITIVE_INFINITY });
      fixture.emu.setTaskStatus("200007", "success");
      rig.advance(5000);
      await rig.runUntil(w.id, () => texts(w.commandMessageId).length > 0);
      const cards = fixture.emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "interactive");
      expect(cards).toHaveLength(2);
      expect(JSON.stringify(cards[1].card)).toContain('"green"');
      expect(fixture.emu.messages.filter((m) => m.reply_to === undefined)).toHaveLength(0);
      expect(texts(w.commandMessageId)).toHaveLength(1);
    });
  });

  describe("bot removed or chat gone: 230002, 232009", () => {
    it.each([230002, 232009])("%s: the watch ends quietly with a warn line naming the code", async (code) => {
      const rig = fixture.rig();
      fixture.emu.setTask("200008", ["process"]);
      fixture.emu.inject({ route: "reply", status: 400, code, count: Number.POSITIVE_INFINITY });
      const w = await rig.watch("200008");
      await rig.engine.round();
      expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done" });
      const warn = rig.logs.find((l) => l.includes(`code ${code}`));
      expect(JSON.parse(warn ?? "{}")).toMatchObject({ level: "warn", code });
      expect(warn).toContain("the watch ends");
      rig.advance(60_000);
      await rig.engine.round();
      expect(fixture.emu.taskCheckCount("200008")).toBe(1);
    });
  });
});
