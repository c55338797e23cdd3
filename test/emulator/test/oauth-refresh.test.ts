/**
 * The refresh-token grant: rotation (a refresh token works once), the journal that proves no refresh token was
 * presented twice, lifetimes and the 365-day cap on the fake clock, the refresh switch, every refusal code, and
 * the two faults Feishu says to retry (20050, 20072).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Emulator, type EmulatorOptions, OAUTH, startEmulator } from "../src";
import { client, oauthClient, post, tokenError, tokensFor } from "./support/oauth-flow";
import { fakeClock } from "./support/sdk-client";

const DAY = 24 * 60 * 60 * 1000;

let emu: Emulator;
let clock: ReturnType<typeof fakeClock>;
afterEach(async () => {
  vi.restoreAllMocks();
  await emu?.close();
});

async function start(opts: EmulatorOptions = {}) {
  clock = fakeClock();
  emu = await startEmulator({ now: clock.now, ...opts });
  emu.addUser("ou_alice");
  const sdk = oauthClient(emu);
  const first = await tokensFor(emu, sdk, "ou_alice");
  const refresh = (refreshToken: string, scope?: string) => sdk.accessToken.refresh({ refreshToken, scope });
  return { sdk, first, refresh };
}

describe("rotation", () => {
  it("a refresh answers a new pair; the old refresh token is used up (20073), the old access token lives on; the journal has both", async () => {
    const { first, refresh } = await start();
    clock.advance(60_000);
    const second = await refresh(first.refreshToken as string);
    expect(second).toMatchObject({ tokenType: "Bearer", expiresIn: 7200, refreshTokenExpiresIn: 604_800 });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(await tokenError(refresh(first.refreshToken as string))).toEqual({
      statusCode: 400,
      code: 20073,
      error: "invalid_grant",
    });
    const old = emu.oauth.userTokens({ kind: "access" })[0];
    expect(old).toMatchObject({ token: first.accessToken, expiresAt: clock.now() - 60_000 + 7200_000 });
    expect(old.revokedAt).toBeUndefined();
    expect(emu.oauth.refreshes()).toEqual([
      {
        at: clock.now(),
        kind: "refresh",
        route: "oauth_token_v3",
        refreshToken: first.refreshToken,
        outcome: 0,
        reused: false,
        openId: "ou_alice",
        tenantKey: "tenant_emulator",
        rotatedTo: second.refreshToken,
      },
      expect.objectContaining({ refreshToken: first.refreshToken, outcome: 20073, reused: true }),
    ]);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([first.refreshToken]);
  });

  it("a chain of refreshes, each with the latest token, presents none twice", async () => {
    const { first, refresh } = await start();
    let current = first.refreshToken as string;
    for (let i = 0; i < 5; i++) {
      clock.advance(2 * 60 * 60 * 1000);
      current = (await refresh(current)).refreshToken as string;
    }
    expect(emu.oauth.refreshes().map((p) => p.outcome)).toEqual([0, 0, 0, 0, 0]);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([]);
  });

  it("two clients racing with one refresh token: one wins, the other gets 20073 and is named", async () => {
    const { first, refresh } = await start();
    const results = await Promise.allSettled([
      refresh(first.refreshToken as string),
      refresh(first.refreshToken as string),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([first.refreshToken]);
  });

  it("reset() forgets the journal, not the tokens: a person's refresh token still works after it", async () => {
    const { first, refresh } = await start();
    const second = await refresh(first.refreshToken as string);
    emu.reset(); // forgets users too; their tokens stay, as tenant tokens do
    expect(emu.oauth.refreshes()).toEqual([]);
    expect((await refresh(second.refreshToken as string)).accessToken).toBeTruthy();
    expect((await tokenError(refresh(first.refreshToken as string))).code).toBe(20073);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([first.refreshToken]);
  });

  it("the v2 endpoint refreshes too, from a form", async () => {
    const { first } = await start();
    const res = await post(
      emu,
      OAUTH.TOKEN_V2_PATH,
      { ...client(emu), grant_type: "refresh_token", refresh_token: first.refreshToken },
      { form: true },
    );
    expect(res.body).toMatchObject({ code: 0, refresh_token: expect.stringMatching(/^ur-/) });
    expect(emu.oauth.refreshes()[0]).toMatchObject({ route: "oauth_token_v2", outcome: 0 });
  });
});

describe("lifetimes on the emulator clock", () => {
  it("lifetimes are options; a refresh token past its lifetime answers 20037", async () => {
    const { first, refresh } = await start({ userTokenTtlSeconds: 60, refreshTokenTtlSeconds: 120 });
    expect(first).toMatchObject({ expiresIn: 60, refreshTokenExpiresIn: 120 });
    clock.advance(120_000);
    expect((await tokenError(refresh(first.refreshToken as string))).code).toBe(20037);
  });

  it("365 days after the person authorized, refreshing ends (20037); the refresh lifetime shrinks to the cap", async () => {
    const { first, refresh } = await start();
    let current = first.refreshToken as string;
    let last = 604_800;
    for (let day = 6; day < 365; day += 6) {
      clock.advance(6 * DAY);
      const next = await refresh(current);
      current = next.refreshToken as string;
      last = next.refreshTokenExpiresIn as number;
    }
    expect(last).toBe(5 * 24 * 60 * 60); // day 360: five days left of the year
    clock.advance(5 * DAY);
    expect((await tokenError(refresh(current))).code).toBe(20037);
  });
});

describe("refusals", () => {
  it("the refresh switch off: 20074 (the token is not used up); on again, it works", async () => {
    const { first, refresh } = await start({ refreshEnabled: false });
    expect((await tokenError(refresh(first.refreshToken as string))).code).toBe(20074);
    emu.oauth.setRefreshEnabled(true);
    expect((await refresh(first.refreshToken as string)).accessToken).toBeTruthy();
    expect(emu.oauth.refreshes().map((p) => [p.outcome, p.reused])).toEqual([
      [20074, false],
      [0, false],
    ]);
  });

  it("20026 for a token never issued here (a v1 one, an access token), 20064 revoked, 20068 a scope not granted", async () => {
    const { first, refresh } = await start();
    expect((await tokenError(refresh("ur-from-the-v1-oidc-endpoint"))).code).toBe(20026);
    expect((await tokenError(refresh(first.accessToken))).code).toBe(20026);
    expect((await tokenError(refresh(first.refreshToken as string, "drive:drive"))).code).toBe(20068);
    const narrowed = await refresh(first.refreshToken as string, "offline_access");
    expect(narrowed.scope).toBe("offline_access");
    const revoke = await post(emu, OAUTH.REVOKE_PATH, { ...client(emu), token: narrowed.refreshToken });
    expect(revoke).toEqual({ status: 200, body: { code: 0 } });
    expect((await tokenError(refresh(narrowed.refreshToken as string))).code).toBe(20064);
    expect(emu.oauth.refreshes().map((p) => [p.kind, p.outcome, p.openId])).toEqual([
      ["refresh", 20026, undefined],
      ["refresh", 20026, undefined],
      ["refresh", 20068, "ou_alice"],
      ["refresh", 0, "ou_alice"],
      ["revoke", 0, "ou_alice"],
      ["refresh", 20064, "ou_alice"],
    ]);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([]);
  });
});

describe("faults to retry: 20050 (HTTP 500) and 20072 (HTTP 503)", () => {
  it("a fault before Feishu acted leaves the token usable; after it acted (afterHandling) the retry is a reuse", async () => {
    const { first, refresh } = await start();
    emu.oauth.injectTokenFault({ code: 20050 });
    expect(await tokenError(refresh(first.refreshToken as string))).toEqual({
      statusCode: 500,
      code: 20050,
      error: "server_error",
    });
    emu.oauth.injectTokenFault({ code: 20072 });
    expect((await tokenError(refresh(first.refreshToken as string))).statusCode).toBe(503);
    const second = await refresh(first.refreshToken as string);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([]);

    emu.oauth.injectTokenFault({ code: 20050, afterHandling: true });
    expect((await tokenError(refresh(second.refreshToken as string))).code).toBe(20050);
    expect((await tokenError(refresh(second.refreshToken as string))).code).toBe(20073);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([second.refreshToken]);
    expect(emu.requestsFor("oauth_token_v3").filter((r) => r.fault)).toHaveLength(3);
    expect(() => emu.oauth.injectTokenFault({ code: 20001 as 20050 })).toThrow(/20050 or 20072/);
  });
});

describe("secrets", () => {
  it("the emulator prints no token and no secret, whatever happens", async () => {
    const printed: string[] = [];
    const keep = (...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
      return true;
    };
    for (const stream of [process.stdout, process.stderr]) vi.spyOn(stream, "write").mockImplementation(keep);
    for (const level of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, level).mockImplementation(keep);
    const { first, refresh } = await start();
    const second = await refresh(first.refreshToken as string);
    await refresh(first.refreshToken as string).catch(() => undefined);
    await post(emu, OAUTH.TOKEN_V3_PATH, {}, { raw: `{"refresh_token":"${second.refreshToken}"` });
    vi.restoreAllMocks();
    const secrets = [
      first.accessToken,
      first.refreshToken,
      second.refreshToken,
      emu.options.appSecret,
    ] as string[];
    expect(printed.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  });
});
