import { describe, expect, it } from "vitest";
import { welcomeCard } from "../../cards";
import { list } from "../../handlers/list";
import { welcome } from "../../handlers/welcome";
import { ALICE, BOB, chatContext, commandContext, messageOf, watchOf } from "../support/fake-context";

describe("/list", () => {
  it("lists this chat's open watches with who asked, and no other chat's or ended ones", async () => {
    const watches = [
      watchOf({ id: 1, taskId: "111111", requesterOpenId: ALICE }),
      watchOf({ id: 2, taskId: "222222", requesterOpenId: BOB }),
      watchOf({ id: 3, taskId: "333333", chatId: "oc_other" }),
      watchOf({ id: 4, taskId: "444444", phase: "done", state: "success" }),
    ];
    const { ctx, replies } = commandContext(messageOf("/list"), watches);
    await list(ctx);
    expect(replies.map((r) => r.name)).toEqual(["list"]);
    const card = JSON.stringify(replies[0].message);
    for (const shown of ["111111", "222222", ALICE, BOB]) expect(card).toContain(shown);
    for (const hidden of ["333333", "444444"]) expect(card).not.toContain(hidden);
  });
});

describe("the bot added to a group", () => {
  it("posts the welcome card once, under the name its uuid is made of", async () => {
    const { ctx, posts } = chatContext();
    await welcome(ctx);
    expect(posts).toEqual([{ name: "welcome", message: { card: welcomeCard() } }]);
  });
});
