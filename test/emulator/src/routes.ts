/**
 * The route table (method + path pattern → handler) and the token / bot info / task_check handlers. A new API
 * is one entry here plus its handler; `RouteName` (for requestsFor() and faults) follows from the table.
 * Handlers describe the normal behaviour only; faults, the token check and gateway limits run first (server.ts).
 * A store app's token routes live in store-app.ts; user authorization (OAuth) in oauth-*.ts.
 */
import { type Answer, fail, field, ok, type RouteInput } from "./answer";
import type { Identity } from "./caller";
import { CODES, CROSS_TENANT, HIDDEN_TASK_ANSWERS, HTTP, OAUTH, STORE, WS } from "./constants";
import { deleteFile, moveFile } from "./drive";
import { create, patch, reply } from "./messages";
import { authorizePage, authorizeSubmit } from "./oauth-authorize";
import { revokeToken } from "./oauth-revoke";
import { tokenV2, tokenV3 } from "./oauth-token";
import { userInfo } from "./oauth-user";
import { appAccessToken, resendAppTicket, storeTenantToken } from "./store-app";

/** Which per-app gateway limit counts a call (limits.ts). */
export type GatewayGroup = "message_api" | "task_check" | "oauth_token_v3" | "oauth_token_v2";

export interface RouteSpec<N extends string = string> {
  name: N;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path with `:name` parameters, e.g. `/open-apis/im/v1/messages/:message_id/reply`. */
  path: string;
  handle: (input: RouteInput) => Answer;
  /** false: no token needed (the token routes, the authorization page, ws_endpoint). Default true. */
  auth?: boolean;
  /** The tokens the route takes (caller.ts); default the app's tenant token only. */
  identities?: readonly Identity[];
  /** With a user token: the person must have granted any one of these scopes (else 99991679). */
  userScopes?: readonly string[];
  /** The body may be something other than JSON (form-urlencoded); default false (→ 99992402). */
  rawBody?: boolean;
  gateway?: GatewayGroup;
}

const EITHER: readonly Identity[] = ["tenant", "user"];

const route = <const N extends string>(spec: RouteSpec<N>) => spec;

function token({ state, options, body }: RouteInput): Answer {
  const appId = field(body, "app_id");
  const appSecret = field(body, "app_secret");
  if (typeof appId !== "string" || typeof appSecret !== "string" || appId !== options.appId) {
    return fail(HTTP.TOKEN_ERROR, CODES.INVALID_PARAM, "invalid param");
  }
  if (appSecret !== options.appSecret)
    return fail(HTTP.TOKEN_ERROR, CODES.APP_SECRET_INVALID, "app secret invalid");
  // A store app gets its tenant tokens from app_access_token + tenant_key, never here [?].
  if (options.appType === "store")
    return fail(HTTP.TOKEN_ERROR, CODES.INVALID_PARAM, STORE.WRONG_APP_TYPE_MSG);
  const issued = state.issueToken(options.tokenTtlSeconds, state.tenants.default.key);
  return {
    status: 200,
    body: { code: 0, msg: "ok", tenant_access_token: issued.token, expire: issued.expire },
  };
}

/** The bot as the caller's tenant sees it (a store app's bot may have another open_id per tenant [?]). */
function botInfo({ options, tenant }: RouteInput): Answer {
  const bot = {
    activate_status: 2,
    app_name: options.botName,
    avatar_url: "",
    ip_white_list: [],
    open_id: tenant.botOpenId,
  };
  return { status: 200, body: { code: 0, msg: "ok", bot } };
}

function taskCheck({ state, options, query, tenant, user }: RouteInput): Answer {
  const taskId = query.task_id;
  if (!taskId) return fail(HTTP.TASK_PARAMS_ERROR, CODES.TASK_PARAMS_ERROR, "params error.");
  // Another tenant's task: 403 forbidden, told apart from an unknown id [?] (constants.ts CROSS_TENANT).
  const owner = state.taskOwner(taskId);
  if (owner !== undefined && owner.tenantKey !== tenant.key) {
    return fail(CROSS_TENANT.DRIVE.status, CROSS_TENANT.DRIVE.code, CROSS_TENANT.DRIVE.msg);
  }
  // A task a person started with their own token: only their user token sees it [?] (hiddenTaskCode).
  if (owner?.openId !== undefined && owner.openId !== user?.openId) {
    const hidden = HIDDEN_TASK_ANSWERS[options.hiddenTaskCode];
    return fail(hidden.status, hidden.code, hidden.msg);
  }
  // A scripted status (setTask) wins over the clock of a task a folder move/delete started.
  const status = state.nextTaskStatus(taskId) ?? state.drive.taskStatus(taskId, state.now());
  if (status === undefined) return fail(HTTP.TASK_NOT_FOUND, CODES.TASK_NOT_FOUND, "not found.");
  return ok({ status });
}

