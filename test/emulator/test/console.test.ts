/**
 * The console's server without a browser: what its page and actions answer, that bad and hostile requests
 * get a 4xx with a message and change nothing, that its switches and Drive panel act on the emulator (seen
 * through the real SDK, as a bot sees them), that its inspector never shows a secret, and that its event
 * stream tells the page about each change. The browser suite (test/browser/) drives the page itself.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CHATS,
  type Emulator,
  hasFormatting,
  REDACTED,
  type RunningConsole,
  redact,
  startConsole,
  startEmulator,
  toPost,
} from "../src";
import { card2, rejection, sdkClient, textContent } from "./support/sdk-client";

let emu: Emulator;
let console_: RunningConsole;
const ALICE = "ou_c0a11ce0000000000000000000000001";
const OPS = CHATS.find((c) => c.key === "ops")?.chatId ?? "";

beforeEach(async () => {
  emu = await startEmulator({ encryptKey: "console-test-key", verificationToken: "console-test-token" });
  // No bot listens here: deliveries fail, and the console says so.
  console_ = await startConsole(emu, { bot: { eventUrl: "http://127.0.0.1:9/webhook/event" } });
});
afterEach(async () => {
  await console_.close();
  await emu.close();
});

const url = (path: string) => new URL(path, console_.url).toString();
// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field
type Any = any;
const json = async (path: string, body: unknown): Promise<Any> => (await act(path, body)).json();
const act = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url(path), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("the page", () => {
  it("serves the page, its styles and its bundled script, and a 404 with a message for anything else", async () => {
    const page = await fetch(console_.url);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<script src="/console.js" defer></script>');
    expect(await (await fetch(url("/console.css"))).text()).toContain(".fc-card {");
    const script = await fetch(url("/console.js"));
    expect(script.headers.get("content-type")).toContain("text/javascript");
    expect(await script.text()).toContain("/api/events");
    const missing = await fetch(url("/nope"));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no such page or action: GET /nope" });
  });
});

describe("bad and hostile requests", () => {
  it.each([
    ["GET on an action", () => fetch(url("/api/say")), 405, "/api/say takes POST"],
    ["not JSON", () => act("/api/say", "{nope"), 400, "body: not valid JSON"],
    ["a JSON array", () => act("/api/say", "[1]"), 400, "body: a JSON object"],
    [
      "a form post",
      () => fetch(url("/api/say"), { method: "POST", body: "text=1" }),
      415,
      "content-type: application/json",
    ],
    [
      "another site's page",
      () => act("/api/say", { chat: "dm", from: ALICE, text: "hi" }, { origin: "https://evil.test" }),
      403,
      "only the console's own page may do this",
    ],
    ["a body over 64 KB", () => act("/api/say", { text: "x".repeat(70_000) }), 413, "body: at most 64 KB"],
    [
      "someone unknown",
      () => act("/api/say", { chat: "dm", from: "ou_evil", text: "hi" }),
      400,
      "from: not one of the console's people",
    ],
    [
      "an unknown chat",
      () => act("/api/say", { chat: "../x", from: ALICE, text: "hi" }),
      400,
      "chat: must be dm, ops or releases",
    ],
    [
      "nothing said",
      () => act("/api/say", { chat: "dm", from: ALICE, text: " \n " }),
      400,
      "text: say something",
    ],
    [
      "too much said",
      () => act("/api/say", { chat: "dm", from: ALICE, text: "x".repeat(10_001) }),
      413,
      "text: at most 10000 characters",
    ],
    [
      "a thread of nothing",
      () => act("/api/say", { chat: "ops", from: ALICE, text: "hi", threadOf: "om_x" }),
      400,
      "threadOf: no such message in this chat",
    ],
    [
      "a click on no message",
      () => act("/api/click", { messageId: "om_x", elementId: "btn_refresh", from: ALICE }),
      404,
      "messageId: the bot sent no such message",
    ],
    [
      "a task of a bad kind",
      () => act("/api/drive/tasks", { operation: "copy", outcome: "success", seconds: 1 }),
      400,
      "operation: move or delete",
    ],
    [
      "a task for ever",
      () => act("/api/drive/tasks", { operation: "move", outcome: "success", seconds: 1e9 }),
      400,
      "seconds: from 0 to 86400",
    ],
    [
      "ending no task",
      () => act("/api/drive/end", { taskId: "1", outcome: "fail" }),
      404,
      "taskId: no such Drive task",
    ],
    [
      "an unknown fault",
      () => act("/api/faults", { name: "__proto__", on: true }),
      400,
      "name: not a fault the console knows",
    ],
    [
      "the bot out of a DM",
      () => act("/api/membership", { chat: "dm", from: ALICE, member: false }),
      400,
      "chat: the bot is always in a direct message",
    ],
  ])("%s: a 4xx with a message, and nothing changes", async (_name, request, status, error) => {
    const res = await request();
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error });
    expect(console_.app.conversation.all()).toEqual([]);
    expect(emu.driveTasks()).toEqual([]);
    expect(console_.app.faults.on.size).toBe(0);
  });

  it("a click on a button without a callback is refused (no callback is invented)", async () => {
    const client = sdkClient(emu);
    const card = JSON.parse(card2("x")) as { body: { elements: unknown[] } };
    card.body.elements.push({
      tag: "button",
      element_id: "btn_open",
      text: { tag: "plain_text", content: "Open" },
    });
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: "chat_id" },
      data: { receive_id: OPS, msg_type: "interactive", content: JSON.stringify(card) },
    });
    const res = await act("/api/click", {
      messageId: sent.data?.message_id,
      elementId: "btn_open",
      from: ALICE,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "that button has no callback behaviour: it does not call the bot back",
    });
    expect(emu.requestsFor("unknown")).toEqual([]);
  });
});

describe("what the actions do", () => {
  it("builds a person's words as Feishu's client would: text, rich text when formatted, @bot in groups", async () => {
    const plain = await json("/api/say", { chat: "dm", from: ALICE, text: "/status 1" });
    expect(plain.message).toMatchObject({ msgType: "text", text: "/status 1", senderName: "Alice" });
    expect(plain.delivered.problem).toMatch(
      /^could not reach the bot at http:\/\/127\.0\.0\.1:9\/webhook\/event/,
    );
    const rich = await json("/api/say", { chat: "ops", from: ALICE, text: "**now** /status 2" });
    expect(rich.message.msgType).toBe("post");
    expect(rich.message.post.content[0]).toEqual([
      { tag: "at", user_id: "@_user_1", user_name: "Task Bot" },
      { tag: "text", text: " " },
      { tag: "text", text: "now", style: ["bold"] },
      { tag: "text", text: " /status 2" },
    ]);
    const quiet = await json("/api/say", { chat: "ops", from: ALICE, text: "lunch?", mentionBot: false });
    expect(quiet.delivered).toBeUndefined();
    expect(quiet.message.note).toMatch(/only when it @-mentions the bot/);
    const events = console_.app.journal.all().filter((e) => e.kind === "event");
    expect(events.map((e) => e.title)).toEqual(["im.message.receive_v1", "im.message.receive_v1"]);
  });

  it("starts and ends Drive tasks that task_check then reports", async () => {
    const client = sdkClient(emu);
    const started = await json("/api/drive/tasks", { operation: "move", outcome: "success", seconds: 60 });
    expect(started.task_id).toMatch(/^\d{19}$/);
    const check = async () =>
      (await client.drive.v1.file.taskCheck({ params: { task_id: started.task_id } })).data?.status;
    expect(await check()).toBe("process");
    await act("/api/drive/end", { taskId: started.task_id, outcome: "fail" });
    expect(await check()).toBe("fail");
    const deleted = await json("/api/drive/tasks", { operation: "delete", outcome: "success", seconds: 0 });
    expect(deleted.operation).toBe("delete");
    expect(
      await (async () =>
        (await client.drive.v1.file.taskCheck({ params: { task_id: deleted.task_id } })).data?.status)(),
    ).toBe("success");
  });

  it("switches faults on and off: Feishu failing, a muted group", async () => {
    const client = sdkClient(emu);
    await act("/api/faults", { name: "server_error", on: true });
    await act("/api/faults", { name: "muted_group", on: true });
    await act("/api/faults", { name: "rate_limit", on: true });
    const limited = await rejection(
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: OPS, msg_type: "text", content: textContent("hi") },
      }),
    );
    expect(limited).toMatchObject({ status: 429, code: 99991400 });
    expect(limited.headers["x-ogw-ratelimit-reset"]).toBe("1");
    await act("/api/faults", { name: "rate_limit", on: false });
    expect((await rejection(client.drive.v1.file.taskCheck({ params: { task_id: "1" } }))).status).toBe(503);
    const muted = await rejection(
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: OPS, msg_type: "text", content: textContent("hi") },
      }),
    );
    expect(muted.code).toBe(230018);
    await act("/api/faults", { name: "server_error", on: false });
    await act("/api/faults", { name: "muted_group", on: false });
    expect((await rejection(client.drive.v1.file.taskCheck({ params: { task_id: "1" } }))).status).toBe(404);
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: "chat_id" },
      data: { receive_id: OPS, msg_type: "text", content: textContent("hi") },
    });
    expect(sent.code).toBe(0);
  });
});

describe("the inspector", () => {
  it("journals the bot's calls with their answers, every secret redacted", async () => {
    const client = sdkClient(emu);
    await client.im.v1.message.create({
      params: { receive_id_type: "chat_id" },
      data: { receive_id: OPS, msg_type: "text", content: textContent("hi") },
    });
    await act("/api/say", { chat: "dm", from: ALICE, text: "hello" });
    const state = await (await fetch(url("/api/state"))).text();
    for (const secret of [emu.options.appSecret, "console-test-key", "console-test-token"])
      expect(state).not.toContain(secret);
    expect(state).not.toMatch(/t-emu-[0-9a-f]{8}/);
    const journal = console_.app.journal.all();
    const token = journal.find((e) => e.route === "token");
    expect(token?.request).toMatchObject({ body: { app_id: emu.options.appId, app_secret: REDACTED } });
    expect(token?.response).toMatchObject({ code: 0, tenant_access_token: REDACTED });
    const create = journal.find((e) => e.route === "create");
    expect(create).toMatchObject({ status: 200, title: "POST /open-apis/im/v1/messages" });
    expect(create?.request).toMatchObject({ headers: { authorization: REDACTED } });
  });

  it("redacts by key and by value, at any depth", () => {
    expect(
      redact(
        {
          a: {
            app_secret: "s",
            list: [{ Authorization: "Bearer x" }],
            url: "wss://x?ticket=abc&k=sekrit",
            t: "t-emu-0123456789abcdef",
          },
        },
        ["sekrit"],
      ),
    ).toEqual({
      a: {
        app_secret: REDACTED,
        list: [{ Authorization: REDACTED }],
        url: `wss://x?ticket=abc&k=${REDACTED}`,
        t: REDACTED,
      },
    });
  });
});

describe("the composer's rich text", () => {
  it("is plain text without formatting, and styled runs and links with it", () => {
    expect(hasFormatting("/status 123 a*b")).toBe(false);
    expect(hasFormatting("see [docs](https://x.test)")).toBe(true);
    expect(toPost("**a** *b* ~~c~~ [d](https://x.test)\n")).toEqual([
      [
        { tag: "text", text: "a", style: ["bold"] },
        { tag: "text", text: " " },
        { tag: "text", text: "b", style: ["italic"] },
        { tag: "text", text: " " },
        { tag: "text", text: "c", style: ["lineThrough"] },
        { tag: "text", text: " " },
        { tag: "a", text: "d", href: "https://x.test" },
      ],
      [],
    ]);
  });
});

describe("the event stream", () => {
  it("sends a snapshot first, then each change", async () => {
    const controller = new AbortController();
    const res = await fetch(url("/api/events"), { signal: controller.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    let text = "";
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until("event: snapshot");
    await act("/api/drive/tasks", { operation: "move", outcome: "success", seconds: 5 });
    await until("event: tasks");
    expect(text).toMatch(/event: tasks\ndata: \[\{"task_id":"\d{19}","operation":"move"/);
    controller.abort();
  });
});
