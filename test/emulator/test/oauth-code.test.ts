/**
 * The authorization-code grant on the v3 token endpoint (the SDK's `client.accessToken`) and on v2 (plain HTTP,
 * JSON and form-urlencoded): codes valid 5 minutes and single use, PKCE S256 and plain, redirect_uri matching,
 * client authentication, scopes, malformed and hostile bodies. Every refusal code of the grant.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, OAUTH, startEmulator } from "../src";
import { client, codeFor, oauthClient, pkce, post, REDIRECT, tokenError } from "./support/oauth-flow";
import { fakeClock } from "./support/sdk-client";

let emu: Emulator;
let clock: ReturnType<typeof fakeClock>;
afterEach(() => emu?.close());

async function start(opts: EmulatorOptions = {}) {
  clock = fakeClock();
  emu = await startEmulator({ now: clock.now, ...opts });
  emu.addUser("ou_alice");
  return emu;
}

/** A code-grant body for the v2 endpoint (or v3 by hand). */
const grant = (code: string, extra: Record<string, string> = {}) => ({
  ...client(emu),
  grant_type: "authorization_code",
  code,
  redirect_uri: REDIRECT,
  ...extra,
});

describe("codes: 5 minutes, single use", () => {
  it("a code works once within 5 minutes (emulator clock): 20065 when used again, 20004 when late, 20003 when unknown", async () => {
    await start();
    const sdk = oauthClient(emu);
    const code = await codeFor(emu, "ou_alice");
    clock.advance(OAUTH.CODE_TTL_MS - 1);
    const tokens = await sdk.accessToken.retrieveByAuthorizationCode({ code, redirectUri: REDIRECT });
    expect(tokens.accessToken).toMatch(/^u-/);
    expect(
      await tokenError(sdk.accessToken.retrieveByAuthorizationCode({ code, redirectUri: REDIRECT })),
    ).toEqual({
      statusCode: 400,
      code: 20065,
      error: "invalid_grant",
    });
    const late = await codeFor(emu, "ou_alice");
    clock.advance(OAUTH.CODE_TTL_MS);
    expect(
      (await tokenError(sdk.accessToken.retrieveByAuthorizationCode({ code: late, redirectUri: REDIRECT })))
        .code,
    ).toBe(20004);
    expect(
      (
        await tokenError(
          sdk.accessToken.retrieveByAuthorizationCode({ code: "no-such-code", redirectUri: REDIRECT }),
        )
      ).code,
    ).toBe(20003);
  });

  it("redirect_uri must equal the authorization request's (20071, also when missing); a refused exchange leaves the code usable", async () => {
    await start();
    const code = await codeFor(emu, "ou_alice");
    for (const redirect_uri of [`${REDIRECT}?x=1`, "https://bot.example.com/other"]) {
      expect((await post(emu, OAUTH.TOKEN_V2_PATH, grant(code, { redirect_uri }))).body.code).toBe(20071);
    }
    const { redirect_uri: _, ...without } = grant(code);
    expect(await post(emu, OAUTH.TOKEN_V2_PATH, without)).toEqual({
      status: 400,
      body: { code: 20071, error: "invalid_grant", error_description: expect.any(String) },
    });
    expect((await post(emu, OAUTH.TOKEN_V2_PATH, grant(code))).body.code).toBe(0);
  });
});

