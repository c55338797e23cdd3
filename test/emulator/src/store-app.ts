/**
 * Store apps (ISV, 商店应用; reference: store-apps.md): the token routes (`app_access_token` from app_id +
 * app_secret + app_ticket, `tenant_access_token` from app_access_token + tenant_key, `app_ticket/resend`), the
 * app_ticket push, and the v1 app events of the install lifecycle (app_ticket, app_open, app_status_change,
 * app_uninstalled), which only store apps get. Token routes answer business failures with HTTP 200 and a
 * non-zero code and no token field, like the self-built token route (the SDK then throws `failed to get …`).
 */
import { type Answer, fail, field, type RouteInput } from "./answer";
import { CODES, DEFAULT_USER_OPEN_ID, HTTP, STORE } from "./constants";
import { randomHex } from "./crypto";
import { buildDelivery, post } from "./events";
import type { EmulatorState } from "./state";
import type { Tenant } from "./tenant";
import type {
  AppOpenEvent,
  AppStatus,
  AppStatusChangeEvent,
  AppTicketEvent,
  AppUninstalledEvent,
  DeliverOptions,
  DeliveryResult,
  EmulatorOptions,
  TicketPush,
  V1EventEnvelope,
} from "./types";

type Options = Required<EmulatorOptions>;

const refuse = (code: number, msg: string): Answer => fail(HTTP.TOKEN_ERROR, code, msg);

/** Throws unless the app is a store app: only store apps get tickets, tenants and app events [DOC]. */
export function requireStore(options: Options, who: string): void {
  if (options.appType !== "store") {
    throw new Error(
      `${who}: only a store app (appType: "store") has this; this emulator plays a self-built app`,
    );
  }
}

/** app_id and app_secret of the store app, else the token routes' refusal. */
function credentials(options: Options, body: unknown): Answer | undefined {
  const appId = field(body, "app_id");
  const appSecret = field(body, "app_secret");
  if (typeof appId !== "string" || typeof appSecret !== "string" || appId !== options.appId) {
    return refuse(CODES.INVALID_PARAM, "invalid param");
  }
  if (appSecret !== options.appSecret) return refuse(CODES.APP_SECRET_INVALID, "app secret invalid"); // [?] here
  if (options.appType !== "store") return refuse(CODES.INVALID_PARAM, STORE.WRONG_APP_TYPE_MSG);
  return undefined;
}

/** `POST /open-apis/auth/v3/app_access_token` {app_id, app_secret, app_ticket}. */
export function appAccessToken({ state, options, body }: RouteInput): Answer {
  const refused = credentials(options, body);
  if (refused) return refused;
  if (!state.tickets.valid(field(body, "app_ticket"))) {
    return refuse(CODES.APP_TICKET_INVALID, STORE.APP_TICKET_INVALID_MSG);
  }
  const issued = state.issueAppToken(options.tokenTtlSeconds);
  return {
    status: 200,
    body: { code: 0, msg: STORE.OK_MSG, app_access_token: issued.token, expire: issued.expire },
  };
}

/** `POST /open-apis/auth/v3/tenant_access_token` {app_access_token, tenant_key}. */
export function storeTenantToken({ state, options, body }: RouteInput): Answer {
  if (options.appType !== "store") return refuse(CODES.INVALID_PARAM, STORE.WRONG_APP_TYPE_MSG);
  if (!state.appTokenUsable(field(body, "app_access_token"))) {
    return refuse(CODES.APP_ACCESS_TOKEN_INVALID, STORE.APP_ACCESS_TOKEN_INVALID_MSG);
  }
  const tenantKey = field(body, "tenant_key");
  const tenant = typeof tenantKey === "string" ? state.tenants.get(tenantKey) : undefined;
  if (!tenant) return refuse(CODES.INVALID_PARAM, STORE.UNKNOWN_TENANT_MSG);
  if (tenant.status !== "installed") return refuse(CODES.INVALID_PARAM, STORE.NOT_INSTALLED_MSG);
  const issued = state.issueToken(options.tokenTtlSeconds, tenant.key);
  return {
    status: 200,
    body: { code: 0, msg: STORE.OK_MSG, tenant_access_token: issued.token, expire: issued.expire },
  };
}

/**
 * `POST /open-apis/auth/v3/app_ticket/resend` {app_id, app_secret} → `{code: 0, msg: "success"}`; right after
 * answering, the current ticket is pushed to the ticket push URL (when one is set). The answer never carries
 * the ticket [DOC].
 */
export function resendAppTicket({ state, options, body }: RouteInput): Answer {
  const refused = credentials(options, body);
  if (refused) return refused;
  const url = state.ticketPushUrl;
  const push = () => {
    // After the answer is on its way; a failed push is recorded, never retried [?].
    setImmediate(() => {
      pushAppTicket(state, options, url, "resend").catch(() => undefined);
    });
  };
  return { status: 200, body: { code: 0, msg: STORE.OK_MSG }, ...(url ? { afterAnswer: push } : {}) };
}

