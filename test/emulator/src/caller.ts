/**
 * Who a call is: the bearer token checked against what the route accepts. A tenant_access_token acts as the
 * app in its tenant; a user_access_token (user-tokens.md §2, "Errors when calling an API with a user token") as
 * a person of their tenant, with the scopes they granted: invalid, revoked or unknown → 99991668, expired →
 * 99991677, a scope the route needs not granted → 99991679 with `error.permission_violations`.
 */
import { type Answer, fail } from "./answer";
import { CODES, HTTP, INVALID_TOKEN_MSG, TOKEN_EXPIRED_MSG, USER_TOKEN_ERRORS } from "./constants";
import type { EmulatorState } from "./state";
import type { Tenant } from "./tenant";

/** Which tokens a route takes: the app's tenant token (default), a person's user token, or either. */
export type Identity = "tenant" | "user";

/** A call made with a person's user_access_token. */
export interface UserCaller {
  openId: string;
  scopes: readonly string[];
}

export type CallerCheck =
  | { ok: true; tenant: Tenant; user?: UserCaller }
  /** `userOpenId`: a valid user token refused for its scopes still says whose it is. */
  | { ok: false; answer: Answer; userOpenId?: string };

const refuse = (e: { status: number; code: number; msg: string }): CallerCheck => ({
  ok: false,
  answer: fail(e.status, e.code, e.msg),
});

/** One violation per scope that would do (the route needs any one of them). */
function scopeMissing(anyOf: readonly string[], userOpenId: string): CallerCheck {
  const e = USER_TOKEN_ERRORS.SCOPE_MISSING;
  const msg = `${e.msg} required one of these privileges under the user identity: [${anyOf.join(", ")}].`;
  const violations = anyOf.map((subject) => ({ type: "action_scope_required", subject })); // type [?]
  const body = { code: e.code, msg, error: { permission_violations: violations } };
  return { ok: false, answer: { status: e.status, body }, userOpenId };
}

/** Feishu tells user tokens apart by their form; the emulator's start with `u-` (access) or `ur-` (refresh). */
const looksLikeUserToken = (token: string) => token.startsWith("u-") || token.startsWith("ur-");

export function checkCaller(
  state: EmulatorState,
  accepts: readonly Identity[],
  userScopes: readonly string[] | undefined,
  token: string | undefined,
): CallerCheck {
  const user = state.oauth.token(token, "access");
  if (token !== undefined && (user || state.oauth.anyToken(token) || looksLikeUserToken(token))) {
    // [?] A user token on a route the emulator serves only to the app (im/v1, bot info) is refused as invalid.
    if (!user || !accepts.includes("user") || user.revokedAt !== undefined)
      return refuse(USER_TOKEN_ERRORS.INVALID);
    if (user.expiresAt <= state.now()) return refuse(USER_TOKEN_ERRORS.EXPIRED);
    const tenant = state.tenants.get(user.tenantKey);
    // [?] A person's tokens stop working once their tenant no longer has the app.
    if (tenant?.status !== "installed") return refuse(USER_TOKEN_ERRORS.INVALID);
    if (userScopes && !userScopes.some((s) => user.scopes.includes(s)))
      return scopeMissing(userScopes, user.openId);
    return { ok: true, tenant, user: { openId: user.openId, scopes: user.scopes } };
  }
  // [?] A route for user tokens only (user_info) refuses anything else as an invalid user token.
  if (!accepts.includes("tenant")) return refuse(USER_TOKEN_ERRORS.INVALID);
  const checked = state.tokenStatus(token);
  if (checked.status === "invalid") {
    return refuse({ status: HTTP.INVALID_TOKEN, code: CODES.INVALID_TOKEN, msg: INVALID_TOKEN_MSG });
  }
  if (checked.status === "expired") {
    return refuse({ status: HTTP.TOKEN_EXPIRED, code: CODES.TOKEN_EXPIRED, msg: TOKEN_EXPIRED_MSG });
  }
  const tenant =
    (checked.tenantKey === undefined ? undefined : state.tenants.get(checked.tenantKey)) ??
    state.tenants.default;
  return { ok: true, tenant };
}