describe("PKCE", () => {
  it("S256 and plain: the right verifier gets tokens; a wrong, missing or malformed one 20049", async () => {
    await start();
    const sdk = oauthClient(emu);
    const s256 = pkce();
    const exchange = (code: string, codeVerifier?: string) =>
      sdk.accessToken.retrieveByAuthorizationCode({ code, redirectUri: REDIRECT, codeVerifier });
    const code = await codeFor(emu, "ou_alice", { challenge: s256.challenge, method: "S256" });
    for (const bad of [pkce().verifier, undefined, s256.challenge.slice(0, 42), `${s256.verifier}!`]) {
      expect((await tokenError(exchange(code, bad))).code).toBe(20049);
    }
    expect((await exchange(code, s256.verifier)).accessToken).toBeTruthy();

    const plain = "p".repeat(43);
    const plainCode = await codeFor(emu, "ou_alice", { challenge: plain, method: "plain" });
    expect((await tokenError(exchange(plainCode, "q".repeat(43)))).code).toBe(20049);
    expect((await exchange(plainCode, plain)).accessToken).toBeTruthy();
    // No method given: plain is the default.
    emu.oauth.allowRedirectUri(REDIRECT);
    const url = new URL(emu.oauth.authorizeUrl({ redirectUri: REDIRECT }));
    url.searchParams.set("code_challenge", plain);
    const seen = await emu.oauth.consent(url.toString(), { openId: "ou_alice", follow: false });
    expect((await exchange(seen.redirect?.code as string, plain)).accessToken).toBeTruthy();
  });

  it("a verifier without a challenge: v3 rejects it (20049), v2 accepts it", async () => {
    await start();
    const verifier = pkce().verifier;
    const v3 = await post(
      emu,
      OAUTH.TOKEN_V3_PATH,
      grant(await codeFor(emu, "ou_alice"), { code_verifier: verifier }),
    );
    expect(v3.body.code).toBe(20049);
    const v2 = await post(
      emu,
      OAUTH.TOKEN_V2_PATH,
      grant(await codeFor(emu, "ou_alice"), { code_verifier: verifier }),
    );
    expect(v2.body).toMatchObject({ code: 0, token_type: "Bearer" });
  });
});

describe("the v2 endpoint, JSON and form-urlencoded", () => {
  it.each([false, true])("form=%s: the same flat answer as v3", async (form) => {
    await start();
    const res = await post(emu, OAUTH.TOKEN_V2_PATH, grant(await codeFor(emu, "ou_alice")), { form });
    expect(res).toEqual({
      status: 200,
      body: {
        code: 0,
        access_token: expect.stringMatching(/^u-/),
        expires_in: 7200,
        refresh_token: expect.stringMatching(/^ur-/),
        refresh_token_expires_in: 604_800,
        scope: "offline_access drive:drive:readonly",
        token_type: "Bearer",
      },
    });
  });
});

describe("client authentication", () => {
  it("body secret or HTTP Basic, never both (20070); a wrong secret 20002, another app 20048, none 20001", async () => {
    await start();
    const basic = (id: string, secret: string) => ({
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
    });
    const code = await codeFor(emu, "ou_alice");
    const { client_secret: _, ...noSecret } = grant(code);
    const appBasic = basic(emu.options.appId, emu.options.appSecret);
    expect((await post(emu, OAUTH.TOKEN_V2_PATH, grant(code), { headers: appBasic })).body.code).toBe(20070);
    expect(
      (await post(emu, OAUTH.TOKEN_V2_PATH, noSecret, { headers: basic(emu.options.appId, "x") })).body.code,
    ).toBe(20002);
    expect((await post(emu, OAUTH.TOKEN_V2_PATH, noSecret)).body.code).toBe(20001);
    expect((await post(emu, OAUTH.TOKEN_V2_PATH, { ...grant(code), client_id: "cli_other" })).body.code).toBe(
      20048,
    );
    expect(
      (await tokenError(oauthClient(emu, "wrong").accessToken.retrieveByAuthorizationCode({ code }))).code,
    ).toBe(20002);
    expect((await post(emu, OAUTH.TOKEN_V2_PATH, noSecret, { headers: appBasic })).body.code).toBe(0);
  });
});

