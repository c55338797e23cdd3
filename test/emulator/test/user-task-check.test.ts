/**
 * User tokens on Drive (`Authorization: Bearer u-…`, the SDK's `lark.withUserAccessToken`): tasks a person
 * started with their own token are theirs alone, the app's token gets `hiddenTaskCode`; expiry on the fake clock
 * (99991677), invalid and revoked tokens (99991668), scopes not granted (99991679); user_info's refusals.
 */
import * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, OAUTH, startEmulator } from "../src";
import { client, oauthClient, post, tokensFor } from "./support/oauth-flow";
import { fakeClock, rejection, sdkClient } from "./support/sdk-client";

const TASK = "7360595374803812356";

let emu: Emulator;
let clock: ReturnType<typeof fakeClock>;
let app: lark.Client;
afterEach(() => emu?.close());

async function start(opts: EmulatorOptions = {}) {
  clock = fakeClock();
  emu = await startEmulator({ now: clock.now, ...opts });
  emu.addUser("ou_alice");
  app = sdkClient(emu);
  return emu;
}

/** A person's user_access_token (and refresh token), through the page and the SDK. */
const tokenOf = (openId: string, scope?: string, tenantKey?: string) =>
  tokensFor(emu, oauthClient(emu), openId, {
    ...(scope ? { scope } : {}),
    ...(tenantKey ? { tenantKey } : {}),
  });

const asUser = (token: string) => lark.withUserAccessToken(token);
const check = (as?: string) =>
  app.drive.v1.file.taskCheck({ params: { task_id: TASK } }, as === undefined ? undefined : asUser(as));

