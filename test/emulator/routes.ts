/**
 * Route matching, the token / bot info / task_check routes, and the table of every route handler.
 * Handlers describe the normal behaviour only; faults and token checks happen in server.ts first.
 */
import { type Answer, fail, field, ok, type RouteInput } from "./answer";
import { CODES, HTTP, WS } from "./constants";
import { create, patch, reply } from "./messages";
import type { RouteName } from "./types";

/** Routes answered over plain HTTP (ws_upgrade is the WebSocket handshake, handled by ws-handshake.ts). */
export type HttpRouteName = Exclude<RouteName, "ws_upgrade">;

export interface RouteMatch {
  route: HttpRouteName | "unknown";
  messageId?: string;
}

/** Maps method + path to a route name (and the :message_id path parameter). */
export function matchRoute(method: string, path: string): RouteMatch {
  const p = path.replace(/\/+$/, "");
  if (method === "POST" && p === "/open-apis/auth/v3/tenant_access_token/internal") return { route: "token" };
  if (method === "GET" && p === "/open-apis/bot/v3/info") return { route: "bot_info" };
  if (method === "POST" && p === WS.ENDPOINT_PATH) return { route: "ws_endpoint" };
  if (method === "GET" && p === "/open-apis/drive/v1/files/task_check") return { route: "task_check" };
  if (method === "POST" && p === "/open-apis/im/v1/messages") return { route: "create" };
  const replyPath = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/.exec(p);
  if (method === "POST" && replyPath) return { route: "reply", messageId: decodeURIComponent(replyPath[1]) };
  const patchPath = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(p);
  if (method === "PATCH" && patchPath) return { route: "patch", messageId: decodeURIComponent(patchPath[1]) };
  return { route: "unknown" };
}

function token({ state, options, body }: RouteInput): Answer {
  const appId = field(body, "app_id");
  const appSecret = field(body, "app_secret");
  if (typeof appId !== "string" || typeof appSecret !== "string" || appId !== options.appId) {
    return fail(HTTP.TOKEN_ERROR, CODES.INVALID_PARAM, "invalid param");
  }
  if (appSecret !== options.appSecret)
    return fail(HTTP.TOKEN_ERROR, CODES.APP_SECRET_INVALID, "app secret invalid");
  const issued = state.issueToken(options.tokenTtlSeconds);
  return {
    status: 200,
    body: { code: 0, msg: "ok", tenant_access_token: issued.token, expire: issued.expire },
  };
}

function botInfo({ options }: RouteInput): Answer {
  const bot = {
    activate_status: 2,
    app_name: options.botName,
    avatar_url: "",
    ip_white_list: [],
    open_id: options.botOpenId,
  };
  return { status: 200, body: { code: 0, msg: "ok", bot } };
}

function taskCheck({ state, query }: RouteInput): Answer {
  const taskId = query.task_id;
  if (!taskId) return fail(HTTP.TASK_PARAMS_ERROR, CODES.TASK_PARAMS_ERROR, "params error.");
  const status = state.nextTaskStatus(taskId);
  if (status === undefined) return fail(HTTP.TASK_NOT_FOUND, CODES.TASK_NOT_FOUND, "not found.");
  return ok({ status });
}

export const ROUTES: Record<HttpRouteName, (input: RouteInput) => Answer> = {
  token,
  ws_endpoint: ({ longConnection, body }) => longConnection.endpoint(body),
  bot_info: botInfo,
  task_check: taskCheck,
  reply,
  create,
  patch,
};
