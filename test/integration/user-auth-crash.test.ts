import { describe, expect, it } from "vitest";
import { useChildBot } from "../support/harness";
import { ALICE, authorizeUrl, userAuthEnv } from "../support/user-auth";

const TASK = "7360595374803812430";

/**
 * The bot as a real process, killed after Feishu exchanged the code but before the tokens were committed: nothing
 * is kept, the state is used up, and pressing Authorize again works; the card still comes alive and notifies once.
 */
describe("a crash between the token exchange and its commit", () => {
  const t = useChildBot("webhook", { hiddenTaskCode: 1061004 });

  it("keeps nothing, refuses the old callback, and the next Authorize works", async () => {
    const auth = await userAuthEnv(t.emu);
    await t.spawn(auth.env);
    t.emu.setTask(TASK, ["process", "process", "process", "success"], { openId: ALICE });
    const event = t.emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: ALICE });
    expect((await t.send(event)).status).toBe(200);
    const commandId = event.event.message.message_id;
    const card = await t.emu.waitFor(
      () => t.emu.repliesTo(commandId).find((m) => m.msg_type === "interactive"),
      10_000,
    );

    // Feishu exchanged the code (tokens issued); the bot dies asking whose they are, before keeping them.
    const died = new Promise<void>((resolve) => {
      const off = t.emu.onRequest((r) => {
        if (r.route !== "user_info") return;
        off();
        const dying = t.bot;
        dying.child.kill("SIGKILL");
        void dying.exited.then(() => resolve());
      });
    });
    const lost = await t.emu.oauth
      .consent(authorizeUrl(card.card) ?? "", { openId: ALICE })
      .catch((e: Error) => e);
    await died;
    expect(lost).toBeInstanceOf(Error); // the browser lost its connection to the bot
    expect(t.emu.oauth.userTokens({ openId: ALICE, kind: "access" })).toHaveLength(1);
    // The callback the browser brought: its state (from the page's form) and its code (as the bot exchanged it).
    const form = new URLSearchParams(String(t.emu.requests.find((r) => r.route === "oauth_consent")?.body));
    const exchanged = t.emu.requests.find((r) => r.route === "oauth_token_v3")?.body as { code?: string };
    const oldCallback = `${auth.publicUrl}/oauth/callback?code=${exchanged?.code}&state=${form.get("state")}`;

    await t.spawn(auth.env);
    // Its state was used up before the exchange: refused; and the dead bot kept nothing (it asks as before).
    const replay = await fetch(oldCallback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("used already");
    expect(JSON.stringify(t.emu.message(card.message_id)?.card)).toContain("Needs authorization");
    const again = await t.emu.oauth.consent(authorizeUrl(t.emu.message(card.message_id)?.card) ?? "", {
      openId: ALICE,
    });
    expect(again.status).toBe(200);
    const notice = await t.emu.waitFor(
      () => t.emu.repliesTo(commandId).find((m) => m.msg_type === "text"),
      20_000,
    );
    expect(notice.text).toContain(TASK);
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.emu.repliesTo(commandId).filter((m) => m.msg_type === "interactive")).toHaveLength(1);
    expect(t.emu.repliesTo(commandId).filter((m) => m.msg_type === "text")).toHaveLength(1);
  }, 60_000);
});
