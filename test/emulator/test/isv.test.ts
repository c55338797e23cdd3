/**
 * Store apps (ISV): one app installed by several tenants, driven through the real SDK in ISV mode
 * (`appType: AppType.ISV`, `withTenantKey` per call): tokens per tenant, each tenant's chats, messages and
 * tasks, isolation between tenants, uninstall, and rate limits counted per tenant.
 */
import type * as lark from "@larksuiteoapi/node-sdk";
import * as larkSdk from "@larksuiteoapi/node-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { CODES, type Emulator, type EmulatorOptions, REFUSALS, startEmulator, TENANT_KEY } from "../src";
import { isvClient, seedTicket } from "./support/isv-client";
import { card2, fakeClock, rejection, textContent } from "./support/sdk-client";

const A = "tk_alpha0000000001";
const B = "tk_beta00000000002";
const { withTenantKey } = larkSdk;

let emu: Emulator;
afterEach(() => emu?.close());

/** A store emulator with tenants A and B, and an ISV client whose cache holds the current ticket. */
async function storeApp(opts: EmulatorOptions = {}) {
  emu = await startEmulator({ appType: "store", ...opts });
  emu.addTenant(A);
  emu.addTenant(B);
  const cache = new larkSdk.DefaultCache();
  await seedTicket(emu, cache);
  return { client: isvClient(emu, cache), cache };
}

const taskCheck = (client: lark.Client, taskId: string, tk: string) =>
  client.drive.v1.file.taskCheck({ params: { task_id: taskId } }, withTenantKey(tk));
const reply = (client: lark.Client, messageId: string, tk: string, content = card2("r")) =>
  client.im.v1.message.reply(
    { path: { message_id: messageId }, data: { msg_type: "interactive", content } },
    withTenantKey(tk),
  );
const create = (client: lark.Client, chatId: string, tk: string, type: "chat_id" | "open_id" = "chat_id") =>
  client.im.v1.message.create(
    {
      params: { receive_id_type: type },
      data: { receive_id: chatId, msg_type: "text", content: textContent("hi") },
    },
    withTenantKey(tk),
  );
const patch = (client: lark.Client, messageId: string, tk: string) =>
  client.im.v1.message.patch(
    { path: { message_id: messageId }, data: { content: card2("p") } },
    withTenantKey(tk),
  );

