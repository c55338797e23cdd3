/**
 * Store apps (ISV): app tickets and the store token routes. The ticket reaches the real SDK the way Feishu
 * delivers it: app_ticket/resend → a v1 `app_ticket` event pushed (encrypted, signed) to the bot's event URL,
 * where the SDK's own EventDispatcher caches it; stale and expired tickets (10012), rotation, and the token
 * routes' refusals.
 */
import * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  CODES,
  decryptBody,
  type Emulator,
  type EmulatorOptions,
  STORE,
  signBody,
  startEmulator,
  type V1EventEnvelope,
} from "../src";
import { cachedTicket, eventReceiver, isvClient, seedTicket } from "./support/isv-client";
import { fakeClock } from "./support/sdk-client";

const TK = "tk_alpha0000000001";
const ENCRYPT_KEY = "isv-encrypt-key";
const VT = "isv-vt";

let emu: Emulator | undefined;
const servers: Array<{ close(cb: () => void): void }> = [];
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A store emulator with one more tenant; `receiver` = a local webhook feeding the SDK's EventDispatcher. */
async function setup(opts: EmulatorOptions = {}) {
  const cache = new lark.DefaultCache();
  const receiver = await eventReceiver({
    emu: () => emu,
    cache,
    encryptKey: ENCRYPT_KEY,
    verificationToken: VT,
  });
  servers.push(receiver.server);
  const e = await startEmulator({
    appType: "store",
    encryptKey: ENCRYPT_KEY,
    verificationToken: VT,
    ticketPushUrl: receiver.url,
    ...opts,
  });
  emu = e;
  e.addTenant(TK);
  e.setTaskStatus("7000000000000000001", "success", TK);
  return { emu: e, cache, receiver };
}

const taskCheck = (client: lark.Client) =>
  client.drive.v1.file.taskCheck({ params: { task_id: "7000000000000000001" } }, lark.withTenantKey(TK));

