import { describe, expect, it } from "vitest";
import { clientIdOf, createAuthenticator } from "../../src/api/auth";
import { ApiError } from "../../src/api/errors";
import { parseCreateBody, parseListQuery, parseWatchId, readIdempotencyKey } from "../../src/api/request";
import { CreateWatchRequest } from "../../src/api/schemas";
import { apiStateOf, endReasonOf, toApiWatch } from "../../src/api/view";
import type { Watch } from "../../src/core/watch";

const TASK = "7360595374803812356";
const CHAT = "oc_5ad11d72b830411d72b836c20";
const USER = "ou_7d8a6e6df7621556ce0d21922";

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
  return "accepted";
}

describe("parseCreateBody: one code per problem, and the documented schema agrees", () => {
  const cases: Array<[string, unknown]> = [
    ["accepted", { task_id: TASK, chat_id: CHAT }],
    ["accepted", { task_id: TASK, open_id: USER, mention_open_id: USER, note: "" }],
    ["accepted", { task_id: "123456", chat_id: CHAT, note: "n".repeat(200) }],
    ["accepted", { task_id: "1".repeat(32), open_id: USER }],
    ["invalid_body", null],
    ["invalid_body", "text"],
    ["invalid_body", [TASK]],
    ["unknown_field", { task_id: TASK, chat_id: CHAT, extra: 1 }],
    ["unknown_field", { task_id: TASK, chat_id: CHAT, __proto__x: 1 }],
    ["invalid_target", { task_id: TASK }],
    ["invalid_target", { task_id: TASK, chat_id: CHAT, open_id: USER }],
    ["invalid_target", { task_id: TASK, chat_id: null, open_id: null }],
    ["invalid_task_id", { chat_id: CHAT }],
    ["invalid_task_id", { task_id: "12345", chat_id: CHAT }],
    ["invalid_task_id", { task_id: "1".repeat(33), chat_id: CHAT }],
    ["invalid_task_id", { task_id: "７３６０５９５３７４", chat_id: CHAT }],
    ["invalid_task_id", { task_id: ` ${TASK}`, chat_id: CHAT }],
    ["invalid_task_id", { task_id: 123456789, chat_id: CHAT }],
    ["invalid_chat_id", { task_id: TASK, chat_id: "" }],
    ["invalid_chat_id", { task_id: TASK, chat_id: `oc_${"a".repeat(62)}` }],
    ["invalid_chat_id", { task_id: TASK, chat_id: null }],
    ["invalid_open_id", { task_id: TASK, open_id: "ou_" }],
    ["invalid_open_id", { task_id: TASK, open_id: 'ou_a"b' }],
    ["invalid_mention_open_id", { task_id: TASK, chat_id: CHAT, mention_open_id: "all" }],
    ["invalid_note", { task_id: TASK, chat_id: CHAT, note: "n".repeat(201) }],
    ["invalid_note", { task_id: TASK, chat_id: CHAT, note: ["a"] }],
  ];
  it.each(cases)("%s: %j", (code, body) => {
    expect(codeOf(() => parseCreateBody(body))).toBe(code);
    expect(CreateWatchRequest.safeParse(body).success).toBe(code === "accepted");
  });

  it("never echoes a value, only field names", () => {
    try {
      parseCreateBody({ task_id: "secret-ish-value", chat_id: CHAT });
    } catch (error) {
      expect(String(error)).not.toContain("secret-ish-value");
    }
  });
});

describe("headers, query and path", () => {
  it("Idempotency-Key: absent, or 1 to 255 visible ASCII characters", () => {
    expect(readIdempotencyKey(undefined)).toBeUndefined();
    expect(readIdempotencyKey("deploy-42/move:1")).toBe("deploy-42/move:1");
    expect(readIdempotencyKey("k".repeat(255))).toHaveLength(255);
    for (const bad of ["", "k".repeat(256), "a b", "ключ", "tab\there"]) {
      expect(codeOf(() => readIdempotencyKey(bad))).toBe("invalid_idempotency_key");
    }
  });

  it("list query: defaults, bounds, unknown and repeated parameters", () => {
    expect(parseListQuery({})).toEqual({ openOnly: true, limit: 50 });
    expect(parseListQuery({ chat_id: CHAT, open: "false", limit: "100" })).toEqual({
      chatId: CHAT,
      openOnly: false,
      limit: 100,
    });
    for (const bad of [
      { limit: "0" },
      { limit: "101" },
      { limit: "1e2" },
      { open: "yes" },
      { x: "1" },
      { chat_id: [CHAT, CHAT] },
    ]) {
      expect(
        codeOf(() => parseListQuery(bad)),
        JSON.stringify(bad),
      ).toBe("invalid_query");
    }
  });

  it("watch ids are positive decimal numbers", () => {
    expect(parseWatchId("42")).toBe(42);
    for (const bad of ["0", "-1", "01", "1.5", "abc", "1".repeat(16), ""]) {
      expect(codeOf(() => parseWatchId(bad))).toBe("invalid_watch_id");
    }
  });
});

