/**
 * Revocation: `POST /oauth/v1/revoke` (one token), and a person or an admin removing the app's authorization
 * (`emu.oauth.revokeAuthorization`: every token of theirs dies) with its event `auth.user_access_token.revoked_v4`,
 * delivered to the SDK's own EventDispatcher over the webhook (encrypted, signed) and over the long connection.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, OAUTH, startEmulator, userIds, waitFor } from "../src";
import { client, oauthClient, post, tokenError, tokensFor } from "./support/oauth-flow";
import { rejection, sdkClient } from "./support/sdk-client";

const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };
const ENCRYPT_KEY = "oauth-encrypt-key";
const VT = "oauth-vt";
const EVENT = "auth.user_access_token.revoked_v4";

let emu: Emulator;
const servers: Server[] = [];
const wsClients: lark.WSClient[] = [];
afterEach(async () => {
  for (const c of wsClients.splice(0)) c.close({ force: true });
  await emu?.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(opts: EmulatorOptions = {}) {
  emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VT, ...opts });
  emu.addUser("ou_alice");
  emu.addUser("ou_bob");
  return emu;
}

const tokenOf = (openId: string) => tokensFor(emu, oauthClient(emu), openId);
const userInfo = (token: string) =>
  sdkClient(emu).authen.v1.userInfo.get({}, lark.withUserAccessToken(token));
const refresh = (refreshToken: string) => oauthClient(emu).accessToken.refresh({ refreshToken });

/** The bot's webhook: the SDK's EventDispatcher (decrypts, checks the signature) behind adaptDefault. */
async function webhook(seen: unknown[]): Promise<string> {
  const dispatcher = new lark.EventDispatcher({
    encryptKey: ENCRYPT_KEY,
    verificationToken: VT,
    loggerLevel: lark.LoggerLevel.error,
    logger: silent,
  }).register({ [EVENT]: (data: unknown) => void seen.push(data) });
  const server = createServer(lark.adaptDefault("/webhook/event", dispatcher));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/event`;
}

describe("a person's authorization revoked", () => {
  it("kills every token of theirs, not others'; the event reaches the SDK over the webhook; the next authorization starts over", async () => {
    await start();
    const alice = await tokenOf("ou_alice");
    const bob = await tokenOf("ou_bob");
    const env = emu.oauth.revokeAuthorization({ openId: "ou_alice", reason: "administrator" });
    expect(env).toMatchObject({
      schema: "2.0",
      header: { event_type: EVENT, tenant_key: "tenant_emulator", app_id: emu.options.appId, token: VT },
      event: {
        open_id: "ou_alice",
        union_id: userIds("ou_alice").union_id,
        revoke_token_type: "user_access_token refresh_token",
        revoke_reason: "Revoked by administrator action.",
      },
    });
    const seen: unknown[] = [];
    const delivered = await emu.deliver(await webhook(seen), env);
    expect(delivered.status).toBe(200);
    expect(seen).toEqual([
      expect.objectContaining({
        event_type: EVENT,
        event_id: env.header.event_id,
        open_id: "ou_alice",
        revoke_token_type: "user_access_token refresh_token",
      }),
    ]);

    expect(await rejection(userInfo(alice.accessToken))).toMatchObject({ code: 99991668 });
    expect((await tokenError(refresh(alice.refreshToken as string))).code).toBe(20064);
    expect((await userInfo(bob.accessToken)).data?.open_id).toBe("ou_bob");
    expect((await refresh(bob.refreshToken as string)).accessToken).toBeTruthy();

    const again = await tokensFor(emu, oauthClient(emu), "ou_alice", { scope: "drive:drive" });
    expect(again.scope).toBe("drive:drive"); // the old grant is gone: nothing cumulates from it
    expect((await userInfo(again.accessToken)).data?.open_id).toBe("ou_alice");
  });

  it("over the long connection, the SDK's WSClient gets the same event and acks it [?]", async () => {
    await start({ wsReconnectNonceSeconds: 0.05, wsReconnectIntervalSeconds: 0.2 });
    const seen: Array<Record<string, unknown>> = [];
    const ws = new lark.WSClient({
      appId: emu.options.appId,
      appSecret: emu.options.appSecret,
      domain: emu.url,
      logger: silent,
    });
    wsClients.push(ws);
    void ws.start({
      eventDispatcher: new lark.EventDispatcher({ logger: silent }).register({
        [EVENT]: (data: Record<string, unknown>) => void seen.push(data),
      }),
    });
    await emu.longConnection.waitForConnections(1);
    const env = emu.oauth.revokeAuthorization({
      openId: "ou_bob",
      reason: "user",
      tokenType: "refresh_token",
    });
    const ack = await emu.longConnection.push(env).acked;
    expect(ack.code).toBe(200);
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toMatchObject({
      open_id: "ou_bob",
      revoke_token_type: "refresh_token",
      revoke_reason: "Revoked by user action.",
    });
  });

  it("tokenType picks what dies: only the access token, or only the refresh token", async () => {
    await start();
    const a = await tokenOf("ou_alice");
    emu.oauth.revokeAuthorization({ openId: "ou_alice", tokenType: "user_access_token" });
    expect(await rejection(userInfo(a.accessToken))).toMatchObject({ code: 99991668 });
    const b = await refresh(a.refreshToken as string);
    emu.oauth.revokeAuthorization({ openId: "ou_alice", tokenType: "refresh_token", reason: "security" });
    expect((await userInfo(b.accessToken)).data?.open_id).toBe("ou_alice");
    expect((await tokenError(refresh(b.refreshToken as string))).code).toBe(20064);
  });
});

describe("POST /oauth/v1/revoke", () => {
  it("revoking the refresh token ends refreshing and leaves the access token; the presentation is journalled", async () => {
    await start();
    const a = await tokenOf("ou_alice");
    const res = await post(emu, OAUTH.REVOKE_PATH, {
      ...client(emu),
      token: a.refreshToken,
      token_type_hint: "refresh_token",
    });
    expect(res).toEqual({ status: 200, body: { code: 0 } });
    expect((await tokenError(refresh(a.refreshToken as string))).code).toBe(20064);
    expect((await userInfo(a.accessToken)).data?.open_id).toBe("ou_alice");
    expect(emu.oauth.refreshes().map((p) => [p.kind, p.route, p.outcome])).toEqual([
      ["revoke", "oauth_revoke", 0],
      ["refresh", "oauth_token_v3", 20064],
    ]);
  });

  it.each([
    ["no client secret", { client_id: "cli_a1b2c3d4e5f60718", token: "x" }, {}, 20001],
    ["a wrong secret", { client_id: "cli_a1b2c3d4e5f60718", client_secret: "nope", token: "x" }, {}, 20002],
    ["no token", { client_id: "cli_a1b2c3d4e5f60718", client_secret: "emulator-secret" }, {}, 20001],
    [
      "Basic and a body secret",
      { client_id: "cli_a1b2c3d4e5f60718", client_secret: "emulator-secret", token: "x" },
      { authorization: `Basic ${Buffer.from("cli_a1b2c3d4e5f60718:emulator-secret").toString("base64")}` },
      20070,
    ],
    ["a malformed Basic header", { token: "x" }, { authorization: "Basic bm8tY29sb24=" }, 20063],
  ] as Array<[string, Record<string, string>, Record<string, string>, number]>)(
    "%s: 400 and nothing revoked",
    async (_, fields, headers, code) => {
      await start();
      const a = await tokenOf("ou_alice");
      const res = await post(
        emu,
        OAUTH.REVOKE_PATH,
        { ...fields, token: fields.token && a.accessToken },
        { headers },
      );
      expect(res).toEqual({
        status: 400,
        body: { code, error: expect.any(String), error_description: expect.any(String) },
      });
      expect((await userInfo(a.accessToken)).data?.open_id).toBe("ou_alice");
    },
  );

  it("an unknown token is answered as revoked (RFC 7009) [?]", async () => {
    await start();
    expect(
      await post(emu, OAUTH.REVOKE_PATH, { ...client(emu), token: "u-never-issued" }, { form: true }),
    ).toEqual({
      status: 200,
      body: { code: 0 },
    });
  });
});
