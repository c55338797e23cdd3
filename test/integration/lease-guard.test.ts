import { afterEach, describe, expect, it, vi } from "vitest";
import { LEASE_MS, LeaseLostError } from "../../src/store/roles";
import { engineRig } from "../support/engine-rig";
import { useEmulator } from "../support/harness";

const fixture = useEmulator();

/**
 * Found by the soak: a replica whose turn in the task_check budget came after its lease on the claimed watches
 * had run out (a queue after many tasks ended at once; a frozen process) still checked them, though other
 * replicas had taken them over and ended them: task_check calls of ended tasks, spent from the deployment's
 * budget. Now a turn that comes too late checks nothing.
 */
describe("a task_check whose turn comes after the claim's lease", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("is not made: the round leaves the watch to whoever holds it next", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("7360595374803812901", ["process"]);
    const w = await rig.watch("7360595374803812901");

    // Real time jumps past the lease between the claim and the turn in the budget (a frozen process).
    const realNow = Date.now.bind(Date);
    let calls = 0;
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + (++calls > 1 ? LEASE_MS : 0));
    expect(await rig.engine.round()).toBe(1);
    expect(fixture.emu.taskCheckCount("7360595374803812901")).toBe(0);
    expect(fixture.emu.repliesTo(w.commandMessageId)).toHaveLength(0);
    expect(rig.logs.join("")).toContain("lease ran out while waiting for the task_check budget");
    vi.restoreAllMocks();

    // Once the lease has run out, the watch is claimed again and runs as any other.
    rig.advance(LEASE_MS + 1000);
    await rig.engine.round();
    expect(fixture.emu.taskCheckCount("7360595374803812901")).toBe(1);
    expect(fixture.emu.repliesTo(w.commandMessageId)).toHaveLength(1);
  });

  it("is made while the lease holds (a turn in time)", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("7360595374803812902", ["process"]);
    const w = await rig.watch("7360595374803812902");
    expect(await rig.engine.round()).toBe(1);
    expect(fixture.emu.taskCheckCount("7360595374803812902")).toBe(1);
    expect(fixture.emu.repliesTo(w.commandMessageId)).toHaveLength(1);
  });

  it("throws LeaseLostError from the paced client and calls nothing when its deadline has passed", async () => {
    const rig = engineRig(fixture.emu);
    fixture.emu.setTask("7360595374803812903", ["process"]);
    const { feishu } = rig;
    await expect(
      feishu.taskCheck("", "7360595374803812903", undefined, Date.now() - 1),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(fixture.emu.taskCheckCount("7360595374803812903")).toBe(0);
    await expect(feishu.taskCheck("", "7360595374803812903", undefined, Date.now() + 60_000)).resolves.toBe(
      "process",
    );
  });
});
