import { describe, expect, it } from "vitest";
import { Sealer } from "../../src/auth/sealing";
import { STORES, useBot } from "../support/harness";
import { ALICE, authorizeUrl, newKey, userAuthEnv } from "../support/user-auth";

const KEY = newKey();

/**
 * Everything at /oauth/start and /oauth/callback that is not a good authorization by the right person gets a
 * small page in both languages saying what happened, and nothing is kept: forged, replayed or expired states,
 * a refusal on Feishu's page, a missing code, a code Feishu will not exchange, a link that is forged or old.
 */
describe.each(STORES)("user authorization refusals, on %s", (store) => {
  const t = useBot("each", (emu) => userAuthEnv(emu, [KEY]).then((a) => a.env), "webhook", store);
  const sealer = new Sealer([Buffer.from(KEY, "base64")]);

  const get = (path: string) => fetch(`${t.bot.url}${path}`, { redirect: "manual" });
  /** A fresh state, as Feishu's page would send it back: /login's button, followed to the page's URL. */
  async function stateFromStart(): Promise<string> {
    const res = await fetch(await loginLink(), { redirect: "manual" });
    expect(res.status).toBe(302);
    return new URL(res.headers.get("location") ?? "").searchParams.get("state") ?? "";
  }
  async function loginLink(): Promise<string> {
    const event = t.emu.messageEvent({ chatType: "p2p", text: "/login", senderOpenId: ALICE });
    await t.send(event);
    const card = await t.emu.waitFor(() => t.emu.repliesTo(event.event.message.message_id)[0], 5000);
    return authorizeUrl(card.card) ?? "";
  }
  const nothingKept = async () => {
    expect(await t.bot.app.store.getUserToken("", ALICE)).toBeUndefined();
    expect(t.emu.requestsFor("user_info")).toHaveLength(0);
  };
  const outcomes = async () =>
    Object.fromEntries(
      (await (await get("/metrics")).text())
        .split("\n")
        .filter((l) => l.startsWith("bot_user_authorizations_total{"))
        .map((l) => [/outcome="(\w+)"/.exec(l)?.[1], Number(l.split(" ").at(-1))]),
    );
  const expectPage = async (res: Response, status: number, words: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain(words);
    expect(html).toMatch(/[\u4e00-\u9fff]/); // and in Chinese
    return html;
  };

  it("a forged or foreign state: 400, nothing kept", async () => {
    const other = new Sealer([Buffer.alloc(32, 1)]);
    const foreign = other.sign("state", JSON.stringify({ i: "abc", e: Date.now() + 60_000 }));
    for (const state of ["forged", foreign, "", "a.b.c", "x".repeat(5000)]) {
      await expectPage(
        await get(`/oauth/callback?code=abc&state=${encodeURIComponent(state)}`),
        400,
        "not valid",
      );
    }
    await expectPage(await get("/oauth/callback?code=abc&state=1&state=2"), 400, "not valid");
    await nothingKept();
    expect((await outcomes()).invalid_state).toBe(6);
  });

  it("a state used twice: the second is refused (replayed), the first person's tokens stay", async () => {
    const done = await t.emu.oauth.consent(await loginLink(), { openId: ALICE });
    expect(done.status).toBe(200);
    const callback = done.hops.find((h) => h.url.includes("/oauth/callback"))?.url ?? "";
    const kept = await t.bot.app.store.getUserToken("", ALICE);
    const html = await expectPage(await fetch(callback), 400, "used already");
    expect(html).not.toContain(new URL(callback).searchParams.get("code") ?? "no code");
    expect(await t.bot.app.store.getUserToken("", ALICE)).toEqual(kept);
    expect(await outcomes()).toMatchObject({ ok: 1, replayed_state: 1 });
  });

  it("an expired state: the sign-in took longer than 10 minutes", async () => {
    const state = sealer.sign("state", JSON.stringify({ i: "0123abcd", e: Date.now() - 1 }));
    await t.bot.app.store.createAuthState({
      id: "0123abcd",
      tenantKey: "",
      openId: ALICE,
      watchId: null,
      createdAt: Date.now() - 700_000,
      expiresAt: Date.now() - 1,
    });
    await expectPage(await get(`/oauth/callback?code=abc&state=${state}`), 400, "expired");
    await nothingKept();
  });

  it("Deny on Feishu's page (error=access_denied): 403, nothing kept, the state used up", async () => {
    const denied = await t.emu.oauth.consent(await loginLink(), { deny: true });
    expect(denied.redirect?.error).toBe("access_denied");
    expect(denied.status).toBe(403);
    expect(denied.text).toContain("You did not authorize the bot");
    await nothingKept();
    const again = denied.hops.at(-1)?.url ?? "";
    await expectPage(await fetch(again), 400, "used already");
  });

  it("no code, or a code Feishu will not exchange: nothing kept", async () => {
    await expectPage(
      await get(`/oauth/callback?state=${await stateFromStart()}`),
      400,
      "sent no authorization",
    );
    await expectPage(
      await get(`/oauth/callback?state=${await stateFromStart()}&code=${"c".repeat(64)}`),
      502,
      "did not complete",
    );
    t.emu.oauth.injectTokenFault({ code: 20050, count: 1 });
    const failed = await t.emu.oauth.consent(await loginLink(), { openId: ALICE });
    expect(failed.status).toBe(502);
    await nothingKept();
    expect(await outcomes()).toMatchObject({ no_code: 1, exchange_failed: 2 });
    // Nothing secret reached the logs meanwhile (the code, the client secret).
    const logs = t.bot.logs.join("\n");
    expect(logs).not.toContain(t.emu.options.appSecret);
    expect(logs).not.toContain("c".repeat(64));
  });

  it("a forged or expired Authorize link: refused before anything is asked of Feishu", async () => {
    await expectPage(await get("/oauth/start?s=forged"), 400, "not valid");
    await expectPage(await get("/oauth/start"), 400, "not valid");
    const old = sealer.sign("link", JSON.stringify({ t: "", u: ALICE, w: null, e: Date.now() - 1 }));
    await expectPage(await get(`/oauth/start?s=${old}`), 410, "expired");
    expect(t.emu.requestsFor("oauth_authorize")).toHaveLength(0);
  });
});

describe("with user authorization off", () => {
  const t = useBot("each");
  it("has no /oauth routes", async () => {
    for (const path of ["/oauth/start?s=x", "/oauth/callback?code=x&state=y"]) {
      expect((await fetch(`${t.bot.url}${path}`)).status).toBe(404);
    }
  });
});
