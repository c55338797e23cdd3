import { describe, expect, it } from "vitest";
import { replyText } from "../../cards";
import { MAX_IDS_PER_COMMAND } from "../../handlers/parse";
import { alreadyWatched, status } from "../../handlers/status";
import { commandContext, messageOf, textOf, watchOf } from "../support/fake-context";

/** `/status`: the handler answers what it can at once and returns the tasks the core is to watch. */
describe("/status", () => {
  const t = replyText("en_us");

  it("asks for every task not watched in this chat yet, and replies nothing itself", async () => {
    const { ctx, replies } = commandContext(messageOf("/status 111111 222222"));
    expect(await status(ctx, { taskIds: ["111111", "222222"], invalid: [], dropped: 0 })).toEqual({
      watch: ["111111", "222222"],
    });
    expect(replies).toEqual([]);
  });

  it("points to the existing card of a task this chat watches already, and does not ask for it again", async () => {
    const { ctx, replies } = commandContext(messageOf("/status 111111 222222"), [
      watchOf({ taskId: "111111", commandMessageId: "om_earlier" }),
    ]);
    expect(await status(ctx, { taskIds: ["111111", "222222"], invalid: [], dropped: 0 })).toEqual({
      watch: ["222222"],
    });
    expect(replies.map((r) => [r.name, textOf(r.message)])).toEqual([
      ["already:111111", t.alreadyWatching("111111")],
    ]);
  });

  it("asks again for the watch its own first attempt made (a retried command is not pointed to itself)", async () => {
    const { ctx, replies } = commandContext(messageOf("/status 111111"), [
      watchOf({ taskId: "111111", commandMessageId: "om_command" }),
    ]);
    expect(await status(ctx, { taskIds: ["111111"], invalid: [], dropped: 0 })).toEqual({
      watch: ["111111"],
    });
    expect(replies).toEqual([]);
  });

  it("answers an invalid id with the invalid card, and too many ids with how many were left out", async () => {
    const { ctx, replies } = commandContext(messageOf("/status"));
    const intent = await status(ctx, { taskIds: ["111111"], invalid: ["<b>x</b>"], dropped: 3 });
    expect(intent).toEqual({ watch: ["111111"] });
    expect(replies.map((r) => r.name)).toEqual(["invalid:<b>x</b>", "too-many"]);
    // The id is shown defused (no markup reaches the card), never dropped.
    const card = JSON.stringify(replies[0].message);
    expect(card).toContain("‹b›x‹/b›");
    expect(card).not.toContain("<b>");
    expect(textOf(replies[1].message)).toBe(t.tooMany(MAX_IDS_PER_COMMAND, 3));
  });

  it("alreadyWatched points to each card once, by its own reply name", async () => {
    const { ctx, replies } = commandContext(messageOf("/status 1 2"));
    await alreadyWatched(ctx, ["111111", "222222"]);
    expect(replies.map((r) => r.name)).toEqual(["already:111111", "already:222222"]);
  });
});
