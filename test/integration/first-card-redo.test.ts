import { describe, expect, it } from "vitest";
import { LEASE_MS } from "../../src/store/roles";
import { useRig } from "../support/engine-rig";
import { STORES } from "../support/harness";

/**
 * Found by the soak (seed 8): a replica posted a watch's first card ("Running") and lost its lease before it
 * could record anything, not even that a post had started. The next replica, seeing a new watch, posted the
 * final card under the same uuid: Feishu handed back the first message unchanged, the bot took it for its
 * final card and notified, and the card said "Running" for good. The outbox now says when a uuid carried other
 * content first, and the card is patched right after, as for a redo it knew about.
 */
describe.each(STORES)("a first card posted by an attempt that could not record it (%s)", (store) => {
  const fixture = useRig(store);

  it("is patched to the outcome by the next attempt, then the notice follows", async () => {
    const rig = fixture.rig();
    const emu = fixture.emu;
    emu.setTask("7360595374803812777", ["process"]);
    const w = await rig.watch("7360595374803812777");

    // The first attempt: every write is lost, as when its lease has run out (the update matches no row).
    const update = rig.store.updateWatch.bind(rig.store);
    rig.store.updateWatch = async () => undefined;
    await rig.engine.round().catch(() => undefined);
    rig.store.updateWatch = update;
    const [card] = emu.repliesTo(w.commandMessageId);
    expect(card.card?.header).toMatchObject({ template: "blue" });
    expect((await rig.store.getWatch(w.id))?.phase).toBe("new");

    // The task fails; the lease runs out; another attempt takes the watch.
    emu.setTaskStatus("7360595374803812777", "fail");
    rig.advance(LEASE_MS + 1000);
    await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done");

    const replies = emu.repliesTo(w.commandMessageId);
    expect(replies.filter((m) => m.msg_type === "interactive")).toHaveLength(1);
    expect(emu.message(card.message_id)?.card?.header).toMatchObject({ template: "red" });
    expect(replies.filter((m) => m.msg_type === "text")).toHaveLength(1);
  });

  it("is not patched when the uuid's content is what this attempt sends (no earlier try)", async () => {
    const rig = fixture.rig();
    const emu = fixture.emu;
    emu.setTask("7360595374803812778", ["fail"]);
    const w = await rig.watch("7360595374803812778");
    await rig.runUntil(w.id, async () => (await rig.store.getWatch(w.id))?.phase === "done");
    const [card] = emu.repliesTo(w.commandMessageId).filter((m) => m.msg_type === "interactive");
    expect(card.card?.header).toMatchObject({ template: "red" });
    expect(emu.message(card.message_id)?.patches).toHaveLength(0);
  });
});