/** task_check by hand, for the whole answer body. */
async function rawCheck(token: string) {
  const res = await fetch(`${emu.url}/open-apis/drive/v1/files/task_check?task_id=${TASK}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("a task a person started is theirs", () => {
  it("the app's token and another person's get 404 1061003 (default hiddenTaskCode); the owner's token sees it; refusals consume no status", async () => {
    await start();
    emu.addUser("ou_bob");
    emu.setTask(TASK, ["process", "success"], { openId: "ou_alice" });
    const alice = (await tokenOf("ou_alice")).accessToken;
    const bob = (await tokenOf("ou_bob")).accessToken;
    expect(await rejection(check())).toMatchObject({ status: 404, code: 1061003, msg: "not found." });
    expect(await rejection(check(bob))).toMatchObject({ status: 404, code: 1061003 });
    expect((await check(alice)).data?.status).toBe("process");
    expect((await check(alice)).data?.status).toBe("success");
    expect(emu.requestsFor("task_check").map((r) => r.userOpenId)).toEqual([
      undefined,
      "ou_bob",
      "ou_alice",
      "ou_alice",
    ]);
    expect(emu.requestsFor("task_check")[2].headers.authorization).toBe(`Bearer ${alice}`);
  });

  it.each([
    [1061004, 403],
    [1062501, 403],
  ] as const)("hiddenTaskCode %i: the app's token gets HTTP %i", async (code, status) => {
    await start({ hiddenTaskCode: code });
    emu.setTaskStatus(TASK, "process", { openId: "ou_alice" });
    expect(await rejection(check())).toMatchObject({ status, code });
  });

  it("the app's own tasks are visible to the user tokens of its tenant; another tenant's are 403 1061004", async () => {
    await start({ appType: "store" });
    emu.addTenant("tk_b");
    emu.setTaskStatus(TASK, "process");
    const alice = (await tokenOf("ou_alice")).accessToken;
    expect((await check(alice)).data?.status).toBe("process");
    emu.setTaskStatus(TASK, "process", "tk_b");
    expect(await rejection(check(alice))).toMatchObject({ status: 403, code: 1061004 });
  });

  it("a folder moved with a user token (drive:drive) starts the person's task, which ends on the clock", async () => {
    await start();
    emu.addFolder("fld_src");
    emu.addFolder("fld_dst");
    const reader = (await tokenOf("ou_alice")).accessToken; // offline_access drive:drive:readonly
    const move = (token: string) =>
      app.drive.v1.file.move(
        { path: { file_token: "fld_src" }, data: { type: "folder", folder_token: "fld_dst" } },
        asUser(token),
      );
    expect(await rejection(move(reader))).toMatchObject({ status: 400, code: 99991679 });
    const writer = (await tokenOf("ou_alice", "offline_access drive:drive")).accessToken;
    const taskId = (await move(writer)).data?.task_id as string;
    expect(emu.driveTasks()[0]).toMatchObject({ task_id: taskId, owner_open_id: "ou_alice" });
    const checkTask = (as?: string) =>
      app.drive.v1.file.taskCheck({ params: { task_id: taskId } }, as === undefined ? undefined : asUser(as));
    expect(await rejection(checkTask())).toMatchObject({ code: 1061003 });
    expect((await checkTask(writer)).data?.status).toBe("process");
    clock.advance(emu.options.driveTaskMs);
    expect((await checkTask(writer)).data?.status).toBe("success");
    expect(emu.requestsFor("move_file").map((r) => r.userOpenId)).toEqual(["ou_alice", "ou_alice"]);
  });
});

describe("what a user token can be refused", () => {
  it("expired on the clock: 99991677; the refreshed token works; the old one stays expired", async () => {
    await start({ userTokenTtlSeconds: 600 });
    emu.setTaskStatus(TASK, "process", { openId: "ou_alice" });
    const first = await tokenOf("ou_alice");
    clock.advance(599_999);
    expect((await check(first.accessToken)).data?.status).toBe("process");
    clock.advance(1);
    expect(await rejection(check(first.accessToken))).toMatchObject({
      status: 400,
      code: 99991677,
      msg: "Authentication token expired",
    });
    const next = await oauthClient(emu).accessToken.refresh({ refreshToken: first.refreshToken as string });
    expect((await check(next.accessToken)).data?.status).toBe("process");
    emu.oauth.expireUserTokens("ou_alice");
    expect(await rejection(check(next.accessToken))).toMatchObject({ code: 99991677 });
  });

  it("unknown, revoked or a refresh token as bearer: 99991668; revoking the access token leaves the refresh token usable", async () => {
    await start();
    emu.setTaskStatus(TASK, "process", { openId: "ou_alice" });
    const first = await tokenOf("ou_alice");
    for (const token of ["u-not-issued", first.refreshToken as string]) {
      expect(await rawCheck(token)).toEqual({
        status: 400,
        body: { code: 99991668, msg: expect.stringContaining("Invalid access token") },
      });
    }
    const basic = `Basic ${Buffer.from(`${emu.options.appId}:${emu.options.appSecret}`).toString("base64")}`;
    const revoked = await post(
      emu,
      OAUTH.REVOKE_PATH,
      { token: first.accessToken, token_type_hint: "access_token" },
      {
        form: true,
        headers: { authorization: basic },
      },
    );
    expect(revoked).toEqual({ status: 200, body: { code: 0 } });
    expect((await rawCheck(first.accessToken)).body.code).toBe(99991668);
    const next = await oauthClient(emu).accessToken.refresh({ refreshToken: first.refreshToken as string });
    expect((await check(next.accessToken)).data?.status).toBe("process");
  });

  it("a scope not granted: 99991679 naming every scope that would do in permission_violations", async () => {
    await start();
    emu.setTaskStatus(TASK, "process", { openId: "ou_alice" });
    const token = (await tokenOf("ou_alice", "offline_access")).accessToken;
    const res = await rawCheck(token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 99991679,
      msg: expect.stringContaining("[drive:drive, drive:drive:readonly, drive:drive.metadata:readonly]"),
      error: {
        permission_violations: OAUTH.TASK_CHECK_SCOPES.map((subject) => ({
          type: "action_scope_required",
          subject,
        })),
      },
    });
    expect(emu.taskCheckCount(TASK)).toBe(1); // counted, and the scripted status not consumed:
    expect(
      (await check((await tokenOf("ou_alice", "drive:drive.metadata:readonly")).accessToken)).data?.status,
    ).toBe("process");
  });

  it("a user token on an API the emulator serves only to the app (messages, bot info): 99991668 [?]", async () => {
    await start();
    const token = (await tokenOf("ou_alice")).accessToken;
    const res = await fetch(`${emu.url}/open-apis/bot/v3/info`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await res.json()) as { code: number }).code).toBe(99991668);
    const send = app.im.v1.message.create(
      {
        params: { receive_id_type: "chat_id" },
        data: { receive_id: "oc_1", msg_type: "text", content: '{"text":"x"}' },
      },
      asUser(token),
    );
    expect(await rejection(send)).toMatchObject({ code: 99991668 });
    expect(emu.messages).toEqual([]);
  });
});

describe("user_info's refusals", () => {
  it("a tenant token, an unknown, a revoked (by the person) or an expired user token", async () => {
    await start();
    const info = (token?: string) =>
      app.authen.v1.userInfo.get({}, token === undefined ? undefined : asUser(token));
    expect(await rejection(info())).toMatchObject({ code: 99991668 }); // the app's own token
    expect(await rejection(info("u-forged"))).toMatchObject({ code: 99991668 });
    const first = await tokenOf("ou_alice");
    expect((await info(first.accessToken)).data?.open_id).toBe("ou_alice");
    clock.advance(7200_000);
    expect(await rejection(info(first.accessToken))).toMatchObject({ code: 99991677 });
    const second = await tokenOf("ou_alice");
    emu.oauth.revokeAuthorization({ openId: "ou_alice" });
    expect(await rejection(info(second.accessToken))).toMatchObject({ code: 99991668 });
    const refused = await post(emu, OAUTH.TOKEN_V3_PATH, {
      ...client(emu),
      grant_type: "refresh_token",
      refresh_token: second.refreshToken,
    });
    expect(refused.body.code).toBe(20064);
  });

  it("store apps: a person's tokens stop working once their tenant removes the app", async () => {
    await start({ appType: "store" });
    emu.addTenant("tk_b");
    emu.addUser("ou_carol", "tk_b");
    const token = (await tokenOf("ou_carol", undefined, "tk_b")).accessToken;
    const info = () => app.authen.v1.userInfo.get({}, asUser(token));
    expect((await info()).data?.tenant_key).toBe("tk_b");
    emu.uninstallTenant("tk_b");
    expect(await rejection(info())).toMatchObject({ code: 99991668 });
  });
});
