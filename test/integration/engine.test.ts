import { describe, expect, it } from "vitest";
import { LEASE_MS } from "../../src/store/roles";
import { engineRig } from "../support/engine-rig";
import { useEmulator } from "../support/harness";

const fixture = useEmulator();

describe("watch engine decisions (fake clock)", () => {
  it("posts a card on the first round and does not check again before the interval", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("100001", ["process"]);
    const w = await rig.watch("100001");
    expect(await rig.engine.round()).toBe(1);
    expect(fixture.emu.taskCheckCount("100001")).toBe(1);
    expect((await rig.store.getWatch(w.id))?.phase).toBe("active");
    expect(fixture.emu.repliesTo(w.commandMessageId)).toHaveLength(1);

    rig.advance(4000);
    expect(await rig.engine.round()).toBe(0);
    rig.advance(1000);
    expect(await rig.engine.round()).toBe(1);
    expect(fixture.emu.taskCheckCount("100001")).toBe(2);
  });

  it("patches only when something visible changed", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("100002", ["process"]);
    const w = await rig.watch("100002");
    await rig.engine.round();
    const cardId = fixture.emu.repliesTo(w.commandMessageId)[0].message_id;
    for (let i = 0; i < 10; i++) {
      rig.advance(5000);
      await rig.engine.round();
    }
    // 50 s of checks, the same status every time, across a wall-clock minute: nothing to show, no patch.
    expect(fixture.emu.taskCheckCount("100002")).toBe(11);
    expect(fixture.emu.message(cardId)?.patches).toHaveLength(0);
    fixture.emu.setTaskStatus("100002", "paused"); // a status the bot does not know: shown at once
    rig.advance(5000);
    await rig.engine.round();
    expect(fixture.emu.message(cardId)?.patches).toHaveLength(1);
    expect(JSON.stringify(fixture.emu.message(cardId)?.card)).toContain("paused");
  });

  it("records a check with nothing new in the write that releases the watch: one write, not two", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("100008", ["process"]);
    const w = await rig.watch("100008");
    await rig.engine.round();
    const writes: Array<{ changes: object; release: boolean }> = [];
    const update = rig.store.updateWatch.bind(rig.store);
    rig.store.updateWatch = (id, changes, lease, release) => {
      writes.push({ changes, release });
      return update(id, changes, lease, release);
    };
    rig.advance(5000);
    expect(await rig.engine.round()).toBe(1);
    expect(writes).toHaveLength(1);
    expect(writes[0].release).toBe(true);
    const after = await rig.store.getWatch(w.id);
    expect(after).toMatchObject({ checks: 2, lastCheckAt: rig.clock.now, nextCheckAt: rig.clock.now + 5000 });
    // Released: another process may claim it at once.
    expect(
      await rig.store.claimWatches([w.id], { owner: "another", now: rig.clock.now, ms: 1000 }),
    ).toHaveLength(1);
    await rig.store.updateWatch(w.id, {}, { owner: "another", now: rig.clock.now, ms: LEASE_MS }, true);
    // Something to show: the check is saved before the card is patched (a side effect waits for it).
    fixture.emu.setTaskStatus("100008", "paused");
    rig.advance(5000);
    writes.length = 0;
    await rig.engine.round();
    expect(writes[0]).toMatchObject({ release: false, changes: { rawStatus: "paused" } });
    // The card's new "last checked" time needs no write of its own: it rides with the release.
    expect(writes.at(-1)).toMatchObject({ release: true, changes: { shownCheckAt: rig.clock.now } });
    expect((await rig.store.getWatch(w.id))?.shownCheckAt).toBe(rig.clock.now);
  });

  it("moves the card's last-check time only at 1, 2, 4, 8... minutes: 11 updates in a day", async () => {
    const rig = engineRig(fixture.emu, { watchTimeoutMinutes: 1500, taskCheckRps: 2000 });
    fixture.emu.setTask("100007", ["process"]);
    const w = await rig.watch("100007");
    await rig.engine.round();
    const cardId = fixture.emu.repliesTo(w.commandMessageId)[0].message_id;
    const start = rig.clock.now;
    const patchAges: number[] = [];
    while (rig.clock.now - start < 1440 * 60_000) {
      const next = await rig.store.getWatch(w.id);
      rig.clock.now = next?.nextCheckAt ?? rig.clock.now;
      const before = fixture.emu.message(cardId)?.patches.length ?? 0;
      await rig.engine.round();
      if ((fixture.emu.message(cardId)?.patches.length ?? 0) > before) {
        patchAges.push((rig.clock.now - start) / 60_000);
        // The day runs in a second of real time; Feishu's 5 updates per second per message do not, and a
        // freshness update that finds the budget short is dropped. Give the budget its real quarter second.
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    // At the first check past each power of two (checks come every 5 min after 6 hours).
    expect(patchAges.map((age) => Math.floor(Math.log2(age)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const calls = await rig.metrics.messageCalls.get();
    const byPurpose = (purpose: string) =>
      calls.values.filter((v) => v.labels.purpose === purpose).reduce((n, v) => n + v.value, 0);
    expect(byPurpose("freshness")).toBe(11);
    expect(byPurpose("reply")).toBe(1);
  });

  it("slows down for long-running tasks", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("100003", ["process"]);
    const w = await rig.watch("100003");
    await rig.engine.round();
    rig.advance(11 * 60_000);
    await rig.engine.round();
    const after = await rig.store.getWatch(w.id);
    expect(after?.nextCheckAt).toBe(rig.clock.now + 30_000);
  });

  it("ends a watch that outlives WATCH_TIMEOUT_MINUTES with a final card and one notice", async () => {
    const rig = engineRig(fixture.emu, { watchTimeoutMinutes: 30 });
    fixture.emu.setTask("100004", ["process"]);
    const w = await rig.watch("100004");
    await rig.engine.round();
    const checks = fixture.emu.taskCheckCount("100004");
    rig.advance(31 * 60_000);
    await rig.engine.round();
    expect(fixture.emu.taskCheckCount("100004")).toBe(checks); // no task_check once timed out
    const done = await rig.store.getWatch(w.id);
    expect(done).toMatchObject({ phase: "done", state: "timed_out" });
    const card = fixture.emu.message(fixture.emu.repliesTo(w.commandMessageId)[0].message_id);
    expect(JSON.stringify(card?.card)).toContain('"template":"yellow"');
    expect(fixture.emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "text")).toHaveLength(1);
  });

  it("shares one task_check between watches of the same task", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("100005", ["process"]);
    for (let i = 0; i < 5; i++) await rig.watch("100005");
    await rig.engine.round();
    expect(fixture.emu.taskCheckCount("100005")).toBe(1);
    expect(fixture.emu.requestsFor("reply")).toHaveLength(5);
  });

  it("retries a failing task_check with backoff and says so on the card", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("100006", ["process"]);
    fixture.emu.inject({ route: "task_check", status: 500, code: 1061001, count: 2 });
    const w = await rig.watch("100006");
    await rig.engine.round();
    const first = await rig.store.getWatch(w.id);
    expect(first).toMatchObject({ failures: 1, phase: "active" });
    const card = fixture.emu.repliesTo(w.commandMessageId)[0];
    expect(JSON.stringify(card.card)).toMatch(/retrying/i);
    expect(first?.nextCheckAt).toBeGreaterThan(rig.clock.now);
  });
});
