/**
 * The authorization page (`GET /open-apis/authen/v1/authorize`) driven like a browser without JavaScript: the
 * scripted browser `emu.oauth.consent`, plain `fetch`, and hand-made form POSTs; the code it gives exchanged by
 * the real SDK (`client.accessToken`, v3) and the token named by `user_info`.
 */
import type { Server } from "node:http";
import * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, OAUTH, startEmulator, userIds } from "../src";
import { callbackApp, oauthClient, pkce, REDIRECT } from "./support/oauth-flow";

let emu: Emulator;
const servers: Server[] = [];
afterEach(async () => {
  await emu?.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(opts: EmulatorOptions = {}) {
  emu = await startEmulator(opts);
  emu.addUser("ou_alice", undefined, { name: "Alice", enName: "Alice A." });
  emu.addUser("ou_bob");
  return emu;
}

const pageOf = async (url: string) => {
  const res = await fetch(url, { redirect: "manual" });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    location: res.headers.get("location"),
    text: await res.text(),
  };
};

/** The `{code, message}` an error page shows. */
const shown = (html: string) =>
  JSON.parse((/<pre id="error">([^<]*)<\/pre>/.exec(html)?.[1] ?? "null").replace(/&quot;/g, '"')) as {
    code: number;
    message: string;
  } | null;

describe("the whole flow, like a browser", () => {
  it("the page lists the tenant's people; Authorize as one redirects back with code and state; the SDK exchanges it; user_info names them", async () => {
    await start();
    const app = await callbackApp();
    servers.push(app.server);
    emu.oauth.allowRedirectUri(app.url);
    const { verifier, challenge } = pkce();
    const url = emu.oauth.authorizeUrl({
      redirectUri: app.url,
      state: "s-1",
      scope: "offline_access drive:drive:readonly",
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
    });
    const page = await pageOf(url);
    expect(page).toMatchObject({ status: 200, type: "text/html; charset=utf-8", location: null });
    expect(page.text).toContain("Alice (ou_alice, tenant_emulator)");
    expect(page.text).toContain('value="tenant_emulator/ou_bob"');
    expect(page.text).not.toContain(emu.options.botOpenId); // the bot is nobody who signs in
    expect(page.text).toContain("<li>drive:drive:readonly</li>");

    const seen = await emu.oauth.consent(url, { openId: "ou_alice" });
    expect(seen.hops.map((h) => [h.method, h.status])).toEqual([
      ["GET", 200],
      ["POST", 302],
      ["GET", 200],
    ]);
    expect(seen.status).toBe(200);
    expect(seen.text).toContain("You can close this window");
    const back = app.hits[0];
    expect(back.pathname).toBe("/oauth/callback");
    expect(back.searchParams.get("state")).toBe("s-1");
    const code = back.searchParams.get("code") as string;
    expect(code).toMatch(/^[A-Za-z0-9_-]{64,}$/);
    expect(seen.redirect).toEqual({ url: seen.hops[1].location, code, state: "s-1" });

    const client = oauthClient(emu);
    const tokens = await client.accessToken.retrieveByAuthorizationCode({
      code,
      redirectUri: app.url,
      codeVerifier: verifier,
    });
    expect(tokens).toMatchObject({
      tokenType: "Bearer",
      expiresIn: 7200,
      refreshTokenExpiresIn: 604_800,
      scope: "offline_access drive:drive:readonly",
    });
    expect(tokens.accessToken).toHaveLength(OAUTH.TOKEN_LENGTH);
    expect(tokens.refreshToken).toHaveLength(OAUTH.TOKEN_LENGTH);
    const sent = emu.requestsFor("oauth_token_v3")[0];
    expect(sent.body).toEqual({
      client_id: emu.options.appId,
      client_secret: emu.options.appSecret,
      grant_type: "authorization_code",
      code,
      redirect_uri: app.url,
      code_verifier: verifier,
    });
    expect(sent.response).toEqual({
      code: 0,
      access_token: tokens.accessToken,
      expires_in: 7200,
      refresh_token: tokens.refreshToken,
      refresh_token_expires_in: 604_800,
      scope: "offline_access drive:drive:readonly",
      token_type: "Bearer",
    });

    const info = await client.authen.v1.userInfo.get({}, lark.withUserAccessToken(tokens.accessToken));
    expect(info.data).toMatchObject({
      open_id: "ou_alice",
      union_id: userIds("ou_alice").union_id,
      tenant_key: "tenant_emulator",
      name: "Alice",
      en_name: "Alice A.",
      avatar_url: expect.stringMatching(/^https:\/\//),
    });
    expect(info.data).not.toHaveProperty("user_id"); // a field scope nobody granted
    expect(emu.requestsFor("user_info")[0]).toMatchObject({
      userOpenId: "ou_alice",
      tenantKey: "tenant_emulator",
    });
    expect(emu.oauth.userTokens({ openId: "ou_alice" }).map((t) => [t.kind, t.token])).toEqual([
      ["access", tokens.accessToken],
      ["refresh", tokens.refreshToken],
    ]);
  });

  it("Deny sends the browser back with error=access_denied and the state, and issues nothing", async () => {
    await start();
    const app = await callbackApp();
    servers.push(app.server);
    emu.oauth.allowRedirectUri(app.url);
    const seen = await emu.oauth.consent(emu.oauth.authorizeUrl({ redirectUri: app.url, state: "s-2" }), {
      deny: true,
    });
    expect(seen.redirect).toEqual({ url: expect.any(String), error: "access_denied", state: "s-2" });
    expect(Object.fromEntries(app.hits[0].searchParams)).toEqual({ error: "access_denied", state: "s-2" });
    expect(emu.oauth.userTokens()).toEqual([]);
  });

  it("takes a hand-made form POST (open_id, or the page's `user` field) and keeps the redirect_uri's own query", async () => {
    await start({ redirectUris: [REDIRECT] });
    const submit = async (extra: Record<string, string>) => {
      const body = new URLSearchParams({
        client_id: emu.options.appId,
        response_type: "code",
        redirect_uri: `${REDIRECT}?from=card#top`,
        scope: "offline_access",
        state: "s-3",
        decision: "approve",
        ...extra,
      });
      const res = await fetch(`${emu.url}${OAUTH.AUTHORIZE_PATH}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: body.toString(),
      });
      return { status: res.status, location: new URL(res.headers.get("location") as string) };
    };
    const people: Array<Record<string, string>> = [{ open_id: "ou_bob" }, { user: "tenant_emulator/ou_bob" }];
    for (const person of people) {
      const { status, location } = await submit(person);
      expect(status).toBe(302);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(location.searchParams.get("from")).toBe("card");
      expect(location.searchParams.get("state")).toBe("s-3");
      expect(location.hash).toBe("#top");
    }
    expect(emu.oauth.userTokens()).toEqual([]); // codes only, until someone exchanges them
  });
});

describe("what the page refuses: an error shown, no redirect", () => {
  it("a redirect_uri off the whitelist (?/# suffixes ignored when matching), on the page and on a forged form", async () => {
    await start({ redirectUris: ["https://bot.example.com/cb"] });
    const at = (redirectUri: string) => emu.oauth.authorizeUrl({ redirectUri });
    for (const ok of ["https://bot.example.com/cb", "https://bot.example.com/cb?x=1#f"]) {
      expect((await pageOf(at(ok))).status).toBe(200);
    }
    for (const bad of [
      "https://bot.example.com/cb/",
      "https://bot.example.com/cb2",
      "https://evil.example/cb",
    ]) {
      const page = await pageOf(at(bad));
      expect(page).toMatchObject({ status: OAUTH.PAGE_ERROR_STATUS, location: null });
      expect(shown(page.text)).toEqual({ code: 2000, message: "redirect_uri unmatch" });
      const forged = await emu.oauth.consent(at(bad), { openId: "ou_alice" });
      expect(forged.redirect).toBeUndefined();
    }
    const forged = await fetch(`${emu.url}${OAUTH.AUTHORIZE_PATH}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `client_id=${emu.options.appId}&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&open_id=ou_alice&decision=approve`,
    });
    expect(forged.status).toBe(OAUTH.PAGE_ERROR_STATUS);
    expect(forged.headers.get("location")).toBeNull();
    expect(shown(await forged.text())?.code).toBe(2000);
  });

  it.each([
    ["an unknown client_id", { client_id: "cli_0000000000000000" }, 20048],
    ["no client_id", { client_id: "" }, 20001],
    ["no response_type", { response_type: "" }, 20001],
    ["response_type token", { response_type: "token" }, 20063],
    ["a scope not enabled for the app", { scope: "offline_access contact:user.base:readonly" }, 20027],
    ["more than 50 scopes", { scope: Array.from({ length: 51 }, () => "offline_access").join(" ") }, 20063],
    ["code_challenge_method S512", { code_challenge: "x".repeat(43), code_challenge_method: "S512" }, 20063],
    ["a method without a challenge", { code_challenge_method: "S256" }, 20063],
  ])("%s", async (_, change, code) => {
    await start({ redirectUris: [REDIRECT] });
    const url = new URL(emu.oauth.authorizeUrl({ redirectUri: REDIRECT, state: "s" }));
    for (const [k, v] of Object.entries(change)) url.searchParams.set(k, v);
    const page = await pageOf(url.toString());
    expect(page).toMatchObject({ status: OAUTH.PAGE_ERROR_STATUS, location: null });
    expect(shown(page.text)?.code).toBe(code);
  });

  it("a person the tenant does not have, or the bot, cannot sign in (20008); a form without a decision neither", async () => {
    await start({ redirectUris: [REDIRECT] });
    const url = emu.oauth.authorizeUrl({ redirectUri: REDIRECT });
    for (const openId of ["ou_nobody", emu.options.botOpenId]) {
      const seen = await emu.oauth.consent(url, { openId });
      expect(seen.redirect).toBeUndefined();
      expect(shown(seen.text)?.code).toBe(20008);
    }
    const noDecision = await fetch(`${emu.url}${OAUTH.AUTHORIZE_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URL(url).searchParams.toString(),
    });
    expect(shown(await noDecision.text())).toEqual({
      code: 20001,
      message: "missing required parameter: decision",
    });
    expect(emu.oauth.userTokens()).toEqual([]);
  });

  it("hostile values are escaped in the page and come back verbatim in the redirect", async () => {
    await start({ redirectUris: [REDIRECT] });
    const state = `"><script>alert(1)</script>&code=forged`;
    emu.addUser(`ou_<b>"x"</b>`, undefined, { name: "<img src=x onerror=alert(1)>" });
    const url = emu.oauth.authorizeUrl({ redirectUri: REDIRECT, state });
    const page = await pageOf(url);
    expect(page.text).not.toMatch(/<script>|<img|<b>/);
    expect(page.text).toContain("&lt;script&gt;");
    const seen = await emu.oauth.consent(url, { openId: `ou_<b>"x"</b>`, follow: false });
    expect(seen.redirect?.state).toBe(state);
    expect(seen.redirect?.code).not.toBe("forged");
    const bad = await pageOf(
      `${emu.url}${OAUTH.AUTHORIZE_PATH}?client_id=%3Cscript%3E&response_type=code&redirect_uri=x`,
    );
    expect(bad.text).not.toContain("<script>");
  });
});

describe("store apps", () => {
  it("offers the people of installed tenants; the code and token are their tenant's; an uninstalled tenant's people are gone", async () => {
    await start({ appType: "store", redirectUris: [REDIRECT] });
    emu.addTenant("tk_b");
    emu.addUser("ou_carol", "tk_b");
    const url = emu.oauth.authorizeUrl({ redirectUri: REDIRECT });
    expect((await pageOf(url)).text).toContain('value="tk_b/ou_carol"');
    const seen = await emu.oauth.consent(url, { openId: "ou_carol", follow: false });
    const client = oauthClient(emu);
    const tokens = await client.accessToken.retrieveByAuthorizationCode({
      code: seen.redirect?.code as string,
      redirectUri: REDIRECT,
    });
    const info = await client.authen.v1.userInfo.get({}, lark.withUserAccessToken(tokens.accessToken));
    expect(info.data).toMatchObject({ open_id: "ou_carol", tenant_key: "tk_b" });
    expect(emu.oauth.userTokens({ tenantKey: "tk_b" })).toHaveLength(2);

    emu.uninstallTenant("tk_b");
    expect((await pageOf(url)).text).not.toContain("ou_carol");
    const refused = await emu.oauth.consent(url, { openId: "ou_carol", tenantKey: "tk_b" });
    expect(shown(refused.text)?.code).toBe(20009);
  });
});
