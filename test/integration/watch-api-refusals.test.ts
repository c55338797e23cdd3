import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it, vi } from "vitest";
import { API_TOKEN, callApi, OTHER_API_TOKEN, watchApi } from "../support/api";
import { useBot } from "../support/harness";

/**
 * Everything the watch API refuses, over HTTP against the real bot: each answer's status and `error.code`,
 * and that a refused request changed nothing (no watch recorded, nothing sent to Feishu).
 */
const TASK = "7360595374803812356";
const CHAT = "oc_api0000000000000000000000000001";
const ALICE = "ou_a11ce00000000000000000000000001";

const t = useBot("each", { API_TOKENS: ` ${API_TOKEN} , ${OTHER_API_TOKEN} ` });

async function nothingHappened(): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  expect(await t.bot.app.store.listWatches({ tenantKey: "", openOnly: false, limit: 10 })).toEqual([]);
  expect(t.emu.requestsFor("create")).toEqual([]);
  expect(t.emu.requestsFor("task_check")).toEqual([]);
}

describe("authentication", () => {
  it.each([
    ["no Authorization header", null, {}],
    ["a wrong token", "wrong-token-0123456789abcdef", {}],
    ["a token one character short", API_TOKEN.slice(0, -1), {}],
    ["another scheme", null, { authorization: `Basic ${API_TOKEN}` }],
    ["a bare token", null, { authorization: API_TOKEN }],
  ])("%s: 401, no effect, the token never echoed", async (_label, token, headers) => {
    const answer = await callApi(t.bot.url, "/api/v1/watches", {
      json: { task_id: TASK, chat_id: CHAT },
      token,
      headers,
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe("unauthorized");
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(answer.text).not.toContain(API_TOKEN.slice(4));
    for (const path of ["/api/v1/watches", "/api/v1/watches/1"]) {
      expect((await callApi(t.bot.url, path, { token, headers })).status).toBe(401);
    }
    await nothingHappened();
  });

  it("no log line holds a token, and the client is named by a short hash", async () => {
    t.emu.setTask(TASK, ["process"]);
    expect((await watchApi(t.bot.url).create({ task_id: TASK, chat_id: CHAT })).status).toBe(201);
    await callApi(t.bot.url, "/api/v1/watches", { token: "wrong-token-0123456789abcdef" });
    await t.emu.waitFor(() => t.emu.messages[0], 5000);
    const logs = t.bot.logs.join("\n");
    expect(logs).not.toContain(API_TOKEN);
    expect(logs).not.toContain(OTHER_API_TOKEN);
    expect(logs).not.toContain("wrong-token");
    expect(logs).toMatch(/"api_client":"[0-9a-f]{12}"/);
  });
});

describe("bad input: 400, 413, 415, nothing recorded or posted", () => {
  const long = "x".repeat(201);
  it.each([
    ["invalid_task_id", { task_id: "abc", chat_id: CHAT }],
    ["invalid_task_id", { task_id: "12345", chat_id: CHAT }],
    ["invalid_task_id", { task_id: "1".repeat(33), chat_id: CHAT }],
    ["invalid_task_id", { task_id: 7360595374, chat_id: CHAT }],
    ["invalid_task_id", { chat_id: CHAT }],
    ["invalid_target", { task_id: TASK }],
    ["invalid_target", { task_id: TASK, chat_id: CHAT, open_id: ALICE }],
    ["invalid_chat_id", { task_id: TASK, chat_id: "ou_notachat0000000000000000000000" }],
    ["invalid_chat_id", { task_id: TASK, chat_id: 'oc_x"><at id=all>' }],
    ["invalid_open_id", { task_id: TASK, open_id: "oc_notauser00000000000000000000000" }],
    ["invalid_mention_open_id", { task_id: TASK, chat_id: CHAT, mention_open_id: "all" }],
    ["invalid_note", { task_id: TASK, chat_id: CHAT, note: long }],
    ["invalid_note", { task_id: TASK, chat_id: CHAT, note: 42 }],
    ["unknown_field", { task_id: TASK, chat_id: CHAT, colour: "blue" }],
    ["invalid_body", [{ task_id: TASK, chat_id: CHAT }]],
  ])("%s: %j", async (code, json) => {
    const answer = await watchApi(t.bot.url).create(json);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
    await nothingHappened();
  });

  it("a note of exactly 200 characters is fine", async () => {
    t.emu.setTask(TASK, ["process"]);
    const answer = await watchApi(t.bot.url).create({ task_id: TASK, chat_id: CHAT, note: "é".repeat(200) });
    expect(answer.status).toBe(201);
  });

  it.each([
    ["not JSON", "{task_id: 1"],
    ["a JSON string", '"hello"'],
    ["truncated", '{"task_id": "7360595374803812356", "chat_id": "oc_'],
  ])("malformed JSON (%s): 400 invalid_json", async (_label, raw) => {
    const answer = await callApi(t.bot.url, "/api/v1/watches", {
      raw,
      headers: { "content-type": "application/json" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("invalid_json");
    await nothingHappened();
  });

  it.each([
    ["text/plain", { "content-type": "text/plain" }],
    ["a form", { "content-type": "application/x-www-form-urlencoded" }],
    ["no Content-Type", {}],
    ["a Latin-1 charset", { "content-type": "application/json; charset=latin1" }],
    ["a gzip Content-Encoding", { "content-type": "application/json", "content-encoding": "gzip" }],
  ])("%s: 415 unsupported_media_type", async (_label, headers) => {
    // Bytes, so that fetch adds no Content-Type of its own.
    const raw = new TextEncoder().encode(JSON.stringify({ task_id: TASK, chat_id: CHAT }));
    const answer = await callApi(t.bot.url, "/api/v1/watches", { raw, headers });
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe("unsupported_media_type");
    await nothingHappened();
  });

  it("a body over 16 KB: 413 payload_too_large", async () => {
    const answer = await watchApi(t.bot.url).create({
      task_id: TASK,
      chat_id: CHAT,
      note: "x".repeat(17_000),
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe("payload_too_large");
    await nothingHappened();
  });

  it("a malformed Idempotency-Key: 400", async () => {
    for (const key of ["", "x".repeat(256), "with space"]) {
      const answer = await watchApi(t.bot.url).create({ task_id: TASK, chat_id: CHAT }, key);
      expect(answer.status, JSON.stringify(key)).toBe(400);
      expect(answer.body.error.code).toBe("invalid_idempotency_key");
    }
    await nothingHappened();
  });

  it("unknown routes 404 and wrong methods 405, in the same JSON shape", async () => {
    const missing = await callApi(t.bot.url, "/api/v1/nothing");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const put = await callApi(t.bot.url, "/api/v1/watches/1", { method: "PUT", json: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, DELETE");
  });
});

describe("rate limit and store failures", () => {
  it("past the burst a token gets 429 with Retry-After; another token is not affected", async () => {
    const answers = await Promise.all(Array.from({ length: 25 }, () => watchApi(t.bot.url).list()));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(10);
    for (const answer of limited) {
      expect(answer.body.error.code).toBe("rate_limited");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect((await watchApi(t.bot.url, OTHER_API_TOKEN).list()).status).toBe(200);
    const wait = Number(limited[0].headers.get("retry-after"));
    await new Promise((r) => setTimeout(r, wait * 1000 + 100));
    expect((await watchApi(t.bot.url).list()).status).toBe(200);
  });

  it("a store that fails: 503 store_unavailable, nothing posted", async () => {
    t.emu.setTask(TASK, ["process"]);
    const failing = vi.spyOn(t.bot.app.store, "createWatch").mockRejectedValue(new Error("disk I/O error"));
    const answer = await watchApi(t.bot.url).create({ task_id: TASK, chat_id: CHAT });
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe("store_unavailable");
    expect(answer.text).not.toContain("disk I/O");
    failing.mockRestore();
    await nothingHappened();
  });
});

describe("GET /api/v1/openapi.json", () => {
  it("needs no token, is a valid OpenAPI 3.1 document and holds no token", async () => {
    const answer = await callApi(t.bot.url, "/api/v1/openapi.json", { token: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toContain("application/json");
    const result = await new Validator().validate(answer.body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(answer.body.openapi).toMatch(/^3\.1\./);
    expect(answer.text).not.toContain(API_TOKEN);
    expect(answer.text).not.toContain(OTHER_API_TOKEN);
  });
});

describe("with API_TOKENS empty the API is off", () => {
  const off = useBot("each");
  it("every /api route answers 404 and nothing happens", async () => {
    for (const [method, path] of [
      ["POST", "/api/v1/watches"],
      ["GET", "/api/v1/watches"],
      ["GET", "/api/v1/watches/1"],
      ["DELETE", "/api/v1/watches/1"],
      ["GET", "/api/v1/openapi.json"],
    ]) {
      const answer = await callApi(off.bot.url, path, {
        method,
        ...(method === "POST" ? { json: { task_id: TASK, chat_id: CHAT } } : {}),
      });
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    expect(await off.bot.app.store.listWatches({ tenantKey: "", openOnly: false, limit: 10 })).toEqual([]);
    expect(off.emu.requestsFor("create")).toEqual([]);
  });
});