describe("malformed and hostile bodies: 4xx with a clear code, nothing issued", () => {
  it.each([
    ["not JSON", { raw: "{code:" }, 20063],
    ["a JSON array", { raw: "[1,2]" }, 20063],
    ["a number where a string belongs", { raw: JSON.stringify({ client_id: 1, client_secret: "x" }) }, 20063],
    ["an object where a string belongs", { raw: JSON.stringify({ client_id: { $ne: "" } }) }, 20063],
    ["an empty body", { raw: "" }, 20001],
  ])("%s", async (_, opts, code) => {
    await start();
    const res = await post(emu, OAUTH.TOKEN_V3_PATH, {}, opts);
    expect(res).toEqual({
      status: 400,
      body: { code, error: expect.any(String), error_description: expect.any(String) },
    });
  });

  it("grant_type missing (20001) or unknown (20036); a huge code is just unknown (20003)", async () => {
    await start();
    expect((await post(emu, OAUTH.TOKEN_V3_PATH, client(emu))).body.code).toBe(20001);
    const device = { ...client(emu), grant_type: "urn:ietf:params:oauth:grant-type:device_code" };
    expect((await post(emu, OAUTH.TOKEN_V3_PATH, device)).body.code).toBe(20036);
    expect((await post(emu, OAUTH.TOKEN_V3_PATH, grant("A".repeat(100_000)))).body.code).toBe(20003);
    expect(emu.oauth.userTokens()).toEqual([]);
  });
});

describe("scopes", () => {
  it("grants are cumulative; `scope` narrows a token (20067 duplicates, 20068 not granted); no offline_access, no refresh token", async () => {
    await start();
    const first = await post(
      emu,
      OAUTH.TOKEN_V2_PATH,
      grant(await codeFor(emu, "ou_alice", { scope: "drive:drive" })),
    );
    expect(first.body).toMatchObject({ code: 0, scope: "drive:drive" });
    expect(first.body).not.toHaveProperty("refresh_token");
    expect(first.body).not.toHaveProperty("refresh_token_expires_in");
    const code = await codeFor(emu, "ou_alice", { scope: "offline_access" });
    expect(
      (await post(emu, OAUTH.TOKEN_V2_PATH, grant(code, { scope: "drive:drive drive:drive" }))).body.code,
    ).toBe(20067);
    expect(
      (await post(emu, OAUTH.TOKEN_V2_PATH, grant(code, { scope: "drive:drive:readonly" }))).body.code,
    ).toBe(20068);
    const both = await post(emu, OAUTH.TOKEN_V2_PATH, grant(code));
    expect(both.body).toMatchObject({
      code: 0,
      scope: "drive:drive offline_access",
      refresh_token: expect.any(String),
    });
    const narrowed = await post(
      emu,
      OAUTH.TOKEN_V2_PATH,
      grant(await codeFor(emu, "ou_alice"), { scope: "drive:drive" }),
    );
    expect(narrowed.body).toMatchObject({ code: 0, scope: "drive:drive" });
  });

  it("a person outside the app's availability (20010) or of a tenant without the app (20009) gets no token", async () => {
    await start({ appType: "store" });
    emu.addTenant("tk_b");
    emu.addUser("ou_carol", "tk_b");
    const code = await codeFor(emu, "ou_alice");
    emu.makeUnavailable("ou_alice");
    expect((await post(emu, OAUTH.TOKEN_V3_PATH, grant(code))).body.code).toBe(20010);
    const carol = await codeFor(emu, "ou_carol", { tenantKey: "tk_b" });
    emu.uninstallTenant("tk_b");
    expect((await post(emu, OAUTH.TOKEN_V3_PATH, grant(carol))).body.code).toBe(20009);
  });
});

describe("rate limits", () => {
  it("each token endpoint admits oauthTokenPerSecond calls per sliding second, then 429 / 99991400", async () => {
    await start({ oauthTokenPerSecond: 2 });
    const call = () => post(emu, OAUTH.TOKEN_V3_PATH, grant("x"));
    expect([(await call()).status, (await call()).status]).toEqual([400, 400]); // refused codes still count
    expect(await call()).toEqual({ status: 429, body: { code: 99991400, msg: expect.any(String) } });
    expect((await post(emu, OAUTH.TOKEN_V2_PATH, grant("x"))).status).toBe(400); // v2 counts apart
    expect(emu.violations().map((r) => [r.route, r.rateLimit])).toEqual([
      ["oauth_token_v3", "oauthTokenPerSecond"],
    ]);
    clock.advance(1000);
    expect((await call()).status).toBe(400);
  });
});
