import type { RecordedRequest, SentMessage } from "@taskbot/feishu-emulator";
import type { Evidence, Report } from "../../soak/checker";
import type { CommandRecord, TaskRecord } from "../../soak/journal";

/**
 * Small hand-made journals for the soak's checker: one deployment, a tenant with one group, tasks started at 0.
 * Times are plain milliseconds; every builder takes overrides for the one field a test is about.
 */
export const TENANT = "tenant_a";
export const OTHER_TENANT = "tenant_b";
export const CHAT = "oc_soak_tenant_a_group_0";
export const OTHER_CHAT = "oc_soak_tenant_a_group_1";
export const FOREIGN_CHAT = "oc_soak_tenant_b_group_0";
export const TASK = "7300000000000000001";
export const TASK_2 = "7300000000000000002";
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

export function evidence(parts: Partial<Evidence> = {}): Evidence {
  return {
    deployment: "store",
    requests: [],
    messages: [],
    violations: [],
    commands: [],
    tasks: [],
    clicks: [],
    api: [],
    faults: [],
    exits: [],
    uninstalled: new Map(),
    chatTenant: new Map([
      [CHAT, TENANT],
      [OTHER_CHAT, TENANT],
      [FOREIGN_CHAT, OTHER_TENANT],
    ]),
    replicas: [],
    taskCheckRps: 5,
    endBoundMs: 120_000,
    ...parts,
  };
}

/** An accepted `/status` of TASK (or of `taskIds`), unless `kind` says otherwise. */
export function command(messageId: string, over: Partial<CommandRecord> = {}): CommandRecord {
  const kind = over.kind ?? "status";
  const taskIds = over.taskIds ?? (kind === "status" || kind === "stop" ? [TASK] : []);
  return {
    deployment: "store",
    messageId,
    tenant: TENANT,
    chatId: CHAT,
    sender: "ou_soak_tenant_a_0001",
    kind,
    taskIds,
    text: `/${kind} ${taskIds.join(" ")}`.trim(),
    rich: false,
    at: 0,
    via: "webhook",
    accepted: true,
    attempts: 1,
    ...over,
  };
}

export function task(over: Partial<TaskRecord> = {}): TaskRecord {
  return { deployment: "store", taskId: TASK, tenant: TENANT, startedAt: 0, outcome: "success", ...over };
}

/** Card JSON as the bot sends it: the header's template tells its state (blue: live). */
export const cardJson = (template: string, taskId = TASK) => ({
  schema: "2.0",
  header: { template, title: { tag: "plain_text", content: `Task ${taskId}` } },
  body: { elements: [] },
});

/** A card in CHAT, created at `at` with `template` (its current look when later patches changed it). */
export function card(
  messageId: string,
  template: string,
  at: number,
  over: Partial<SentMessage> & { taskId?: string } = {},
): SentMessage {
  const { taskId = TASK, ...rest } = over;
  const json = cardJson(template, taskId);
  return {
    message_id: messageId,
    chat_id: CHAT,
    tenant_key: TENANT,
    msg_type: "interactive",
    content: JSON.stringify(json),
    card: json,
    created_at: at,
    patches: [],
    ...rest,
  };
}

export function text(
  messageId: string,
  words: string,
  at: number,
  over: Partial<SentMessage> = {},
): SentMessage {
  return {
    message_id: messageId,
    chat_id: CHAT,
    tenant_key: TENANT,
    msg_type: "text",
    content: JSON.stringify({ text: words }),
    text: words,
    created_at: at,
    patches: [],
    ...over,
  };
}

/** A request Feishu answered 200 / code 0, unless `over` says otherwise. */
export function request(
  route: RecordedRequest["route"],
  path: string,
  at: number,
  over: Partial<RecordedRequest> = {},
): RecordedRequest {
  return {
    route,
    method: route === "task_check" ? "GET" : "POST",
    path,
    query: {},
    headers: {},
    body: undefined,
    status: 200,
    response: { code: 0, msg: "success", data: {} },
    at,
    tenantKey: TENANT,
    ...over,
  };
}

/** A PATCH of a card to `template`. */
export function patch(
  messageId: string,
  template: string,
  at: number,
  over: Partial<RecordedRequest> & { taskId?: string } = {},
): RecordedRequest {
  const { taskId = TASK, ...rest } = over;
  return request("patch", `/open-apis/im/v1/messages/${messageId}`, at, {
    method: "PATCH",
    body: { content: JSON.stringify(cardJson(template, taskId)) },
    ...rest,
  });
}

/** task_check of a task, answering `status` ("process", "success", "fail"). */
export function taskCheck(
  taskId: string,
  at: number,
  status = "process",
  over: Partial<RecordedRequest> = {},
): RecordedRequest {
  return request("task_check", "/open-apis/drive/v1/files/task_check", at, {
    query: { task_id: taskId },
    response: { code: 0, msg: "success", data: { status } },
    ...over,
  });
}

/** A reply to `parentId` carrying `content`. */
export function reply(
  parentId: string,
  at: number,
  body: { uuid?: string; msg_type?: string; content?: string },
  over: Partial<RecordedRequest> = {},
): RecordedRequest {
  return request("reply", `/open-apis/im/v1/messages/${parentId}/reply`, at, { body, ...over });
}

/** A message created in `receiveId` (an API watch's first card). */
export function create(
  receiveId: string,
  at: number,
  body: { uuid?: string; msg_type?: string; content?: string },
  over: Partial<RecordedRequest> = {},
): RecordedRequest {
  return request("create", "/open-apis/im/v1/messages", at, {
    query: { receive_id_type: "chat_id" },
    body: { receive_id: receiveId, ...body },
    ...over,
  });
}

/** The row whose invariant starts with `start` (row names carry figures, such as the bound in seconds). */
export function row(report: Report, start: string) {
  const found = report.rows.find((r) => r.invariant.startsWith(start));
  if (!found) throw new Error(`no row "${start}" in ${report.rows.map((r) => r.invariant).join(", ")}`);
  return found;
}

export const findingsOf = (report: Report, invariant: string) =>
  report.findings.filter((f) => f.invariant === invariant);
