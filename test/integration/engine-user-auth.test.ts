import { describe, expect, it } from "vitest";
import { AUTH_WINDOW_MS } from "../../src/watch/policy";
import { useRig } from "../support/engine-rig";
import { STORES } from "../support/harness";

const ALICE = "ou_a11ce0000000000000000000000000a1";
const TASK = "7360595374803812450";

/**
 * The watch engine with user authorization, on a hand-driven clock: how long a watch waits for its requester,
 * what it ends as when nobody authorizes, and who is never asked.
 */
describe.each(STORES)("watches waiting for an authorization, on %s", (store) => {
  const fixture = useRig(store);
  const cardOf = (messageId: string) =>
    JSON.stringify(fixture.emu.repliesTo(messageId).find((m) => m.msg_type === "interactive")?.card ?? {});

  it("waits 10 minutes for the requester, checking nothing meanwhile, then ends as not found", async () => {
    const rig = fixture.rig({ userAuth: true });
    fixture.emu.setTask(TASK, ["process"], { openId: ALICE });
    const w = await rig.watch(TASK, { requesterOpenId: ALICE, chatType: "group" });
    await rig.engine.round();
    expect(cardOf(w.commandMessageId)).toContain("Needs authorization");
    expect((await rig.store.getWatch(w.id))?.authUntil).toBe(rig.clock.now + AUTH_WINDOW_MS);
    const checks = fixture.emu.taskCheckCount(TASK);
    for (let minutes = 1; minutes < 10; minutes++) {
      rig.advance(60_000);
      await rig.engine.round();
    }
    expect(fixture.emu.taskCheckCount(TASK)).toBe(checks);
    rig.advance(60_000);
    await rig.engine.round();
    const ended = await rig.store.getWatch(w.id);
    expect(ended).toMatchObject({ phase: "done", state: "not_found", notify: false, authUntil: null });
    expect(cardOf(w.commandMessageId)).toContain("Task not found");
    expect(fixture.emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "text")).toHaveLength(0);
  });

  it("a watch whose requester's authorization ended waits for it again, then stops saying why", async () => {
    const rig = fixture.rig({ userAuth: true });
    fixture.emu.setTask(TASK, Array(50).fill("process"), { openId: ALICE });
    await rig.authorize(ALICE);
    const w = await rig.watch(TASK, { requesterOpenId: ALICE, chatType: "group" });
    await rig.engine.round();
    expect(await rig.store.getWatch(w.id)).toMatchObject({ state: "running", asUser: ALICE });
    expect(cardOf(w.commandMessageId)).toContain("Checked with");

    fixture.emu.oauth.revokeAuthorization({ openId: ALICE }); // no event: the next check finds out
    rig.advance(5_000);
    await rig.engine.round();
    expect(await rig.store.getWatch(w.id)).toMatchObject({ state: "awaiting_auth", asUser: null });
    expect(cardOf(w.commandMessageId)).toContain("which has ended");
    expect(await rig.store.getUserToken("", ALICE)).toBeUndefined();

    rig.advance(AUTH_WINDOW_MS);
    await rig.engine.round();
    expect(await rig.store.getWatch(w.id)).toMatchObject({
      phase: "done",
      state: "stopped",
      endReason: "authorization_ended",
      notify: false,
    });
  });

  it("never asks anyone for a script's watch (the watch API): it ends as not found at once", async () => {
    const rig = fixture.rig({ userAuth: true });
    fixture.emu.setTask(TASK, ["process"], { openId: ALICE });
    const w = await rig.watch(TASK, { origin: "api", requesterOpenId: ALICE, commandMessageId: null });
    await rig.engine.round();
    expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", state: "not_found" });
    expect(fixture.emu.requestsFor("oauth_token_v3")).toHaveLength(0);
  });

  it("with user authorization off, a hidden task is not found, as before", async () => {
    const rig = fixture.rig();
    fixture.emu.setTask(TASK, ["process"], { openId: ALICE });
    const w = await rig.watch(TASK, { requesterOpenId: ALICE });
    await rig.engine.round();
    expect(await rig.store.getWatch(w.id)).toMatchObject({ phase: "done", state: "not_found" });
  });
});
