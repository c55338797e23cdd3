import { describe, expect, it } from "vitest";
import { replyText } from "../../cards";
import { handleCommand } from "../../handlers";
import { login, logout } from "../../handlers/login";
import type { SenderAuthorization } from "../../src/core/handling";
import { ALICE, commandContext, messageOf, T0, textOf } from "../support/fake-context";

/** /login and /logout: the sender's own authorization, or a plain answer when user authorization is off. */
describe("/login and /logout", () => {
  const t = replyText("en_us");
  const link = { url: "https://bot.example.com/oauth/start?s=x.y", until: T0 + 600_000 };
  function withAuth(held: boolean) {
    const calls: string[] = [];
    const userAuth: SenderAuthorization = {
      link: () => {
        calls.push("link");
        return link;
      },
      authorized: async () => held,
      logout: async () => {
        calls.push("logout");
        return held;
      },
    };
    return { userAuth, calls };
  }

  it("/login answers with the sender's own button, saying when they authorized already", async () => {
    for (const held of [false, true]) {
      const { ctx, replies } = commandContext(messageOf("/login"));
      ctx.userAuth = withAuth(held).userAuth;
      await login(ctx);
      const card = JSON.stringify(replies[0].message);
      expect(replies.map((r) => r.name)).toEqual(["login"]);
      expect(card).toContain(`"default_url":"${link.url}"`);
      expect(card).toContain(`<person id='${ALICE}'></person>`);
      expect(card.includes("You have authorized the bot already")).toBe(held);
    }
  });

  it("/logout revokes and says so, or says there was nothing", async () => {
    for (const held of [true, false]) {
      const { ctx, replies } = commandContext(messageOf("/logout"));
      const auth = withAuth(held);
      ctx.userAuth = auth.userAuth;
      await logout(ctx);
      expect(auth.calls).toEqual(["logout"]);
      expect(replies.map((r) => textOf(r.message))).toEqual([held ? t.loggedOut : t.notLoggedIn]);
    }
  });

  it("with user authorization off, both say the bot checks with its own identity only", async () => {
    for (const handler of [login, logout]) {
      const { ctx, replies } = commandContext(messageOf("/x"));
      await handler(ctx);
      expect(replies.map((r) => textOf(r.message))).toEqual([t.userAuthOff]);
    }
  });

  it("/help lists /login and /logout only when user authorization is on", async () => {
    const off = commandContext(messageOf("/help"));
    await handleCommand(off.ctx, { kind: "help" });
    expect(JSON.stringify(off.replies[0].message)).not.toContain("&#47;login"); // "/" as markdown writes it
    const on = commandContext(messageOf("/help"));
    on.ctx.userAuth = withAuth(false).userAuth;
    await handleCommand(on.ctx, { kind: "help" });
    expect(JSON.stringify(on.replies[0].message)).toContain("&#47;login");
    expect(JSON.stringify(on.replies[0].message)).toContain("&#47;logout");
  });
});