/** POSTs JSON to the emulator (what a hand-written client, or a bot's own resend, sends). */
async function postJson(e: Emulator, path: string, body: unknown) {
  const res = await fetch(`${e.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("a restarted bot: no ticket in its cache", () => {
  it("the SDK asks resend, the emulator answers and then pushes the ticket to the event URL, the SDK gets its tokens", async () => {
    const { emu: e, cache, receiver } = await setup();
    const client = isvClient(e, cache); // its constructor finds no ticket and asks app_ticket/resend
    await e.waitFor(() => e.ticketPushes[0]?.status === 200); // the SDK's dispatcher answered: cached
    expect(receiver.got).toHaveLength(1);
    expect(await cachedTicket(e, cache)).toBe(e.currentTicket());

    const resend = e.requestsFor("app_ticket_resend");
    expect(resend).toHaveLength(1);
    expect(resend[0].body).toEqual({ app_id: e.options.appId, app_secret: e.options.appSecret });
    expect(resend[0]).toMatchObject({ status: 200, response: { code: 0, msg: "success" } });
    // The answer carries no ticket; the push came after it.
    expect(JSON.stringify(resend[0].response)).not.toContain(e.currentTicket());
    expect(receiver.got[0].resendAnswered).toBe(true);
    expect(e.ticketPushes).toEqual([
      { url: receiver.url, ticket: e.currentTicket(), at: expect.any(Number), via: "resend", status: 200 },
    ]);

    // Delivered like every event: encrypted, signed over the raw body; a v1 body inside.
    const { headers, raw } = receiver.got[0];
    const timestamp = String(headers["x-lark-request-timestamp"]);
    const nonce = String(headers["x-lark-request-nonce"]);
    expect(headers["x-lark-signature"]).toBe(signBody(ENCRYPT_KEY, timestamp, nonce, raw));
    const envelope = JSON.parse(decryptBody(ENCRYPT_KEY, JSON.parse(raw).encrypt)) as V1EventEnvelope;
    expect(envelope).toEqual({
      ts: expect.stringMatching(/^\d+\.\d{7}$/),
      uuid: expect.stringMatching(/^[0-9a-f]{32}$/),
      token: VT,
      type: "event_callback",
      event: { app_id: e.options.appId, app_ticket: e.currentTicket(), type: "app_ticket" },
    });

    expect((await taskCheck(client)).data?.status).toBe("success");
    expect(e.requestsFor("app_access_token")[0].body).toMatchObject({ app_ticket: e.currentTicket() });
    expect(e.requestsFor("store_tenant_token")[0].body).toMatchObject({ tenant_key: TK });
  });

  it("a call made before the ticket arrived goes out without a token (99991663) and asks resend again", async () => {
    const { emu: e, cache, receiver } = await setup({ ticketPushUrl: "" });
    const client = isvClient(e, cache);
    await e.waitFor(() => e.requestsFor("app_ticket_resend").length === 1);
    const err = await taskCheck(client).then(
      () => undefined,
      (x: { response?: { status: number; data: unknown } }) => x.response,
    );
    expect(err).toMatchObject({ status: 400, data: { code: CODES.INVALID_TOKEN } });
    expect(e.requestsFor("task_check")[0].headers.authorization).toBeUndefined();
    expect(e.requestsFor("app_ticket_resend")).toHaveLength(2);
    // No push URL yet: nothing was pushed. Once set, the next resend delivers.
    expect(e.ticketPushes).toEqual([]);
    e.setTicketPushUrl(receiver.url);
    await postJson(e, STORE.RESEND_PATH, { app_id: e.options.appId, app_secret: e.options.appSecret });
    await e.waitFor(() => receiver.got.length === 1);
    expect((await taskCheck(client)).data?.status).toBe("success");
  });

  it("a resend Feishu handled but whose answer was lost still pushes; a refused one does not", async () => {
    const { emu: e, cache, receiver } = await setup();
    e.inject({ route: "app_ticket_resend", status: 500 });
    isvClient(e, cache);
    await e.waitFor(() => e.requestsFor("app_ticket_resend")[0]?.status === 500);
    e.inject({ route: "app_ticket_resend", afterHandling: true, status: 502 });
    const lost = await postJson(e, STORE.RESEND_PATH, {
      app_id: e.options.appId,
      app_secret: e.options.appSecret,
    });
    expect(lost.status).toBe(502);
    await e.waitFor(() => receiver.got.length === 1);
    expect(e.ticketPushes.map((p) => p.via)).toEqual(["resend"]);
    expect(await cachedTicket(e, cache)).toBe(e.currentTicket());
  });
});

describe("stale, rotated and expired tickets", () => {
  it("a rotated ticket works for ticketGraceMs, then answers 10012; the Node SDK throws and does not resend", async () => {
    const clock = fakeClock();
    const { emu: e, cache, receiver } = await setup({ now: clock.now, ticketGraceMs: 10_000 });
    const old = await seedTicket(e, cache);
    const client = isvClient(e, cache);
    const fresh = e.rotateTicket();
    expect(fresh).not.toBe(old);
    expect(e.currentTicket()).toBe(fresh);
    clock.advance(9_999);
    expect((await taskCheck(client)).data?.status).toBe("success"); // the old ticket, still in its grace

    clock.advance(1);
    e.addTenant("tk_beta");
    e.setTaskStatus("7000000000000000002", "process", "tk_beta");
    const second = () =>
      client.drive.v1.file.taskCheck(
        { params: { task_id: "7000000000000000002" } },
        lark.withTenantKey("tk_beta"),
      );
    await expect(second()).rejects.toThrow(
      "failed to get app_access_token, code: 10012, msg: app ticket invalid",
    );
    expect(e.requestsFor("app_access_token").at(-1)).toMatchObject({
      status: 200,
      body: { app_ticket: old },
      response: { code: CODES.APP_TICKET_INVALID, msg: STORE.APP_TICKET_INVALID_MSG },
    });
    // Unlike the Go SDK, the Node SDK neither asks resend on 10012 nor drops the stale ticket: it fails again.
    expect(e.requestsFor("app_ticket_resend")).toEqual([]);
    expect(await cachedTicket(e, cache)).toBe(old);
    await expect(second()).rejects.toThrow(/code: 10012/);
    expect(e.tickets().map((t) => [t.ticket, t.valid])).toEqual([
      [old, false],
      [fresh, true],
    ]);

    // What a bot must do itself: get the current ticket pushed (here the hourly push), then it works.
    await e.pushAppTicket(receiver.url);
    expect(await cachedTicket(e, cache)).toBe(fresh);
    expect((await second()).data?.status).toBe("process");
    expect(e.ticketPushes.map((p) => [p.via, p.ticket, p.status])).toEqual([["push", fresh, 200]]);
  });

  it("expireTickets: every ticket so far answers 10012; resend pushes a new one", async () => {
    const { emu: e, cache, receiver } = await setup();
    const first = await seedTicket(e, cache);
    const client = isvClient(e, cache);
    e.expireTickets();
    await expect(taskCheck(client)).rejects.toThrow(/code: 10012/);
    expect(e.tickets()).toEqual([{ ticket: first, issued_at: expect.any(Number), valid: false }]);

    await postJson(e, STORE.RESEND_PATH, { app_id: e.options.appId, app_secret: e.options.appSecret });
    await e.waitFor(() => receiver.got.length === 1);
    const second = e.currentTicket();
    expect(second).not.toBe(first);
    expect(await cachedTicket(e, cache)).toBe(second);
    expect((await taskCheck(client)).data?.status).toBe("success");
  });

  it("a ticket the emulator never issued answers 10012", async () => {
    const { emu: e } = await setup();
    const res = await postJson(e, STORE.APP_ACCESS_TOKEN_PATH, {
      app_id: e.options.appId,
      app_secret: e.options.appSecret,
      app_ticket: "made-up",
    });
    expect(res).toEqual({ status: 200, body: { code: 10012, msg: "app ticket invalid" } });
  });
});

describe("store token routes", () => {
  const creds = (e: Emulator) => ({ app_id: e.options.appId, app_secret: e.options.appSecret });

  it("answers flat bodies and reuses a token while more than 30 minutes remain, per tenant", async () => {
    const clock = fakeClock();
    const { emu: e } = await setup({ now: clock.now });
    const app = await postJson(e, STORE.APP_ACCESS_TOKEN_PATH, {
      ...creds(e),
      app_ticket: e.currentTicket(),
    });
    expect(app).toEqual({
      status: 200,
      body: { code: 0, msg: "success", app_access_token: expect.stringMatching(/^a-emu-/), expire: 7200 },
    });
    const appToken = app.body.app_access_token;
    const ask = (tenant_key: string) =>
      postJson(e, STORE.TENANT_ACCESS_TOKEN_PATH, { app_access_token: appToken, tenant_key });
    const t1 = await ask(TK);
    expect(t1.body).toEqual({
      code: 0,
      msg: "success",
      tenant_access_token: expect.stringMatching(/^t-emu-/),
      expire: 7200,
    });
    clock.advance(60_000);
    expect((await ask(TK)).body).toMatchObject({
      tenant_access_token: t1.body.tenant_access_token,
      expire: 7140,
    });
    expect((await ask("tenant_emulator")).body.tenant_access_token).not.toBe(t1.body.tenant_access_token);
  });

  it("refuses wrong credentials, bad app tokens, unknown tenants and the wrong app type", async () => {
    const { emu: e } = await setup();
    const ticket = e.currentTicket();
    const refusal = (code: number, msg: string) => ({ status: 200, body: { code, msg } });
    expect(
      await postJson(e, STORE.APP_ACCESS_TOKEN_PATH, {
        ...creds(e),
        app_secret: "wrong",
        app_ticket: ticket,
      }),
    ).toEqual(refusal(CODES.APP_SECRET_INVALID, "app secret invalid"));
    expect(await postJson(e, STORE.APP_ACCESS_TOKEN_PATH, { app_id: "cli_other", app_secret: "x" })).toEqual(
      refusal(CODES.INVALID_PARAM, "invalid param"),
    );
    expect(await postJson(e, STORE.APP_ACCESS_TOKEN_PATH, creds(e))).toEqual(
      refusal(CODES.APP_TICKET_INVALID, "app ticket invalid"),
    );
    expect(await postJson(e, STORE.RESEND_PATH, { ...creds(e), app_secret: "wrong" })).toEqual(
      refusal(CODES.APP_SECRET_INVALID, "app secret invalid"),
    );
    expect(
      await postJson(e, STORE.TENANT_ACCESS_TOKEN_PATH, { app_access_token: "a-forged", tenant_key: TK }),
    ).toEqual(refusal(CODES.APP_ACCESS_TOKEN_INVALID, "app access token invalid"));
    const appToken = (await postJson(e, STORE.APP_ACCESS_TOKEN_PATH, { ...creds(e), app_ticket: ticket }))
      .body.app_access_token;
    expect(
      await postJson(e, STORE.TENANT_ACCESS_TOKEN_PATH, {
        app_access_token: appToken,
        tenant_key: "tk_nobody",
      }),
    ).toEqual(refusal(CODES.INVALID_PARAM, STORE.UNKNOWN_TENANT_MSG));
    // A tenant token is not an app token, and an app token is no bearer token for the APIs.
    const tenantToken = (
      await postJson(e, STORE.TENANT_ACCESS_TOKEN_PATH, { app_access_token: appToken, tenant_key: TK })
    ).body.tenant_access_token;
    expect(
      (await postJson(e, STORE.TENANT_ACCESS_TOKEN_PATH, { app_access_token: tenantToken, tenant_key: TK }))
        .body,
    ).toMatchObject({ code: CODES.APP_ACCESS_TOKEN_INVALID });
    const asBearer = await fetch(`${e.url}/open-apis/bot/v3/info`, {
      headers: { authorization: `Bearer ${appToken}` },
    });
    expect(asBearer.status).toBe(400);
    expect(((await asBearer.json()) as { code: number }).code).toBe(CODES.INVALID_TOKEN);
    // The self-built endpoint is not for a store app; revoked app tokens are invalid.
    expect(await postJson(e, "/open-apis/auth/v3/tenant_access_token/internal", creds(e))).toEqual(
      refusal(CODES.INVALID_PARAM, STORE.WRONG_APP_TYPE_MSG),
    );
    e.revokeTokens();
    expect(
      (await postJson(e, STORE.TENANT_ACCESS_TOKEN_PATH, { app_access_token: appToken, tenant_key: TK }))
        .body,
    ).toMatchObject({ code: CODES.APP_ACCESS_TOKEN_INVALID });
  });

  it("a self-built app gets no ticket, no store token and no tenants", async () => {
    const e = await startEmulator();
    emu = e;
    const body = { app_id: e.options.appId, app_secret: e.options.appSecret, app_ticket: "x" };
    for (const path of [STORE.APP_ACCESS_TOKEN_PATH, STORE.RESEND_PATH]) {
      expect((await postJson(e, path, body)).body).toEqual({
        code: CODES.INVALID_PARAM,
        msg: STORE.WRONG_APP_TYPE_MSG,
      });
    }
    expect(
      (await postJson(e, STORE.TENANT_ACCESS_TOKEN_PATH, { app_access_token: "a", tenant_key: "t" })).body,
    ).toEqual({ code: CODES.INVALID_PARAM, msg: STORE.WRONG_APP_TYPE_MSG });
    expect(() => e.addTenant("tk_x")).toThrow(/only a store app/);
    expect(() => e.currentTicket()).toThrow(/only a store app/);
    expect(() => e.appTicketEvent()).toThrow(/only a store app/);
    expect(() => e.appUninstalledEvent({ tenantKey: "tenant_emulator" })).toThrow(/only a store app/);
  });
});

describe("v1 app events through the SDK's EventDispatcher", () => {
  it("are delivered encrypted and signed, flattened by the SDK with their tenant_key; re-pushed with the same uuid", async () => {
    const { emu: e, receiver } = await setup();
    const seen: unknown[] = [];
    const dispatcher = new lark.EventDispatcher({
      encryptKey: ENCRYPT_KEY,
      loggerLevel: lark.LoggerLevel.error,
      logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {} },
    }).register({
      app_uninstalled: async (data: unknown) => {
        seen.push(data);
        return "ok";
      },
    });
    const env = e.appUninstalledEvent({ tenantKey: TK });
    await e.deliver(receiver.url, env);
    const raw = receiver.got[0].raw;
    const parsed = Object.assign(Object.create({ headers: receiver.got[0].headers }), JSON.parse(raw));
    expect(await dispatcher.invoke(parsed)).toBe("ok");
    expect(seen[0]).toMatchObject({
      app_id: e.options.appId,
      tenant_key: TK,
      type: "event_callback",
      uuid: env.uuid,
    });

    await e.repush(receiver.url, env);
    const again = JSON.parse(
      decryptBody(ENCRYPT_KEY, JSON.parse(receiver.got[1].raw).encrypt),
    ) as V1EventEnvelope;
    expect(again.uuid).toBe(env.uuid);
    await e.deliver(receiver.url, env, { eventId: "a-new-uuid" });
    expect(JSON.parse(decryptBody(ENCRYPT_KEY, JSON.parse(receiver.got[2].raw).encrypt)).uuid).toBe(
      "a-new-uuid",
    );
  });
});