/** Every route the emulator serves, matched in this order. */
export const ROUTE_TABLE = [
  route({
    name: "token",
    method: "POST",
    path: "/open-apis/auth/v3/tenant_access_token/internal",
    handle: token,
    auth: false,
  }),
  route({
    name: "app_access_token",
    method: "POST",
    path: STORE.APP_ACCESS_TOKEN_PATH,
    handle: appAccessToken,
    auth: false,
  }),
  route({
    name: "store_tenant_token",
    method: "POST",
    path: STORE.TENANT_ACCESS_TOKEN_PATH,
    handle: storeTenantToken,
    auth: false,
  }),
  route({
    name: "app_ticket_resend",
    method: "POST",
    path: STORE.RESEND_PATH,
    handle: resendAppTicket,
    auth: false,
  }),
  route({
    name: "oauth_authorize",
    method: "GET",
    path: OAUTH.AUTHORIZE_PATH,
    handle: authorizePage,
    auth: false,
  }),
  route({
    name: "oauth_consent",
    method: "POST",
    path: OAUTH.AUTHORIZE_PATH,
    handle: authorizeSubmit,
    auth: false,
    rawBody: true,
  }),
  route({
    name: "oauth_token_v3",
    method: "POST",
    path: OAUTH.TOKEN_V3_PATH,
    handle: tokenV3,
    auth: false,
    rawBody: true,
    gateway: "oauth_token_v3",
  }),
  route({
    name: "oauth_token_v2",
    method: "POST",
    path: OAUTH.TOKEN_V2_PATH,
    handle: tokenV2,
    auth: false,
    rawBody: true,
    gateway: "oauth_token_v2",
  }),
  route({
    name: "oauth_revoke",
    method: "POST",
    path: OAUTH.REVOKE_PATH,
    handle: revokeToken,
    auth: false,
    rawBody: true,
  }),
  route({
    name: "ws_endpoint",
    method: "POST",
    path: WS.ENDPOINT_PATH,
    handle: ({ longConnection, body }) => longConnection.endpoint(body),
    auth: false,
  }),
  route({ name: "bot_info", method: "GET", path: "/open-apis/bot/v3/info", handle: botInfo }),
  route({
    name: "user_info",
    method: "GET",
    path: OAUTH.USER_INFO_PATH,
    handle: userInfo,
    identities: ["user"],
  }),
  route({
    name: "task_check",
    method: "GET",
    path: "/open-apis/drive/v1/files/task_check",
    handle: taskCheck,
    identities: EITHER,
    userScopes: OAUTH.TASK_CHECK_SCOPES,
    gateway: "task_check",
  }),
  route({
    name: "create",
    method: "POST",
    path: "/open-apis/im/v1/messages",
    handle: create,
    gateway: "message_api",
  }),
  route({
    name: "reply",
    method: "POST",
    path: "/open-apis/im/v1/messages/:message_id/reply",
    handle: reply,
    gateway: "message_api",
  }),
  route({
    name: "patch",
    method: "PATCH",
    path: "/open-apis/im/v1/messages/:message_id",
    handle: patch,
    gateway: "message_api",
  }),
  route({
    name: "move_file",
    method: "POST",
    path: "/open-apis/drive/v1/files/:file_token/move",
    handle: moveFile,
    identities: EITHER,
    userScopes: OAUTH.DRIVE_WRITE_SCOPES,
  }),
  route({
    name: "delete_file",
    method: "DELETE",
    path: "/open-apis/drive/v1/files/:file_token",
    handle: deleteFile,
    identities: EITHER,
    userScopes: OAUTH.DRIVE_WRITE_SCOPES,
  }),
] as const;

/** Routes answered over plain HTTP, one per entry of the table. */
export type HttpRouteName = (typeof ROUTE_TABLE)[number]["name"];
/** Every route requestsFor() and faults know: the table's, and the long connection's WebSocket handshake. */
export type RouteName = HttpRouteName | "ws_upgrade";

export interface RouteMatch {
  route: HttpRouteName | "unknown";
  spec?: RouteSpec<HttpRouteName>;
  /** The path's `:name` parameters, URI-decoded. */
  params: Record<string, string>;
  /** params.message_id, used by faults' messageId. */
  messageId?: string;
}

function compile(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { regex: new RegExp(`^${source}$`), names };
}

const COMPILED = ROUTE_TABLE.map((spec) => ({
  spec: spec as RouteSpec<HttpRouteName>,
  ...compile(spec.path),
}));

/** Maps method + path to a route of the table and its path parameters. */
export function matchRoute(method: string, path: string): RouteMatch {
  const p = path.replace(/\/+$/, "");
  for (const { spec, regex, names } of COMPILED) {
    if (spec.method !== method) continue;
    const m = regex.exec(p);
    if (!m) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1]);
    });
    return { route: spec.name, spec, params, messageId: params.message_id };
  }
  return { route: "unknown", params: {} };
}