describe("two tenants through the SDK in ISV mode", () => {
  it("gets app_access_token with the ticket, then a tenant_access_token per tenant, and acts in each", async () => {
    const { client } = await storeApp();
    emu.setTask("7000000000000000001", ["process", "success"], A);
    emu.setTask("7000000000000000002", ["fail"], B);

    expect((await taskCheck(client, "7000000000000000001", A)).data?.status).toBe("process");
    expect((await taskCheck(client, "7000000000000000002", B)).data?.status).toBe("fail");
    expect((await taskCheck(client, "7000000000000000001", A)).data?.status).toBe("success");

    // One app_access_token request per tenant token (the SDK does not cache app_access_token), the ticket in it.
    const apps = emu.requestsFor("app_access_token");
    expect(apps.map((r) => r.body)).toEqual([
      { app_id: emu.options.appId, app_secret: emu.options.appSecret, app_ticket: emu.currentTicket() },
      { app_id: emu.options.appId, app_secret: emu.options.appSecret, app_ticket: emu.currentTicket() },
    ]);
    expect(apps[0].response).toEqual({
      code: 0,
      msg: "success",
      app_access_token: expect.stringMatching(/^a-emu-/),
      expire: 7200,
    });
    const appToken = (apps[0].response as { app_access_token: string }).app_access_token;
    const tenants = emu.requestsFor("store_tenant_token");
    expect(tenants.map((r) => r.body)).toEqual([
      { app_access_token: appToken, tenant_key: A },
      { app_access_token: appToken, tenant_key: B },
    ]);
    const [tokenA, tokenB] = tenants.map((r) => {
      expect(r.response).toMatchObject({ code: 0, msg: "success", expire: 7200 });
      return (r.response as { tenant_access_token: string }).tenant_access_token;
    });
    expect(tokenA).not.toBe(tokenB);
    // The third call reused tenant A's cached token; the self-built token route was never asked.
    const checks = emu.requestsFor("task_check");
    expect(checks.map((r) => [r.headers.authorization, r.tenantKey])).toEqual([
      [`Bearer ${tokenA}`, A],
      [`Bearer ${tokenB}`, B],
      [`Bearer ${tokenA}`, A],
    ]);
    expect(emu.requestsFor("token")).toEqual([]);
    expect(emu.requestsFor("app_ticket_resend")).toEqual([]);
  });

  it("keeps each tenant's chats and messages: events carry the tenant, replies and creates land in it", async () => {
    const { client } = await storeApp();
    const inA = emu.messageEvent({
      tenantKey: A,
      chatType: "group",
      chatId: "oc_a",
      text: "/s",
      mentionBot: true,
    });
    const inB = emu.messageEvent({ tenantKey: B, chatType: "p2p", text: "/s" });
    expect(inA.header.tenant_key).toBe(A);
    expect(inA.event.sender.tenant_key).toBe(A);
    expect(inA.event.message.mentions?.[0].tenant_key).toBe(A);
    expect(inB.header.tenant_key).toBe(B);

    const cardA = await reply(client, inA.event.message.message_id, A);
    const cardB = await reply(client, inB.event.message.message_id, B);
    expect(cardA.data?.sender).toMatchObject({ sender_type: "app", tenant_key: A });
    expect(cardB.data?.sender).toMatchObject({ tenant_key: B });
    const createdA = await create(client, "oc_a", A);
    expect(emu.message(cardA.data?.message_id as string)?.tenant_key).toBe(A);
    expect(emu.message(cardB.data?.message_id as string)).toMatchObject({
      tenant_key: B,
      chat_id: inB.event.message.chat_id,
    });
    expect(emu.message(createdA.data?.message_id as string)?.tenant_key).toBe(A);
    await patch(client, cardA.data?.message_id as string, A);
    expect(emu.message(cardA.data?.message_id as string)?.patches).toHaveLength(1);

    // Later events default to the tenant of the message or chat they name.
    const click = emu.cardActionEvent({
      openMessageId: cardA.data?.message_id as string,
      chatId: "oc_a",
      operatorOpenId: "ou_clicker",
      value: { k: 1 },
    });
    expect(click.header.tenant_key).toBe(A);
    expect(click.event.operator.tenant_key).toBe(A);
    const legacy = emu.legacyCardCallback({
      openMessageId: cardB.data?.message_id as string,
      chatId: inB.event.message.chat_id,
      operatorOpenId: "ou_clicker",
      value: {},
    });
    expect(legacy.tenant_key).toBe(B);
    expect(emu.botAddedEvent({ chatId: "oc_a", operatorOpenId: "ou_admin" }).event.operator_tenant_key).toBe(
      A,
    );
    const inThread = emu.messageEvent({
      chatType: "group",
      threadOf: cardA.data?.message_id as string,
      text: "t",
    });
    expect(inThread.header.tenant_key).toBe(A);
  });

  it("gives each tenant the bot's open_id there (bot info, mentions), when set per tenant", async () => {
    const { client } = await storeApp();
    emu.addTenant(B, { botOpenId: "ou_bot_in_beta" });
    const info = (tk: string) =>
      client.request<{ bot: { open_id: string } }>(
        { method: "GET", url: "/open-apis/bot/v3/info" },
        withTenantKey(tk),
      );
    expect((await info(A)).bot.open_id).toBe(emu.options.botOpenId);
    expect((await info(B)).bot.open_id).toBe("ou_bot_in_beta");
    const env = emu.messageEvent({ tenantKey: B, chatType: "group", text: "x", mentionBot: true });
    expect(env.event.message.mentions?.[0].id.open_id).toBe("ou_bot_in_beta");
    expect(emu.tenants()).toEqual([
      { tenant_key: TENANT_KEY, status: "installed", bot_open_id: emu.options.botOpenId },
      { tenant_key: A, status: "installed", bot_open_id: emu.options.botOpenId },
      { tenant_key: B, status: "installed", bot_open_id: "ou_bot_in_beta" },
    ]);
  });

  it("an external sender keeps its own tenant_key in sender and mentions; the header names the bot's tenant", async () => {
    await storeApp();
    const env = emu.messageEvent({
      tenantKey: A,
      senderTenantKey: "tk_external",
      chatType: "group",
      text: "x",
      mentionBot: true,
    });
    expect(env.header.tenant_key).toBe(A);
    expect(env.event.sender.tenant_key).toBe("tk_external");
    expect(env.event.message.mentions?.[0].tenant_key).toBe("tk_external");
  });
});