describe("authenticator", () => {
  const tokens = ["first-token-0123456789", "second-token-0123456789"];
  const authenticate = createAuthenticator([
    { token: tokens[0], tenantKey: "" },
    { token: tokens[1], tenantKey: "tenant_b" },
  ]);
  it("knows each configured token by its short hash and its tenant, and nothing else", () => {
    expect(authenticate(`Bearer ${tokens[0]}`)).toEqual({ id: clientIdOf(tokens[0]), tenantKey: "" });
    expect(authenticate(`bearer ${tokens[1]}`)).toEqual({ id: clientIdOf(tokens[1]), tenantKey: "tenant_b" });
    for (const bad of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      tokens[0],
      `Basic ${tokens[0]}`,
      `Bearer ${tokens[0]}x`,
      `Bearer ${tokens[0].slice(1)}`,
      `Bearer ${tokens[0]} ${tokens[1]}`,
    ]) {
      expect(authenticate(bad), String(bad)).toBeUndefined();
    }
  });

  it("a client id is 12 hex digits that do not hold the token", () => {
    const id = clientIdOf(tokens[0]);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(clientIdOf(tokens[1])).not.toBe(id);
    expect(tokens[0]).not.toContain(id);
  });

  it("no tokens: nobody gets in", () => {
    expect(createAuthenticator([])("Bearer anything-at-all-0123")).toBeUndefined();
  });
});

function watch(overrides: Partial<Watch>): Watch {
  return {
    id: 7,
    tenantKey: "",
    taskId: TASK,
    origin: "api",
    chatId: CHAT,
    chatType: "group",
    receiveOpenId: null,
    requesterOpenId: "",
    commandMessageId: null,
    note: null,
    cardMessageId: null,
    phase: "active",
    state: "running",
    rawStatus: "process",
    cardHash: null,
    cardDisabled: false,
    notify: true,
    nextCheckAt: 0,
    checks: 1,
    failures: 0,
    createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    updatedAt: 0,
    lastCheckAt: null,
    shownCheckAt: null,
    finishedAt: null,
    stoppedBy: null,
    stopRequestedBy: null,
    endReason: null,
    apiClient: "0123456789ab",
    asUser: null,
    authUntil: null,
    ...overrides,
  };
}

describe("the state and end reason a script sees", () => {
  it.each<[string, Partial<Watch>, string, string | null, number | null]>([
    ["running", {}, "running", null, null],
    ["an unknown status is still running", { state: "unknown" }, "running", null, null],
    [
      "a stop asked, not yet done",
      { stopRequestedBy: "api:0123456789ab" },
      "stopped",
      "stopped_via_api",
      null,
    ],
    [
      "stopped in the chat",
      { phase: "done", state: "stopped", stoppedBy: USER },
      "stopped",
      "stopped_in_chat",
      null,
    ],
    ["success, notice on its way", { phase: "notifying", state: "success" }, "success", null, null],
    ["fail", { phase: "done", state: "fail" }, "fail", null, null],
    ["timed out", { phase: "done", state: "timed_out" }, "timed_out", null, null],
    ["not found", { phase: "done", state: "not_found" }, "not_found", null, null],
    ["rejected by Feishu", { phase: "done", state: "invalid" }, "not_found", "task_id_rejected", null],
    ["bot not in chat", { phase: "done", endReason: "refused:230002" }, "stopped", "bot_not_in_chat", 230002],
    ["muted", { phase: "done", endReason: "refused:230018" }, "stopped", "chat_muted", 230018],
    ["restricted", { phase: "done", endReason: "refused:230035" }, "stopped", "chat_muted", 230035],
    ["external", { phase: "done", endReason: "refused:230027" }, "stopped", "external_chat", 230027],
    ["blocked", { phase: "done", endReason: "refused:230053" }, "stopped", "user_unreachable", 230053],
    ["out of scope", { phase: "done", endReason: "refused:230013" }, "stopped", "user_unreachable", 230013],
    ["dissolved", { phase: "done", endReason: "refused:232009" }, "stopped", "chat_dissolved", 232009],
    ["card refused", { phase: "done", endReason: "refused:230099" }, "stopped", "message_refused", 230099],
    ["another refusal", { phase: "done", endReason: "refused:123" }, "stopped", "refused", 123],
    ["gave up", { phase: "done", endReason: "gave_up:new" }, "stopped", "gave_up", null],
    [
      "notice refused after success",
      { phase: "done", state: "success", endReason: "refused:230002" },
      "success",
      "bot_not_in_chat",
      230002,
    ],
    [
      "a tenant that left",
      { phase: "done", state: "stopped", endReason: "tenant_uninstalled" },
      "stopped",
      "tenant_uninstalled",
      null,
    ],
  ])("%s", (_label, overrides, state, reason, code) => {
    const w = watch(overrides);
    expect(apiStateOf(w)).toBe(state);
    expect(endReasonOf(w)).toEqual({ reason, code });
  });

  it("answers times in ISO 8601 UTC and empty ids as null", () => {
    const body = toApiWatch(
      watch({ chatId: "", receiveOpenId: USER, chatType: "p2p", lastCheckAt: Date.UTC(2026, 0, 2, 3, 5) }),
    );
    expect(body).toMatchObject({
      watch_id: "7",
      chat_id: null,
      open_id: USER,
      mention_open_id: null,
      created_at: "2026-01-02T03:04:05.000Z",
      last_checked_at: "2026-01-02T03:05:00.000Z",
      finished_at: null,
    });
  });
});