/** A v1 envelope: `{ts, uuid, token, type: "event_callback", event}` (no schema, no header). */
function v1<E>(options: Options, event: E): V1EventEnvelope<E> {
  return {
    ts: (options.now() / 1000).toFixed(7),
    uuid: randomHex(16),
    token: options.verificationToken,
    type: "event_callback",
    event,
  };
}

/** The app_ticket event with the current ticket (one per app: no tenant_key). */
export function appTicketEvent(state: EmulatorState, options: Options): V1EventEnvelope<AppTicketEvent> {
  requireStore(options, "appTicketEvent");
  return v1(options, { app_id: options.appId, app_ticket: state.tickets.current(), type: "app_ticket" });
}

/** POSTs the app_ticket event with the current ticket to `url` as Feishu delivers events; recorded. */
export async function pushAppTicket(
  state: EmulatorState,
  options: Options,
  url: string,
  via: TicketPush["via"],
  opts?: DeliverOptions,
): Promise<DeliveryResult> {
  const envelope = appTicketEvent(state, options);
  const push: TicketPush = { url, ticket: envelope.event.app_ticket, at: state.now(), via, status: 0 };
  state.ticketPushes.push(push);
  const { body, headers } = buildDelivery(options, envelope, opts);
  try {
    const result = await post(url, body, headers);
    push.status = result.status;
    return result;
  } catch (err) {
    push.error = err instanceof Error ? err.message : String(err);
    throw err;
  }
}

/** The app leaves the tenant: its tenant tokens are revoked and it gets no new ones. */
export function setTenantStatus(state: EmulatorState, tenant: Tenant, status: Tenant["status"]): void {
  tenant.status = status;
  if (status !== "installed") state.revokeTokens(tenant.key); // [?] Feishu's old tokens after removal
}

/** `app_uninstalled` (v1); the tenant is uninstalled from now on (uninstallTenant). */
export function appUninstalledEvent(
  state: EmulatorState,
  options: Options,
  input: { tenantKey: string },
): V1EventEnvelope<AppUninstalledEvent> {
  requireStore(options, "appUninstalledEvent");
  const tenant = state.tenants.require(input.tenantKey, "appUninstalledEvent");
  setTenantStatus(state, tenant, "uninstalled");
  return v1(options, { app_id: options.appId, tenant_key: tenant.key, type: "app_uninstalled" });
}

/**
 * `app_status_change` (v1): `stop_by_tenant` / `stop_by_platform` stop the app in the tenant (no tokens, like
 * an uninstall [?]), `start_by_tenant` starts it again and names the operator.
 */
export function appStatusChangeEvent(
  state: EmulatorState,
  options: Options,
  input: { tenantKey: string; status: AppStatus; operatorOpenId?: string },
): V1EventEnvelope<AppStatusChangeEvent> {
  requireStore(options, "appStatusChangeEvent");
  const tenant = state.tenants.require(input.tenantKey, "appStatusChangeEvent");
  const start = input.status === "start_by_tenant";
  setTenantStatus(state, tenant, start ? "installed" : "stopped");
  const event: AppStatusChangeEvent = {
    app_id: options.appId,
    tenant_key: tenant.key,
    type: "app_status_change",
    status: input.status,
  };
  if (start) {
    // Only with start_by_tenant; a store app gets open_id and union_id, no user_id [DOC].
    const { open_id, union_id } = tenant.addUser(input.operatorOpenId ?? DEFAULT_USER_OPEN_ID);
    event.operator = { open_id, union_id };
  }
  return v1(options, event);
}

/**
 * `app_open` (v1): the first install in a tenant; the tenant is added (or installed again). `installer` when an
 * admin installed it (the default), `installer_employee` when a member did.
 */
export function appOpenEvent(
  state: EmulatorState,
  options: Options,
  input: {
    tenantKey: string;
    applicants?: string[];
    installerOpenId?: string;
    installerEmployeeOpenId?: string;
    botOpenId?: string;
  },
): V1EventEnvelope<AppOpenEvent> {
  requireStore(options, "appOpenEvent");
  const tenant = state.tenants.add(input.tenantKey, input.botOpenId);
  const who = (openId: string) => ({ open_id: tenant.addUser(openId).open_id });
  const event: AppOpenEvent = {
    app_id: options.appId,
    tenant_key: tenant.key,
    type: "app_open",
    applicants: (input.applicants ?? []).map(who),
  };
  const employee = input.installerEmployeeOpenId;
  if (employee !== undefined) event.installer_employee = who(employee);
  if (input.installerOpenId !== undefined || employee === undefined) {
    event.installer = who(input.installerOpenId ?? DEFAULT_USER_OPEN_ID);
  }
  return v1(options, event);
}