describe("isolation between tenants", () => {
  it("refuses tenant B's token on tenant A's messages, chats, users, tasks and Drive items", async () => {
    const { client } = await storeApp();
    const userMsg = emu.messageEvent({ tenantKey: A, chatType: "group", chatId: "oc_a", text: "x" });
    const messageId = userMsg.event.message.message_id;
    const card = (await reply(client, messageId, A)).data?.message_id as string;
    emu.messageEvent({ tenantKey: A, chatType: "p2p", senderOpenId: "ou_only_in_a", text: "hi" });
    emu.setTask("7000000000000000003", ["process"], A);
    emu.addFolder("fld_a", { tenantKey: A });
    emu.addFolder("fld_target_b", { tenantKey: B });
    emu.addFile("doc_a", "docx", { tenantKey: A });
    const before = emu.messages.length;

    const imRefusal = { status: 400, code: REFUSALS.BOT_NOT_IN_CHAT.code };
    expect(await rejection(reply(client, messageId, B))).toMatchObject(imRefusal);
    expect(await rejection(create(client, "oc_a", B))).toMatchObject(imRefusal);
    expect(await rejection(patch(client, card, B))).toMatchObject(imRefusal);
    expect(await rejection(create(client, "ou_only_in_a", B, "open_id"))).toMatchObject({
      status: 400,
      code: REFUSALS.NO_AVAILABILITY.code,
    });
    const forbidden = { status: 403, code: CODES.DRIVE_FORBIDDEN, msg: "forbidden." };
    expect(await rejection(taskCheck(client, "7000000000000000003", B))).toEqual({
      ...forbidden,
      headers: expect.anything(),
    });
    expect(
      await rejection(
        client.drive.v1.file.move(
          { path: { file_token: "fld_a" }, data: { type: "folder", folder_token: "fld_target_b" } },
          withTenantKey(B),
        ),
      ),
    ).toMatchObject(forbidden);
    expect(
      await rejection(
        client.drive.v1.file.delete(
          { path: { file_token: "doc_a" }, params: { type: "docx" } },
          withTenantKey(B),
        ),
      ),
    ).toMatchObject(forbidden);
    // Not the same as an unknown id, nor as the owner's view.
    expect(await rejection(taskCheck(client, "7999999999999999999", B))).toMatchObject({
      status: 404,
      code: CODES.TASK_NOT_FOUND,
    });
    expect((await taskCheck(client, "7000000000000000003", A)).data?.status).toBe("process");
    expect(emu.messages).toHaveLength(before);
    expect(emu.message(card)?.patches).toEqual([]);
  });

  it("refuses tenant A's token sent as is on tenant B's chat, as a bot that mixes up its cached tokens would", async () => {
    const { client } = await storeApp();
    await taskCheck(client, "x", A).catch(() => undefined); // caches tenant A's token
    const tokenA = (emu.requestsFor("store_tenant_token")[0].response as { tenant_access_token: string })
      .tenant_access_token;
    const env = emu.messageEvent({ tenantKey: B, chatType: "group", text: "x" });
    const res = await rejection(
      client.im.v1.message.reply(
        {
          path: { message_id: env.event.message.message_id },
          data: { msg_type: "text", content: textContent("r") },
        },
        larkSdk.withTenantToken(tokenA),
      ),
    );
    expect(res).toMatchObject({ status: 400, code: REFUSALS.BOT_NOT_IN_CHAT.code });
    expect(emu.requestsFor("reply")[0].tenantKey).toBe(A);
  });

  it("folder tasks belong to the tenant that started them", async () => {
    const { client } = await storeApp();
    emu.addFolder("fld_b", { tenantKey: B });
    emu.addFolder("fld_b_target", { tenantKey: B });
    const moved = await client.drive.v1.file.move(
      { path: { file_token: "fld_b" }, data: { type: "folder", folder_token: "fld_b_target" } },
      withTenantKey(B),
    );
    const taskId = moved.data?.task_id as string;
    expect(emu.driveTasks(B).map((t) => t.task_id)).toEqual([taskId]);
    expect(emu.driveTasks(A)).toEqual([]);
    expect((await taskCheck(client, taskId, B)).data?.status).toBe("process");
    expect(await rejection(taskCheck(client, taskId, A))).toMatchObject({
      status: 403,
      code: CODES.DRIVE_FORBIDDEN,
    });
  });

  it("event builders refuse to mix tenants and unknown tenants", async () => {
    await storeApp();
    const env = emu.messageEvent({ tenantKey: A, chatType: "group", chatId: "oc_a", text: "x" });
    expect(() => emu.messageEvent({ tenantKey: B, chatType: "group", chatId: "oc_a", text: "x" })).toThrow(
      /chat oc_a belongs to tenant tk_alpha/,
    );
    expect(() =>
      emu.messageEvent({
        tenantKey: B,
        chatType: "group",
        threadOf: env.event.message.message_id,
        text: "x",
      }),
    ).toThrow(/belongs to tenant tk_alpha/);
    expect(() =>
      emu.cardActionEvent({
        tenantKey: B,
        openMessageId: "om_x",
        chatId: "oc_a",
        operatorOpenId: "ou_1",
        value: {},
      }),
    ).toThrow(/belongs to tenant/);
    expect(() => emu.addChat("oc_a", "group", B)).toThrow(/belongs to tenant/);
    expect(() => emu.messageEvent({ tenantKey: "tk_nobody", chatType: "p2p", text: "x" })).toThrow(
      /unknown tenant tk_nobody/,
    );
    expect(() => emu.setTask("1", ["success"], "tk_nobody")).toThrow(/unknown tenant/);
  });
});

