import { join } from "node:path";
import type { CardCallbackAnswer, Emulator, SentMessage } from "@taskbot/feishu-emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  eventually,
  type RunningBot,
  STORES,
  startBot,
  startTestEmulator,
  tempDir,
} from "../support/harness";
import { freshDatabase, type TestDatabase } from "../support/postgres";
import { type AuthEnv, authorizeUrl, userAuthEnv } from "../support/user-auth";

/**
 * A store app (ISV): one deployment serving two tenants through the whole flow, each in its own chats with its
 * own token, isolated from the other; the ticket kept in the store across restarts; an expired ticket (10012);
 * a refused app access token (99991664); an uninstall. The emulator refuses any call made with the wrong tenant's token.
 */
const TASK = "7360595374803812391"; // a task of tenant A
const TASK_B = "7360595374803812392"; // a task of tenant B
const A = "tk_alpha";
const B = "tk_bravo";
const ALICE = "ou_alice_isv_00000000000000000000001";
const BRUNO = "ou_bruno_isv_00000000000000000000001";
const TOKEN_A = "token-for-tenant-alpha-0123";
const TOKEN_B = "token-for-tenant-bravo-0123";

describe.each(STORES)("a store app serving two tenants, on %s", (store) => {
  let emu: Emulator;
  let tmp: ReturnType<typeof tempDir>;
  let bot: RunningBot;
  let db: TestDatabase | undefined;
  let auth: AuthEnv;
  const start = () =>
    startBot(emu, join(tmp.dir, "bot.sqlite"), {
      FEISHU_APP_TYPE: "store",
      API_TOKENS: `${A}:${TOKEN_A},${B}:${TOKEN_B}`,
      ...(db && { DATABASE_URL: db.url }),
      ...auth.env,
    });

  beforeEach(async () => {
    tmp = tempDir();
    db = store === "postgres" ? await freshDatabase() : undefined;
    emu = await startTestEmulator({ appType: "store" });
    emu.addTenant(A, { botOpenId: "ou_bot_in_alpha_000000000000000001" });
    emu.addTenant(B, { botOpenId: "ou_bot_in_bravo_000000000000000001" });
    auth = await userAuthEnv(emu);
    bot = await start();
    emu.setTicketPushUrl(bot.eventUrl);
    expect((await emu.pushAppTicket(bot.eventUrl)).status).toBe(200); // Feishu's hourly push
  });

  afterEach(async () => {
    await bot.stop();
    await emu.close();
    await db?.drop();
    tmp.remove();
  });

  async function ask(tenantKey: string, sender: string, text: string) {
    const event = emu.messageEvent({
      tenantKey,
      chatType: "group",
      senderOpenId: sender,
      text,
      mentionBot: true,
    });
    expect((await emu.deliver(bot.eventUrl, event)).status).toBe(200);
    return event;
  }
  const cardOf = (id: string) =>
    emu.waitFor(() => emu.repliesTo(id).find((m) => m.msg_type === "interactive"), 6000);
  const noticeOf = (id: string) =>
    emu.waitFor(() => emu.repliesTo(id).find((m) => m.msg_type === "text"), 10_000);
  /** The Feishu codes the emulator answered on a token route, in order. */
  const codesAnswered = (route: "app_access_token" | "store_tenant_token") =>
    emu.requestsFor(route).map((r) => (r.response as { code?: number } | undefined)?.code);
  const watchIdOf = (card: SentMessage) => /"watch_id":"(\d+)"/.exec(JSON.stringify(card.card))?.[1] ?? "";
  const api = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${bot.url}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });

  it("runs the whole flow in each tenant with its own token: cards, checks and notices", async () => {
    emu.setTask(TASK, ["process", "success"], A);
    emu.setTask(TASK_B, ["process", "process", "fail"], B);
    const a = await ask(A, ALICE, `/status ${TASK}`);
    const b = await ask(B, BRUNO, `/status ${TASK_B}`);
    const [na, nb] = await Promise.all([
      noticeOf(a.event.message.message_id),
      noticeOf(b.event.message.message_id),
    ]);
    expect(na.text).toContain("success");
    expect(na.text).toContain(`<at user_id="${ALICE}"></at>`);
    expect(nb.text).toContain("failed");
    expect(na.tenant_key).toBe(A);
    expect(nb.tenant_key).toBe(B);
    const checks = emu.requestsFor("task_check");
    expect(new Set(checks.map((r) => r.tenantKey))).toEqual(new Set([A, B]));
    expect(checks.every((r) => r.status === 200)).toBe(true); // never a call with the other tenant's token
    expect(emu.violations()).toEqual([]);
  });

  it("keeps tenants apart: a copied card value or an API call for the other tenant has no effect", async () => {
    emu.setTask(TASK, ["process"], A);
    const a = await ask(A, ALICE, `/status ${TASK}`);
    const cardA = await cardOf(a.event.message.message_id);
    const b = await ask(B, BRUNO, "/help");
    await cardOf(b.event.message.message_id);

    // Tenant B's user clicks with A's watch id, as if on A's card: refused.
    const click = emu.cardActionEvent({
      tenantKey: B,
      openMessageId: b.event.message.message_id,
      chatId: b.event.message.chat_id,
      operatorOpenId: ALICE,
      value: { action: "stop", watch_id: watchIdOf(cardA) },
    });
    click.event.context.open_message_id = cardA.message_id; // a forged context, signed by Feishu for B
    const answer = (await emu.deliver(`${bot.url}/webhook/card`, click)).body as CardCallbackAnswer;
    expect(answer.toast?.type).toBe("warning");
    expect(await bot.app.store.countOpenWatches()).toBe(1);

    // B's API token cannot see A's watch, and its watches land in B's tenant only.
    const id = watchIdOf(cardA);
    expect((await api(TOKEN_B, `/watches/${id}`)).status).toBe(404);
    expect((await api(TOKEN_A, `/watches/${id}`)).status).toBe(200);
    expect((await api(TOKEN_B, `/watches/${id}`, { method: "DELETE" })).status).toBe(404);
    const intoA = await api(TOKEN_B, "/watches", {
      method: "POST",
      body: JSON.stringify({ task_id: TASK, chat_id: a.event.message.chat_id }),
    });
    expect(intoA.status).toBe(201);
    const created = (await intoA.json()) as { watch_id: string };
    // Posted with B's token into A's chat: Feishu refuses (as a chat B's bot is not in), the watch ends.
    await eventually(async () => {
      const res = await api(TOKEN_B, `/watches/${created.watch_id}`);
      return ((await res.json()) as { end_reason?: string }).end_reason === "bot_not_in_chat";
    }, 6000);
    expect(
      emu.repliesTo(a.event.message.message_id).filter((m) => m.msg_type === "interactive"),
    ).toHaveLength(1);
  });

  it("restarts with no ticket in memory: the stored ticket gets new tokens, nothing is asked again", async () => {
    emu.setTask(TASK, ["process", "success"], A);
    await bot.stop();
    const resends = emu.requestsFor("app_ticket_resend").length;
    const pushes = emu.ticketPushes.length;
    emu.revokeTokens(); // tokens from before the restart are of no use: new ones must come from the ticket
    bot = await start();
    const a = await ask(A, ALICE, `/status ${TASK}`);
    expect((await noticeOf(a.event.message.message_id)).text).toContain("success");
    expect(emu.requestsFor("app_ticket_resend")).toHaveLength(resends);
    expect(emu.ticketPushes).toHaveLength(pushes);
    expect(emu.requestsFor("app_access_token").every((r) => r.status === 200)).toBe(true);
  });

  it("an expired ticket: the bot asks Feishu for a new one, and the command is answered once", async () => {
    emu.expireTickets();
    emu.revokeTokens(); // so a new tenant token is needed, which needs a valid ticket
    const resends = emu.requestsFor("app_ticket_resend").length;
    const a = await ask(A, ALICE, "/help");
    const reply = await emu.waitFor(() => emu.repliesTo(a.event.message.message_id)[0], 15_000);
    expect(reply.msg_type).toBe("interactive");
    expect(emu.requestsFor("app_ticket_resend").length).toBeGreaterThan(resends);
    expect(emu.ticketPushes.at(-1)?.via).toBe("resend");
    expect(codesAnswered("app_access_token")).toContain(10012); // Feishu's word for a ticket it no longer takes
    await new Promise((r) => setTimeout(r, 500));
    expect(emu.repliesTo(a.event.message.message_id)).toHaveLength(1);
  });

  it("an app access token Feishu refuses (99991664): a new one, then the tenant token, the command answered once", async () => {
    emu.revokeTokens(); // so the next call needs a new tenant token, which is asked for with the app token
    emu.inject({ route: "store_tenant_token", status: 200, code: 99991664 });
    const appTokens = emu.requestsFor("app_access_token").length;
    const a = await ask(A, ALICE, "/help");
    const reply = await emu.waitFor(() => emu.repliesTo(a.event.message.message_id)[0], 15_000);
    expect(reply.msg_type).toBe("interactive");
    expect(codesAnswered("store_tenant_token").slice(-2)).toEqual([99991664, 0]);
    expect(emu.requestsFor("app_access_token").length).toBeGreaterThan(appTokens);
    await new Promise((r) => setTimeout(r, 500));
    expect(emu.repliesTo(a.event.message.message_id)).toHaveLength(1);
  });

  it("an uninstall ends that tenant's watches quietly; the other tenant goes on", async () => {
    emu.setTask(TASK, ["process"], A);
    emu.setTask(TASK_B, ["process"], B);
    const a = await ask(A, ALICE, `/status ${TASK}`);
    const b = await ask(B, BRUNO, `/status ${TASK_B}`);
    await cardOf(a.event.message.message_id);
    await cardOf(b.event.message.message_id);
    expect((await emu.deliver(bot.eventUrl, emu.appUninstalledEvent({ tenantKey: A }))).status).toBe(200);
    await eventually(async () => (await bot.app.store.countOpenWatches()) === 1);
    const ended = await bot.app.store.listWatches({ tenantKey: A, openOnly: false, limit: 10 });
    expect(ended.map((w) => [w.phase, w.endReason])).toEqual([["done", "uninstalled"]]);
    emu.setTaskStatus(TASK, "success", A);
    emu.setTaskStatus(TASK_B, "success", B);
    await noticeOf(b.event.message.message_id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(emu.repliesTo(a.event.message.message_id).filter((m) => m.msg_type === "text")).toHaveLength(0);
  });

  it("checks a task of a person of one tenant as them; their tokens are that tenant's; an uninstall forgets them", async () => {
    emu.setTask(TASK, ["process", "process", "success"], { tenantKey: A, openId: ALICE });
    const a = await ask(A, ALICE, `/status ${TASK}`);
    const card = await cardOf(a.event.message.message_id);
    expect(JSON.stringify(card.card)).toContain("Needs authorization");
    // Bruno (another tenant) cannot finish Alice's authorization.
    emu.addUser(BRUNO, B);
    expect(
      (await emu.oauth.consent(authorizeUrl(card.card) ?? "", { openId: BRUNO, tenantKey: B })).status,
    ).toBe(403);
    expect(
      (await emu.oauth.consent(authorizeUrl(card.card) ?? "", { openId: ALICE, tenantKey: A })).status,
    ).toBe(200);
    await noticeOf(a.event.message.message_id);
    expect(await bot.app.store.getUserToken(A, ALICE)).toBeDefined();
    expect(await bot.app.store.getUserToken(B, ALICE)).toBeUndefined();
    expect((await emu.deliver(bot.eventUrl, emu.appUninstalledEvent({ tenantKey: A }))).status).toBe(200);
    await eventually(async () => (await bot.app.store.getUserToken(A, ALICE)) === undefined);
  });
});
