import { describe, expect, it } from "vitest";
import { replyText } from "../../cards";
import { stop } from "../../handlers/stop";
import { ALICE, BOB, commandContext, messageOf, textOf, watchOf } from "../support/fake-context";

/** `/stop <taskId>`: only the person who asked may stop a watch; everyone else is told so and nothing stops. */
describe("/stop", () => {
  const TASK = "7360595374803812356";
  const t = replyText("en_us");

  it("by the requester: stops this chat's watch and says so", async () => {
    const { ctx, replies, stops } = commandContext(messageOf(`/stop ${TASK}`), [
      watchOf({ id: 3, taskId: TASK }),
    ]);
    await stop(ctx, { taskIds: [TASK], invalid: [] });
    expect(stops).toEqual([{ watchId: 3, by: ALICE }]);
    expect(replies.map((r) => [r.name, textOf(r.message)])).toEqual([[`stop:${TASK}`, t.stopped(TASK)]]);
  });

  it("by someone else in the group: refused politely, the watch goes on", async () => {
    const { ctx, replies, stops } = commandContext(messageOf(`/stop ${TASK}`, { senderOpenId: BOB }), [
      watchOf({ id: 3, taskId: TASK, requesterOpenId: ALICE }),
    ]);
    await stop(ctx, { taskIds: [TASK], invalid: [] });
    expect(stops).toEqual([]);
    expect(replies.map((r) => textOf(r.message))).toEqual([t.onlyRequesterCanStop]);
  });

  it("of a task this chat does not watch (or another chat's, or an ended watch): says so, stops nothing", async () => {
    const watches = [
      watchOf({ id: 1, taskId: "111111", chatId: "oc_other" }),
      watchOf({ id: 2, taskId: "222222", phase: "done", state: "success" }),
    ];
    const { ctx, replies, stops } = commandContext(messageOf("/stop 111111 222222 333333"), watches);
    await stop(ctx, { taskIds: ["111111", "222222", "333333"], invalid: [] });
    expect(stops).toEqual([]);
    expect(replies.map((r) => textOf(r.message))).toEqual(["111111", "222222", "333333"].map(t.notWatching));
  });

  it("of an id that cannot be a task id: answered as not watched, without a lookup that could match", async () => {
    const { ctx, replies, stops } = commandContext(messageOf("/stop ../etc"), [
      watchOf({ taskId: "../etc" }),
    ]);
    await stop(ctx, { taskIds: [], invalid: ["../etc"] });
    expect(stops).toEqual([]);
    expect(replies.map((r) => textOf(r.message))).toEqual([t.notWatching("../etc")]);
  });
});