describe("uninstall and status changes", () => {
  it("an uninstalled tenant's token is refused and it gets no new one; other tenants go on", async () => {
    const { client } = await storeApp();
    emu.setTaskStatus("7000000000000000004", "process", A);
    emu.setTaskStatus("7000000000000000005", "process", B);
    await taskCheck(client, "7000000000000000004", A);
    await taskCheck(client, "7000000000000000005", B);

    emu.uninstallTenant(A);
    // The SDK keeps its cached token: the next call is refused with 99991663 (it does not refresh on it).
    expect(await rejection(taskCheck(client, "7000000000000000004", A))).toMatchObject({
      status: 400,
      code: CODES.INVALID_TOKEN,
    });
    expect((await taskCheck(client, "7000000000000000005", B)).data?.status).toBe("process");
    // A fresh client (a restarted bot) asks a new tenant token for A and is refused.
    const fresh = new larkSdk.DefaultCache();
    await seedTicket(emu, fresh);
    await expect(taskCheck(isvClient(emu, fresh), "7000000000000000004", A)).rejects.toThrow(
      /failed to get tenant_access_token, code: 10003/,
    );
    expect(emu.requestsFor("store_tenant_token").at(-1)?.response).toEqual({
      code: CODES.INVALID_PARAM,
      msg: "invalid param: the app is not installed in this tenant",
    });
    expect(emu.tenants().find((t) => t.tenant_key === A)?.status).toBe("uninstalled");
  });

  it("app_status_change stop_by_tenant stops a tenant's tokens, start_by_tenant gives them back", async () => {
    await storeApp();
    emu.setTaskStatus("7000000000000000006", "success", B);
    const stop = emu.appStatusChangeEvent({ tenantKey: B, status: "stop_by_tenant" });
    expect(stop.event).toEqual({
      app_id: emu.options.appId,
      tenant_key: B,
      type: "app_status_change",
      status: "stop_by_tenant",
    });
    const cache1 = new larkSdk.DefaultCache();
    await seedTicket(emu, cache1);
    await expect(taskCheck(isvClient(emu, cache1), "7000000000000000006", B)).rejects.toThrow(/code: 10003/);

    const start = emu.appStatusChangeEvent({
      tenantKey: B,
      status: "start_by_tenant",
      operatorOpenId: "ou_admin",
    });
    expect(start.event.operator).toEqual({ open_id: "ou_admin", union_id: expect.stringMatching(/^on_/) });
    const cache2 = new larkSdk.DefaultCache();
    await seedTicket(emu, cache2);
    expect((await taskCheck(isvClient(emu, cache2), "7000000000000000006", B)).data?.status).toBe("success");
  });

  it("app_uninstalled marks the tenant uninstalled; app_open installs a new tenant", async () => {
    await storeApp();
    const gone = emu.appUninstalledEvent({ tenantKey: A });
    expect(gone.event).toEqual({ app_id: emu.options.appId, tenant_key: A, type: "app_uninstalled" });
    expect(emu.tenants().find((t) => t.tenant_key === A)?.status).toBe("uninstalled");

    const open = emu.appOpenEvent({
      tenantKey: "tk_gamma",
      applicants: ["ou_applicant"],
      installerOpenId: "ou_admin",
    });
    expect(open.event).toEqual({
      app_id: emu.options.appId,
      tenant_key: "tk_gamma",
      type: "app_open",
      applicants: [{ open_id: "ou_applicant" }],
      installer: { open_id: "ou_admin" },
    });
    const cache = new larkSdk.DefaultCache();
    await seedTicket(emu, cache);
    emu.setTaskStatus("7000000000000000007", "success", "tk_gamma");
    expect((await taskCheck(isvClient(emu, cache), "7000000000000000007", "tk_gamma")).data?.status).toBe(
      "success",
    );
    const byMember = emu.appOpenEvent({ tenantKey: "tk_delta", installerEmployeeOpenId: "ou_member" });
    expect(byMember.event.installer_employee).toEqual({ open_id: "ou_member" });
    expect(byMember.event.installer).toBeUndefined();
  });
});

