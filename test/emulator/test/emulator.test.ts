import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CARD_MAX_BYTES,
  CODES,
  decryptBody,
  type Emulator,
  type EmulatorOptions,
  encryptBody,
  REPUSH_DELAYS_MS,
  type RecordedRequest,
  signBody,
  startEmulator,
} from "../src";
import { card2, rejection, sdkClient, textContent } from "./support/sdk-client";

const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

let emu: Emulator;
let client: lark.Client;
const extraServers: Server[] = [];

/** create() of a text (or card) message into a chat. */
const sendTo = (chatId: string, content = textContent("x"), msg_type = "text") =>
  client.im.v1.message.create({
    params: { receive_id_type: "chat_id" },
    data: { receive_id: chatId, msg_type, content },
  });

async function restart(opts: EmulatorOptions): Promise<void> {
  await emu.close();
  emu = await startEmulator(opts);
  client = sdkClient(emu);
}

beforeEach(async () => {
  emu = await startEmulator();
  client = sdkClient(emu);
});

afterEach(async () => {
  await emu.close();
  await Promise.all(extraServers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("tokens and bot info", () => {
  it("issues a tenant token once and the SDK reuses it", async () => {
    emu.setTaskStatus("t1", "process");
    for (let i = 0; i < 3; i++) await client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    const tokens = emu.requestsFor("token");
    expect(tokens).toHaveLength(1);
    expect(tokens[0].body).toEqual({ app_id: emu.options.appId, app_secret: emu.options.appSecret });
    const issued = (tokens[0].response as { tenant_access_token: string; expire: number })
      .tenant_access_token;
    expect(issued).toMatch(/^t-emu-/);
    expect(tokens[0].response).toMatchObject({ code: 0, msg: "ok", expire: 7200 });
    const auths = emu.requestsFor("task_check").map((r) => r.headers.authorization);
    expect(auths).toEqual([`Bearer ${issued}`, `Bearer ${issued}`, `Bearer ${issued}`]);
  });

  it("rejects wrong credentials with Feishu's token errors (no token field)", async () => {
    await expect(
      sdkClient(emu, "wrong").request({ method: "GET", url: "/open-apis/bot/v3/info" }),
    ).rejects.toThrow(/code: 10014/);
    expect(emu.requestsFor("token")[0].response).toEqual({
      code: CODES.APP_SECRET_INVALID,
      msg: "app secret invalid",
    });
    const other = new lark.Client({
      appId: "cli_0000000000000000",
      appSecret: "x",
      domain: emu.url,
      logger: silent,
    });
    await expect(other.request({ method: "GET", url: "/open-apis/bot/v3/info" })).rejects.toThrow(
      /code: 10003/,
    );
    expect(emu.requestsFor("bot_info")).toHaveLength(0);
  });

  it("answers bot/v3/info", async () => {
    const res = await client.request({ method: "GET", url: "/open-apis/bot/v3/info" });
    expect(res).toEqual({
      code: 0,
      msg: "ok",
      bot: {
        activate_status: 2,
        app_name: "Task Bot",
        avatar_url: "",
        ip_white_list: [],
        open_id: emu.options.botOpenId,
      },
    });
  });

  it("revokeTokens makes every issued token answer 99991663 (HTTP 400)", async () => {
    await client.request({ method: "GET", url: "/open-apis/bot/v3/info" });
    emu.revokeTokens();
    const r = await rejection(client.request({ method: "GET", url: "/open-apis/bot/v3/info" }));
    expect(r).toMatchObject({ status: 400, code: CODES.INVALID_TOKEN });
    expect(String(r.msg)).toMatch(/^Invalid access token for authorization/);
    // A fresh token (new cache) works again, and it is a different token.
    const fresh = sdkClient(emu);
    await expect(fresh.request({ method: "GET", url: "/open-apis/bot/v3/info" })).resolves.toMatchObject({
      code: 0,
    });
    const [first, second] = emu
      .requestsFor("token")
      .map((t) => (t.response as { tenant_access_token: string }).tenant_access_token);
    expect(second).not.toBe(first);
  });

  it("expireTokens makes issued tokens answer 99991677 and the token route issues a new one", async () => {
    await client.request({ method: "GET", url: "/open-apis/bot/v3/info" });
    emu.expireTokens();
    const r = await rejection(client.request({ method: "GET", url: "/open-apis/bot/v3/info" }));
    expect(r).toMatchObject({ status: 400, code: CODES.TOKEN_EXPIRED, msg: "Authentication token expired" });
    const fresh = sdkClient(emu);
    await expect(fresh.request({ method: "GET", url: "/open-apis/bot/v3/info" })).resolves.toMatchObject({
      code: 0,
    });
    const [old, renewed] = emu
      .requestsFor("token")
      .map((t) => (t.response as { tenant_access_token: string }).tenant_access_token);
    expect(renewed).not.toBe(old);
    // A revoked token is invalid (99991663) whether or not it expired.
    emu.revokeTokens();
    const revoked = await fetch(`${emu.url}/open-apis/bot/v3/info`, {
      headers: { authorization: `Bearer ${old}` },
    });
    expect(await revoked.json()).toMatchObject({ code: CODES.INVALID_TOKEN });
  });

  it("answers requests without a token with 99991663 and unknown routes with 404", async () => {
    const noToken = await fetch(`${emu.url}/open-apis/bot/v3/info`);
    expect(noToken.status).toBe(400);
    expect(await noToken.json()).toMatchObject({ code: CODES.INVALID_TOKEN });
    const unknown = await fetch(`${emu.url}/open-apis/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ code: 404, msg: "404 page not found" });
    expect(emu.requests.map((r) => r.route)).toEqual(["bot_info", "unknown"]);
  });
});

describe("task_check", () => {
  it("returns scripted statuses, the last one repeating, and counts calls", async () => {
    emu.setTask("7360595374803812356", ["process", "process", "success"]);
    const seen: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await client.drive.v1.file.taskCheck({ params: { task_id: "7360595374803812356" } });
      expect(res.code).toBe(0);
      seen.push(res.data?.status);
    }
    expect(seen).toEqual(["process", "process", "success", "success"]);
    expect(emu.taskCheckCount("7360595374803812356")).toBe(4);
    expect(emu.taskCheckCount()).toBe(4);
    expect(emu.requestsFor("task_check")[0].query).toEqual({ task_id: "7360595374803812356" });
    expect(emu.requestsFor("task_check")[0].body).toEqual({}); // the SDK's GET methods send {}; accepted
    emu.setTaskStatus("7360595374803812356", "fail");
    const res = await client.drive.v1.file.taskCheck({ params: { task_id: "7360595374803812356" } });
    expect(res.data?.status).toBe("fail");
  });

  it("surfaces unknown task as 404/1061003 and missing task_id as 400/1061002", async () => {
    const notFound = await rejection(client.drive.v1.file.taskCheck({ params: { task_id: "nope" } }));
    expect(notFound).toMatchObject({ status: 404, code: CODES.TASK_NOT_FOUND, msg: "not found." });
    const missing = await rejection(client.drive.v1.file.taskCheck({ params: { task_id: "" } }));
    expect(missing).toMatchObject({ status: 400, code: CODES.TASK_PARAMS_ERROR, msg: "params error." });
    expect(emu.taskCheckCount("nope")).toBe(1);
    expect(emu.taskCheckCount()).toBe(2);
  });
});

describe("messages", () => {
  it("replies to a received message in its chat", async () => {
    const env = emu.messageEvent({ chatType: "group", text: "/status 1", mentionBot: true });
    const parent = env.event.message.message_id;
    const res = await client.im.v1.message.reply({
      path: { message_id: parent },
      data: { content: textContent("working on it"), msg_type: "text" },
    });
    expect(res.code).toBe(0);
    expect(res.data).toMatchObject({
      chat_id: env.event.message.chat_id,
      msg_type: "text",
      parent_id: parent,
      body: { content: textContent("working on it") },
      sender: { id: emu.options.appId, id_type: "app_id", sender_type: "app" },
    });
    const [sent] = emu.repliesTo(parent);
    expect(sent).toMatchObject({ message_id: res.data?.message_id, text: "working on it", reply_to: parent });
    expect(emu.message(sent.message_id)).toBe(sent);
    const unknown = await rejection(
      client.im.v1.message.reply({
        path: { message_id: "om_unknown" },
        data: { content: textContent("x"), msg_type: "text" },
      }),
    );
    expect(unknown).toMatchObject({ status: 400, code: CODES.IM_BAD_PARAM });
    expect(String(unknown.msg)).toContain("invalid message_id");
  });

  it("creates messages and dedupes by uuid like Feishu", async () => {
    const send = (uuid: string) =>
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: "oc_group1", msg_type: "interactive", content: card2("Task"), uuid },
      });
    const first = await send("task-1-card");
    const again = await send("task-1-card");
    expect(again.data?.message_id).toBe(first.data?.message_id);
    expect(emu.messages).toHaveLength(1);
    expect(emu.messages[0]).toMatchObject({
      chat_id: "oc_group1",
      receive_id_type: "chat_id",
      uuid: "task-1-card",
    });
    expect(emu.messages[0].card?.header?.title?.content).toBe("Task");
    await send("task-2-card");
    expect(emu.messages).toHaveLength(2);
    const long = await rejection(send("u".repeat(51)));
    expect(long).toMatchObject({ status: 400, code: CODES.IM_BAD_PARAM });
  });

  it("sends DMs by open_id into the user's p2p chat", async () => {
    const env = emu.messageEvent({ chatType: "p2p", text: "hi", senderOpenId: "ou_alice" });
    const res = await client.im.v1.message.create({
      params: { receive_id_type: "open_id" },
      data: { receive_id: "ou_alice", msg_type: "text", content: textContent("hello") },
    });
    expect(res.data?.chat_id).toBe(env.event.message.chat_id);
  });

  it("rejects cards over 30 KB (230025) and accepts one just under", async () => {
    const pad = (bytes: number) =>
      card2("Big", { body: { elements: [{ tag: "markdown", content: "x".repeat(bytes) }] } });
    const overhead = Buffer.byteLength(pad(0));
    const create = (content: string) =>
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: "oc_1", msg_type: "interactive", content },
      });
    await expect(create(pad(CARD_MAX_BYTES - overhead))).resolves.toMatchObject({ code: 0 });
    const big = await rejection(create(pad(CARD_MAX_BYTES - overhead + 1)));
    expect(big).toMatchObject({ status: 400, code: CODES.IM_TOO_LONG });
  });

  it("rejects malformed cards (230099) and bad text (230001)", async () => {
    const create = (msg_type: string, content: string) =>
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: "oc_1", msg_type, content },
      });
    const cases: Array<[string, string, number, RegExp]> = [
      ["interactive", "{not json", CODES.IM_CARD_INVALID, /not valid JSON/],
      ["interactive", JSON.stringify({ schema: "2.0", header: {} }), CODES.IM_CARD_INVALID, /body\.elements/],
      [
        "interactive",
        card2("x", { i18n_elements: {} }),
        CODES.IM_CARD_INVALID,
        /unknown field "i18n_elements"/,
      ],
      [
        "interactive",
        JSON.stringify({ schema: "2.0", body: { elements: [{}] } }),
        CODES.IM_CARD_INVALID,
        /tag/,
      ],
      ["interactive", "[]", CODES.IM_CARD_INVALID, /JSON object/],
      ["text", textContent(""), CODES.IM_BAD_PARAM, /invalid message content/],
      ["text", "plain words", CODES.IM_BAD_PARAM, /invalid message content/],
      ["carrier_pigeon", textContent("x"), CODES.IM_BAD_PARAM, /invalid msg_type/],
    ];
    for (const [type, content, code, msg] of cases) {
      const r = await rejection(create(type, content));
      expect(r.status, `${type} ${content}`).toBe(400);
      expect(r.code, `${type} ${content}`).toBe(code);
      expect(String(r.msg)).toMatch(msg);
    }
    expect(emu.messages).toHaveLength(0);
  });
});

describe("patch", () => {
  async function sendCard(): Promise<string> {
    const res = await client.im.v1.message.create({
      params: { receive_id_type: "chat_id" },
      data: { receive_id: "oc_1", msg_type: "interactive", content: card2("v0") },
    });
    return res.data?.message_id as string;
  }

  it("records patches and rate-limits the 6th patch within a second (230020)", async () => {
    const id = await sendCard();
    for (let i = 1; i <= 5; i++) {
      const res = await client.im.v1.message.patch({
        path: { message_id: id },
        data: { content: card2(`v${i}`) },
      });
      expect(res).toEqual({ code: 0, msg: "success", data: {} });
    }
    const limited = await rejection(
      client.im.v1.message.patch({ path: { message_id: id }, data: { content: card2("v6") } }),
    );
    expect(limited).toMatchObject({ status: 400, code: CODES.IM_RATE_LIMITED });
    expect(limited.headers["x-ogw-ratelimit-reset"]).toBe("1");
    const msg = emu.message(id);
    expect(msg?.patches.map((p) => p.card.header?.title?.content)).toEqual(["v1", "v2", "v3", "v4", "v5"]);
    expect(msg?.card?.header?.title?.content).toBe("v5");
    expect(msg?.content).toBe(card2("v5"));
  });

  it("refuses to patch user messages, text messages, unknown ids and 2.0→1.0 downgrades", async () => {
    const user = emu.messageEvent({ chatType: "p2p", text: "hi" }).event.message.message_id;
    const patch = (id: string, content = card2("x")) =>
      rejection(client.im.v1.message.patch({ path: { message_id: id }, data: { content } }));
    expect(await patch(user)).toMatchObject({ status: 400, code: CODES.IM_NOT_SENDER });
    const text = await client.im.v1.message.reply({
      path: { message_id: user },
      data: { msg_type: "text", content: textContent("t") },
    });
    expect(await patch(text.data?.message_id as string)).toMatchObject({
      status: 400,
      code: CODES.IM_BAD_PARAM,
    });
    expect(await patch("om_nope")).toMatchObject({ status: 400, code: CODES.IM_BAD_PARAM });
    const id = await sendCard();
    const downgrade = await patch(id, JSON.stringify({ elements: [] }));
    expect(downgrade).toMatchObject({ status: 400, code: CODES.IM_CARD_INVALID });
    expect(emu.message(id)?.patches).toHaveLength(0);
  });
});

describe("faults", () => {
  it("applies an injected fault `count` times, then answers normally", async () => {
    emu.setTaskStatus("t1", "process");
    emu.inject({ route: "task_check", status: 500, code: 1061001, msg: "internal error", count: 2 });
    const check = () => client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    expect(await rejection(check())).toMatchObject({ status: 500, code: 1061001, msg: "internal error" });
    expect(await rejection(check())).toMatchObject({ status: 500, code: 1061001 });
    await expect(check()).resolves.toMatchObject({ data: { status: "process" } });
    expect(emu.taskCheckCount("t1")).toBe(3);
    expect(emu.requestsFor("task_check").map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("matches faults by taskId / messageId, supports headers, Infinity and clearFaults", async () => {
    emu.setTaskStatus("a", "process");
    emu.setTaskStatus("b", "success");
    emu.inject({
      route: "task_check",
      taskId: "b",
      status: 429,
      headers: { "x-ogw-ratelimit-reset": "3" },
      count: Infinity,
    });
    await expect(client.drive.v1.file.taskCheck({ params: { task_id: "a" } })).resolves.toMatchObject({
      code: 0,
    });
    for (let i = 0; i < 3; i++) {
      const r = await rejection(client.drive.v1.file.taskCheck({ params: { task_id: "b" } }));
      expect(r).toMatchObject({ status: 429, code: CODES.GATEWAY_RATE_LIMITED });
      expect(r.headers["x-ogw-ratelimit-reset"]).toBe("3");
    }
    emu.clearFaults();
    await expect(client.drive.v1.file.taskCheck({ params: { task_id: "b" } })).resolves.toMatchObject({
      code: 0,
    });
    expect(() => emu.inject({ route: "patch", headers: { a: "b" } })).toThrow(/needs hang, delayMs/);
    expect(() => emu.inject({ route: "patch", code: 1, count: 0 })).toThrow(/count must be > 0/);
    const user = emu.messageEvent({ chatType: "group", text: "x" }).event.message.message_id;
    emu.inject({ route: "reply", messageId: "om_other", code: 230002 });
    emu.inject({ route: "reply", messageId: user, code: 230002, msg: "Bot is not in the chat." });
    const r = await rejection(
      client.im.v1.message.reply({
        path: { message_id: user },
        data: { msg_type: "text", content: textContent("x") },
      }),
    );
    expect(r).toMatchObject({ status: 400, code: 230002, msg: "Bot is not in the chat." });
  });

  it("delays an answer (delayMs) and never answers a hung request", async () => {
    emu.setTaskStatus("t1", "success");
    emu.inject({ route: "task_check", delayMs: 300 });
    const started = Date.now();
    const res = await client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(res.data?.status).toBe("success");

    emu.inject({ route: "bot_info", hang: true });
    const hung = client.request({ method: "GET", url: "/open-apis/bot/v3/info", timeout: 300 });
    await expect(hung).rejects.toThrow(/timeout/);
    const [record] = emu.requestsFor("bot_info");
    expect(record.status).toBe(0);
    expect(record.response).toBeUndefined();
  });
});

describe("events", () => {
  it("builds Feishu-shaped envelopes", () => {
    const env = emu.messageEvent({
      chatType: "group",
      chatId: "oc_g",
      text: "@_user_1 /status 123",
      mentions: [{ key: "@_user_1", openId: emu.options.botOpenId, name: "Task Bot" }],
    });
    expect(env.schema).toBe("2.0");
    expect(env.header).toMatchObject({
      event_type: "im.message.receive_v1",
      app_id: emu.options.appId,
      tenant_key: "tenant_emulator",
    });
    expect(env.header.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(env.header.create_time).toMatch(/^\d{13}$/);
    expect(env.event.message).toMatchObject({ chat_id: "oc_g", chat_type: "group", message_type: "text" });
    expect(JSON.parse(env.event.message.content)).toEqual({ text: "@_user_1 /status 123" });
    expect(env.event.message.message_id).toMatch(/^om_/);
    expect(env.event.message.mentions?.[0]).toMatchObject({
      key: "@_user_1",
      name: "Task Bot",
      id: { open_id: emu.options.botOpenId },
    });
    expect(env.event.sender).toMatchObject({
      sender_type: "user",
      sender_id: { open_id: expect.stringMatching(/^ou_/) },
    });

    const added = emu.botAddedEvent({ chatId: "oc_g", operatorOpenId: "ou_op" });
    expect(added.header.event_type).toBe("im.chat.member.bot.added_v1");
    expect(added.event).toMatchObject({ chat_id: "oc_g", operator_id: { open_id: "ou_op" } });
    const click = emu.cardActionEvent({
      openMessageId: "om_c",
      chatId: "oc_g",
      operatorOpenId: "ou_op",
      value: { a: 1 },
    });
    expect(click.header.event_type).toBe("card.action.trigger");
    expect(click.event).toMatchObject({
      operator: { open_id: "ou_op" },
      action: { value: { a: 1 }, tag: "button" },
      context: { open_message_id: "om_c", open_chat_id: "oc_g" },
    });
    expect(emu.challenge()).toMatchObject({
      type: "url_verification",
      token: "",
      challenge: expect.any(String),
    });
  });

  /** A tiny receiver that records what deliver() sent. */
  async function receiver(): Promise<{
    url: string;
    got: Array<{ headers: IncomingHttpHeaders; raw: string }>;
  }> {
    const got: Array<{ headers: IncomingHttpHeaders; raw: string }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: got.length }));
      });
    });
    extraServers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/event`, got };
  }

  it("deliver() encrypts and signs like Feishu (checked with the SDK's AESCipher)", async () => {
    await restart({ encryptKey: "my-encrypt-key", verificationToken: "vtok" });
    const rx = await receiver();
    const env = emu.messageEvent({ chatType: "p2p", text: "/status 42" });
    const result = await emu.deliver(rx.url, env);
    expect(result).toMatchObject({ status: 200, body: { ok: 1 } });
    expect(result.ms).toBeGreaterThan(0);

    const { headers, raw } = rx.got[0];
    const ts = String(headers["x-lark-request-timestamp"]);
    const nonce = String(headers["x-lark-request-nonce"]);
    expect(ts).toMatch(/^\d{10}$/);
    const expected = createHash("sha256").update(`${ts}${nonce}my-encrypt-key${raw}`).digest("hex");
    expect(headers["x-lark-signature"]).toBe(expected);
    expect(headers["content-type"]).toMatch(/^application\/json/);
    const body = JSON.parse(raw) as { encrypt: string };
    expect(Object.keys(body)).toEqual(["encrypt"]);
    const decrypted = JSON.parse(new lark.AESCipher("my-encrypt-key").decrypt(body.encrypt));
    expect(decrypted).toEqual(env);
    expect(decrypted.header.token).toBe("vtok");

    // Re-push with a new event_id: same message inside.
    await emu.deliver(rx.url, env, { eventId: "evt-repush" });
    const repushed = JSON.parse(
      new lark.AESCipher("my-encrypt-key").decrypt(JSON.parse(rx.got[1].raw).encrypt),
    );
    expect(repushed.header.event_id).toBe("evt-repush");
    expect(repushed.event.message.message_id).toBe(env.event.message.message_id);
    expect(env.header.event_id).not.toBe("evt-repush"); // the caller's envelope is not mutated

    // Challenges are encrypted but never signed.
    const ch = emu.challenge();
    await emu.deliver(rx.url, ch);
    expect(rx.got[2].headers["x-lark-signature"]).toBeUndefined();
    const chBody = JSON.parse(
      new lark.AESCipher("my-encrypt-key").decrypt(JSON.parse(rx.got[2].raw).encrypt),
    );
    expect(chBody).toEqual({ ...ch, token: "vtok" });
  });

  it("deliver() sends plain JSON without signature when no encryptKey, and honours rawBody/headers", async () => {
    const rx = await receiver();
    const env = emu.cardActionEvent({
      openMessageId: "om_1",
      chatId: "oc_1",
      operatorOpenId: "ou_1",
      value: { k: "v" },
    });
    await emu.deliver(rx.url, env, { token: "forged" });
    expect(JSON.parse(rx.got[0].raw)).toEqual({ ...env, header: { ...env.header, token: "forged" } });
    expect(rx.got[0].headers["x-lark-signature"]).toBeUndefined();
    await emu.deliver(rx.url, env, { rawBody: "{broken", headers: { "x-extra": "1" } });
    expect(rx.got[1].raw).toBe("{broken");
    expect(rx.got[1].headers["x-extra"]).toBe("1");
    expect(() => emu.deliver(rx.url, env, { encrypt: true })).toThrow(/encryptKey/);
  });

  it("repush() sends the same envelope again: same event_id, fresh encryption and signature", async () => {
    await restart({ encryptKey: "rk", verificationToken: "vt" });
    const rx = await receiver();
    const env = emu.messageEvent({ chatType: "p2p", text: "/status 42" });
    await emu.deliver(rx.url, env);
    expect((await emu.repush(rx.url, env)).status).toBe(200);
    await emu.repush(rx.url, env, { eventId: "evt-new" });
    const open = (i: number) =>
      JSON.parse(new lark.AESCipher("rk").decrypt(JSON.parse(rx.got[i].raw).encrypt));
    expect(open(0)).toEqual(env);
    expect(open(1)).toEqual(env);
    expect(rx.got[1].raw).not.toBe(rx.got[0].raw); // new IV
    const { headers, raw } = rx.got[1];
    const [ts, nonce] = [
      String(headers["x-lark-request-timestamp"]),
      String(headers["x-lark-request-nonce"]),
    ];
    expect(headers["x-lark-signature"]).toBe(signBody("rk", ts, nonce, raw));
    expect(nonce).not.toBe(rx.got[0].headers["x-lark-request-nonce"]);
    expect(open(2).header.event_id).toBe("evt-new");
    expect(open(2).event).toEqual(env.event);
    const click = emu.cardActionEvent({
      openMessageId: "om_1",
      chatId: "oc_1",
      operatorOpenId: "ou_1",
      value: {},
    });
    expect(() => emu.repush(rx.url, click)).toThrow(/never re-pushes card callbacks/);
    expect(() => emu.repush(rx.url, emu.challenge())).toThrow(/challenges are never re-pushed/);
    expect(rx.got).toHaveLength(3);
    expect(REPUSH_DELAYS_MS).toEqual([15_000, 300_000, 3_600_000, 21_600_000]);
  });
});

describe("crypto helpers", () => {
  it("decrypts the official vector and round-trips with the SDK's AESCipher", () => {
    expect(decryptBody("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")).toBe("hello world");
    expect(new lark.AESCipher("test key").decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")).toBe(
      "hello world",
    );
    const plain = JSON.stringify({ text: "你好, world ✓", n: 1 });
    const a = encryptBody("k", plain);
    const b = encryptBody("k", plain);
    expect(a).not.toBe(b); // random IV
    expect(new lark.AESCipher("k").decrypt(a)).toBe(plain);
    expect(decryptBody("k", b)).toBe(plain);
    // Another key never gives the plaintext back: it fails on the padding, or (about 1 time in 256, when the
    // last byte happens to read as valid padding) it gives garbage.
    const withOtherKey = () => {
      try {
        return decryptBody("other key", a);
      } catch {
        return undefined;
      }
    };
    expect(withOtherKey()).not.toBe(plain);
  });

  it("signs timestamp + nonce + key + body as lowercase hex sha256", () => {
    const sig = signBody("key", "1700000000", "nonce", '{"a":1}');
    expect(sig).toBe(createHash("sha256").update('1700000000noncekey{"a":1}').digest("hex"));
    expect(sig).not.toBe(createHmac("sha256", "key").update('1700000000nonce{"a":1}').digest("hex"));
  });
});

describe("housekeeping", () => {
  it("waitFor resolves with the value, or rejects with a clear message", async () => {
    let flag: string | undefined;
    setTimeout(() => {
      flag = "ready";
    }, 60);
    const started = Date.now();
    await expect(emu.waitFor(() => flag)).resolves.toBe("ready");
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    await expect(emu.waitFor(() => false, 100)).rejects.toThrow(/waitFor timed out after 100 ms/);
  });

  it("reset forgets requests, messages, tasks and faults but keeps tokens", async () => {
    emu.setTaskStatus("t1", "process");
    emu.inject({ route: "bot_info", code: 1 });
    await client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    await client.im.v1.message.create({
      params: { receive_id_type: "chat_id" },
      data: { receive_id: "oc_1", msg_type: "text", content: textContent("x") },
    });
    emu.reset();
    expect(emu.requests).toHaveLength(0);
    expect(emu.messages).toHaveLength(0);
    expect(emu.taskCheckCount()).toBe(0);
    await expect(client.request({ method: "GET", url: "/open-apis/bot/v3/info" })).resolves.toMatchObject({
      code: 0,
    });
    expect(await rejection(client.drive.v1.file.taskCheck({ params: { task_id: "t1" } }))).toMatchObject({
      status: 404,
    });
    expect(emu.requestsFor("token")).toHaveLength(0);
  });
});

describe("onRequest", () => {
  it("calls listeners synchronously on arrival, before any fault or answer, until unsubscribed", async () => {
    emu.setTaskStatus("t1", "process");
    const parent = emu.messageEvent({ chatType: "p2p", text: "hi" }).event.message.message_id;
    const seen: Array<[string, number, number, number]> = [];
    const off = emu.onRequest((r: RecordedRequest) =>
      seen.push([r.route, r.status, emu.requests.indexOf(r), emu.messages.length]),
    );
    let second = 0;
    const offSecond = emu.onRequest(() => {
      second++;
      offSecond(); // unsubscribing from inside a listener is fine
    });
    await client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    await client.im.v1.message.reply({
      path: { message_id: parent },
      data: { msg_type: "text", content: textContent("hello") },
    });
    emu.inject({ route: "bot_info", hang: true });
    const hung = client.request({ method: "GET", url: "/open-apis/bot/v3/info", timeout: 300 });
    await expect(hung).rejects.toThrow(/timeout/);
    off();
    await client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    // [route, status when seen, index in the log, messages existing at that moment]
    expect(seen).toEqual([
      ["token", 0, 0, 0],
      ["task_check", 0, 1, 0],
      ["reply", 0, 2, 0], // seen before the reply was created
      ["bot_info", 0, 3, 1], // seen although the request is never answered
    ]);
    expect(second).toBe(1);
    expect(emu.requests.map((r) => r.status)).toEqual([200, 200, 200, 0, 200]);
  });
});

describe("faults after handling", () => {
  it("hang + afterHandling creates the reply but never answers; a uuid retry gets the same message", async () => {
    const parent = emu.messageEvent({ chatType: "p2p", text: "hi" }).event.message.message_id;
    const data = { msg_type: "text", content: textContent("hello"), uuid: "cmd-1-reply" };
    const reply = (timeout?: number) =>
      client.request({ method: "POST", url: `/open-apis/im/v1/messages/${parent}/reply`, data, timeout });
    emu.inject({ route: "reply", hang: true }); // without afterHandling: nothing happens
    await expect(reply(300)).rejects.toThrow(/timeout/);
    expect(emu.messages).toHaveLength(0);
    emu.inject({ route: "reply", hang: true, afterHandling: true });
    await expect(reply(300)).rejects.toThrow(/timeout/);
    const [created] = emu.repliesTo(parent);
    expect(created).toMatchObject({ text: "hello", uuid: "cmd-1-reply" });
    const record = emu.requestsFor("reply")[1];
    expect(record).toMatchObject({ status: 0, response: undefined, fault: true, withheld: { status: 200 } });
    expect(record.withheld?.response).toMatchObject({ code: 0, data: { message_id: created.message_id } });
    const retry = await reply();
    expect(retry.data.message_id).toBe(created.message_id);
    expect(emu.messages).toHaveLength(1);
  });

  it("delayMs + afterHandling applies a patch at once and answers after the delay", async () => {
    const id = (await sendTo("oc_1", card2("v0"), "interactive")).data?.message_id as string;
    emu.inject({ route: "patch", messageId: id, delayMs: 400, afterHandling: true });
    const started = Date.now();
    const pending = client.im.v1.message.patch({ path: { message_id: id }, data: { content: card2("v1") } });
    await emu.waitFor(() => emu.message(id)?.patches.length === 1);
    expect(emu.requestsFor("patch")[0].status).toBe(0); // applied, not answered yet
    expect(emu.message(id)?.card?.header?.title?.content).toBe("v1");
    await expect(pending).resolves.toEqual({ code: 0, msg: "success", data: {} });
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it("consumes a task status while hanging, and can answer an error after doing the work", async () => {
    emu.setTask("t1", ["process", "success"]);
    emu.inject({ route: "task_check", taskId: "t1", hang: true, afterHandling: true });
    const hung = client.request({
      method: "GET",
      url: "/open-apis/drive/v1/files/task_check",
      params: { task_id: "t1" },
      timeout: 300,
    });
    await expect(hung).rejects.toThrow(/timeout/);
    expect(emu.requestsFor("task_check")[0].withheld).toEqual({
      status: 200,
      response: { code: 0, msg: "success", data: { status: "process" } },
    });
    const next = await client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    expect(next.data?.status).toBe("success");

    emu.inject({ route: "create", status: 500, code: 1061001, msg: "internal error", afterHandling: true });
    expect(await rejection(sendTo("oc_9"))).toMatchObject({ status: 500, code: 1061001 });
    expect(emu.messages.filter((m) => m.chat_id === "oc_9")).toHaveLength(1);
  });
});

describe("rate limits", () => {
  it("uses Feishu's numbers by default; task_check is unlimited unless configured", async () => {
    expect(emu.options).toMatchObject({
      patchPerSecondPerMessage: 5,
      messagesPerSecondPerChat: 5,
      messageApiPerSecond: 50,
      messageApiPerMinute: 1000,
      taskCheckPerSecond: 0,
    });
    emu.setTaskStatus("t1", "process");
    const checks = Array.from({ length: 30 }, () =>
      client.drive.v1.file.taskCheck({ params: { task_id: "t1" } }),
    );
    for (const res of await Promise.all(checks)) expect(res.code).toBe(0);
    expect(emu.violations()).toEqual([]);
  });

  it("refuses the 6th message into one chat within a second (400/230020), replies and creates alike", async () => {
    const env = emu.messageEvent({ chatType: "p2p", text: "hi", senderOpenId: "ou_alice" });
    const parent = env.event.message.message_id;
    for (let i = 0; i < 3; i++) {
      await client.im.v1.message.reply({
        path: { message_id: parent },
        data: { msg_type: "text", content: textContent(`r${i}`) },
      });
    }
    for (let i = 0; i < 2; i++) {
      await client.im.v1.message.create({
        params: { receive_id_type: "open_id" },
        data: { receive_id: "ou_alice", msg_type: "text", content: textContent(`c${i}`) },
      });
    }
    const limited = await rejection(sendTo(env.event.message.chat_id));
    expect(limited).toMatchObject({ status: 400, code: CODES.IM_RATE_LIMITED });
    expect(limited.headers).toMatchObject({ "x-ogw-ratelimit-reset": "1", "x-ogw-ratelimit-limit": "5" });
    await expect(sendTo("oc_other")).resolves.toMatchObject({ code: 0 }); // other chats are not affected
    expect(emu.messages).toHaveLength(6);
    expect(emu.violations().map((r) => [r.route, r.rateLimit])).toEqual([
      ["create", "messagesPerSecondPerChat"],
    ]);
    emu.reset(); // forgets the windows too
    await expect(sendTo(env.event.message.chat_id)).resolves.toMatchObject({ code: 0 });
  });

  it("does not count refused calls", async () => {
    await restart({ messagesPerSecondPerChat: 2 });
    await sendTo("oc_1");
    await sendTo("oc_1");
    const lastAccepted = Date.now();
    await sleep(500);
    expect(await rejection(sendTo("oc_1"))).toMatchObject({ code: CODES.IM_RATE_LIMITED });
    expect(await rejection(sendTo("oc_1"))).toMatchObject({ code: CODES.IM_RATE_LIMITED });
    await sleep(lastAccepted + 1050 - Date.now());
    // The two refused calls (~0.5 s ago) would fill the window if they counted.
    await expect(sendTo("oc_1")).resolves.toMatchObject({ code: 0 });
    await expect(sendTo("oc_1")).resolves.toMatchObject({ code: 0 });
    expect(await rejection(sendTo("oc_1"))).toMatchObject({ code: CODES.IM_RATE_LIMITED });
    expect(emu.violations()).toHaveLength(3);
  });

  it("limits the app's message API per second (429/99991400) across reply, create and patch", async () => {
    await restart({ messageApiPerSecond: 3 });
    const parent = emu.messageEvent({ chatType: "p2p", text: "hi" }).event.message.message_id;
    const id = (await sendTo("oc_1", card2("v0"), "interactive")).data?.message_id as string;
    await client.im.v1.message.reply({
      path: { message_id: parent },
      data: { msg_type: "text", content: textContent("r") },
    });
    await client.im.v1.message.patch({ path: { message_id: id }, data: { content: card2("v1") } });
    const limited = await rejection(sendTo("oc_3"));
    expect(limited).toMatchObject({ status: 429, code: CODES.GATEWAY_RATE_LIMITED });
    expect(limited.headers).toMatchObject({ "x-ogw-ratelimit-limit": "3", "x-ogw-ratelimit-reset": "1" });
    await expect(client.request({ method: "GET", url: "/open-apis/bot/v3/info" })).resolves.toMatchObject({
      code: 0,
    });
    emu.inject({ route: "create", status: 429 }); // an injected 429 is not a violation
    expect(await rejection(sendTo("oc_4"))).toMatchObject({ status: 429, code: CODES.GATEWAY_RATE_LIMITED });
    expect(emu.violations().map((r) => r.rateLimit)).toEqual(["messageApiPerSecond"]);
    expect(emu.messages).toHaveLength(2);
  });

  it("limits the app's message API per minute, with the seconds until a slot frees up", async () => {
    await restart({ messageApiPerMinute: 4 });
    for (let i = 0; i < 4; i++) await sendTo(`oc_${i}`);
    const limited = await rejection(sendTo("oc_9"));
    expect(limited).toMatchObject({ status: 429, code: CODES.GATEWAY_RATE_LIMITED });
    expect(limited.headers["x-ogw-ratelimit-limit"]).toBe("4");
    expect(Number(limited.headers["x-ogw-ratelimit-reset"])).toBeGreaterThanOrEqual(59);
    expect(Number(limited.headers["x-ogw-ratelimit-reset"])).toBeLessThanOrEqual(60);
    expect(emu.violations().map((r) => r.rateLimit)).toEqual(["messageApiPerMinute"]);
  });

  it("limits task_check when taskCheckPerSecond > 0, and 0 disables a limit", async () => {
    await restart({ taskCheckPerSecond: 2, messagesPerSecondPerChat: 0, patchPerSecondPerMessage: 0 });
    emu.setTaskStatus("t1", "process");
    const check = () => client.drive.v1.file.taskCheck({ params: { task_id: "t1" } });
    await check();
    await check();
    const limited = await rejection(check());
    expect(limited).toMatchObject({ status: 429, code: CODES.GATEWAY_RATE_LIMITED });
    expect(limited.headers["x-ogw-ratelimit-reset"]).toBe("1");
    expect(emu.taskCheckCount("t1")).toBe(3);
    const id = (await sendTo("oc_1", card2("v0"), "interactive")).data?.message_id as string;
    for (let i = 0; i < 8; i++) await sendTo("oc_1");
    for (let i = 1; i <= 8; i++) {
      await client.im.v1.message.patch({ path: { message_id: id }, data: { content: card2(`v${i}`) } });
    }
    expect(emu.message(id)?.patches).toHaveLength(8);
    expect(emu.violations().map((r) => r.rateLimit)).toEqual(["taskCheckPerSecond"]);
  });
});