describe("rate limits per tenant", () => {
  it("counts the message API limit per tenant: A refused at its limit while B still gets in", async () => {
    const clock = fakeClock();
    const { client } = await storeApp({
      now: clock.now,
      messageApiPerSecond: 2,
      messagesPerSecondPerChat: 0,
    });
    emu.addChat("oc_a", "group", A);
    emu.addChat("oc_b", "group", B);
    await create(client, "oc_a", A);
    await create(client, "oc_a", A);
    const refused = await rejection(create(client, "oc_a", A));
    expect(refused).toMatchObject({ status: 429, code: CODES.GATEWAY_RATE_LIMITED });
    await create(client, "oc_b", B);
    await create(client, "oc_b", B);
    expect(await rejection(create(client, "oc_b", B))).toMatchObject({ status: 429 });
    expect(emu.violations().map((r) => [r.route, r.rateLimit, r.tenantKey])).toEqual([
      ["create", "messageApiPerSecond", A],
      ["create", "messageApiPerSecond", B],
    ]);
    clock.advance(1000);
    await create(client, "oc_a", A);
  });

  it("counts task_check and the per-chat limit per tenant", async () => {
    const clock = fakeClock();
    const { client } = await storeApp({ now: clock.now, taskCheckPerSecond: 1, messagesPerSecondPerChat: 1 });
    emu.setTaskStatus("7000000000000000008", "process", A);
    emu.setTaskStatus("7000000000000000009", "process", B);
    await taskCheck(client, "7000000000000000008", A);
    await taskCheck(client, "7000000000000000009", B);
    expect(await rejection(taskCheck(client, "7000000000000000008", A))).toMatchObject({ status: 429 });
    emu.addChat("oc_a", "group", A);
    await create(client, "oc_a", A);
    expect(await rejection(create(client, "oc_a", A))).toMatchObject({
      status: 400,
      code: CODES.IM_RATE_LIMITED,
    });
    expect(emu.violations().map((r) => [r.rateLimit, r.tenantKey])).toEqual([
      ["taskCheckPerSecond", A],
      ["messagesPerSecondPerChat", A],
    ]);
  });
});
