/**
 * The token endpoints: `POST /oauth/v3/token` (node-sdk's `client.accessToken`) and the previous
 * `POST /open-apis/authen/v2/oauth/token`, grant types `authorization_code` and `refresh_token`. Flat answers
 * (no `data`): `{code: 0, access_token, expires_in, refresh_token?, refresh_token_expires_in?, scope,
 * token_type}`; refusals `{code, error, error_description}` (user-tokens.md §2). The two endpoints behave the
 * same, except that v3 rejects a `code_verifier` when the authorization request sent no `code_challenge`.
 */
import { createHash } from "node:crypto";
import type { Answer, RouteInput } from "./answer";
import { OAUTH, OAUTH_CODES, type OAuthRefusal } from "./constants";
import { authenticate, type Form, isRefusal, narrow, readForm, refuse } from "./oauth-request";
import type { AuthCode } from "./oauth-state";
import type { RefreshPresentation, UserToken } from "./oauth-types";

type Version = "v3" | "v2";

/**
 * The person's tenant must still have the app, and the person may use it. (Whether they still exist is not
 * asked: the emulator deletes no one, and reset() forgets users while their tokens stay.)
 */
function personRefusal(input: RouteInput, openId: string, tenantKey: string): OAuthRefusal | undefined {
  const tenant = input.state.tenants.get(tenantKey);
  if (tenant?.status !== "installed") return OAUTH_CODES.APP_NOT_INSTALLED;
  if (tenant.user(openId).unavailable) return OAUTH_CODES.USER_UNAVAILABLE;
  return undefined;
}

function issued(
  input: RouteInput,
  t: { openId: string; tenantKey: string; authorizedAt: number },
  scopes: string[],
) {
  const { options, state } = input;
  const life = { accessSeconds: options.userTokenTtlSeconds, refreshSeconds: options.refreshTokenTtlSeconds };
  const pair = state.oauth.issuePair(t.openId, t.tenantKey, scopes, t.authorizedAt, life);
  const seconds = (tok: UserToken) => Math.floor((tok.expiresAt - tok.issuedAt) / 1000);
  const body: Record<string, unknown> = {
    code: 0,
    access_token: pair.access.token,
    expires_in: seconds(pair.access),
  };
  if (pair.refresh) {
    body.refresh_token = pair.refresh.token;
    body.refresh_token_expires_in = seconds(pair.refresh);
  }
  Object.assign(body, { scope: scopes.join(" "), token_type: "Bearer" });
  return { answer: { status: 200, body } as Answer, refresh: pair.refresh };
}

/** PKCE (RFC 7636): S256 compares base64url(SHA-256(verifier)), plain the verifier itself. */
function pkceRefusal(
  code: AuthCode,
  verifier: string | undefined,
  version: Version,
): OAuthRefusal | undefined {
  if (code.challenge === undefined) {
    return verifier !== undefined && version === "v3" ? OAUTH_CODES.PKCE_FAILED : undefined;
  }
  if (verifier === undefined || !OAUTH.VERIFIER.test(verifier)) return OAUTH_CODES.PKCE_FAILED;
  const expected =
    code.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  return expected === code.challenge ? undefined : OAUTH_CODES.PKCE_FAILED;
}

function codeGrant(input: RouteInput, form: Form, version: Version): Answer {
  const { state } = input;
  if (form.code === undefined) return refuse(OAUTH_CODES.MISSING_PARAM);
  const code = state.oauth.codes.get(form.code);
  if (!code || code.revoked) return refuse(OAUTH_CODES.CODE_NOT_FOUND);
  if (code.used) return refuse(OAUTH_CODES.CODE_USED);
  if (state.now() - code.issuedAt >= OAUTH.CODE_TTL_MS) return refuse(OAUTH_CODES.CODE_EXPIRED);
  // [?] A missing redirect_uri counts as different ("必填 … 严格一致").
  if (form.redirect_uri !== code.redirectUri) return refuse(OAUTH_CODES.REDIRECT_MISMATCH);
  const failed =
    pkceRefusal(code, form.code_verifier, version) ?? personRefusal(input, code.openId, code.tenantKey);
  if (failed) return refuse(failed);
  const scopes = narrow(form.scope, code.scopes);
  if (isRefusal(scopes)) return refuse(scopes);
  code.used = true; // [?] only a successful exchange uses the code up
  return issued(input, { ...code, authorizedAt: state.now() }, scopes).answer;
}

function refreshGrant(input: RouteInput, form: Form, version: Version): Answer {
  const { state } = input;
  const value = form.refresh_token;
  if (value === undefined) return refuse(OAUTH_CODES.MISSING_PARAM);
  const old = state.oauth.token(value, "refresh");
  const presentation: RefreshPresentation = {
    at: state.now(),
    kind: "refresh",
    route: version === "v3" ? "oauth_token_v3" : "oauth_token_v2",
    refreshToken: value,
    outcome: 0,
    reused: old?.usedAt !== undefined,
    ...(old ? { openId: old.openId, tenantKey: old.tenantKey } : {}),
  };
  state.oauth.presentations.push(presentation);
  const failed = refreshRefusal(input, old);
  const scopes = old && !failed ? narrow(form.scope, old.scopes) : undefined;
  if (failed || !old || scopes === undefined || isRefusal(scopes)) {
    const refusal = failed ?? (isRefusal(scopes) ? scopes : OAUTH_CODES.REFRESH_INVALID);
    presentation.outcome = refusal.code;
    return refuse(refusal);
  }
  old.usedAt = state.now(); // single use: "原 refresh_token 立即失效"; the old access token lives on
  const { answer, refresh } = issued(input, old, scopes);
  if (refresh) presentation.rotatedTo = refresh.token;
  return answer;
}

/** Why a refresh token is refused, in the order the emulator checks [?]. */
function refreshRefusal(input: RouteInput, old: UserToken | undefined): OAuthRefusal | undefined {
  const { state } = input;
  if (!state.oauth.refreshEnabled) return OAUTH_CODES.REFRESH_DISABLED;
  // Unknown: never issued by v2/v3 (a v1/OIDC refresh token, a typo, another app's).
  if (!old) return OAUTH_CODES.REFRESH_INVALID;
  if (old.revokedAt !== undefined) return OAUTH_CODES.REFRESH_REVOKED;
  if (old.usedAt !== undefined) return OAUTH_CODES.REFRESH_USED;
  const now = state.now();
  if (now >= old.expiresAt || now >= old.authorizedAt + OAUTH.REFRESH_CAP_MS)
    return OAUTH_CODES.REFRESH_EXPIRED;
  return personRefusal(input, old.openId, old.tenantKey);
}

function token(input: RouteInput, version: Version): Answer {
  const form = readForm(input);
  if (!form) return refuse(OAUTH_CODES.MALFORMED);
  const unauthenticated = authenticate(input, form);
  if (unauthenticated) return refuse(unauthenticated);
  if (form.grant_type === undefined) return refuse(OAUTH_CODES.MISSING_PARAM);
  if (form.grant_type === "authorization_code") return codeGrant(input, form, version);
  if (form.grant_type === "refresh_token") return refreshGrant(input, form, version);
  return refuse(OAUTH_CODES.UNSUPPORTED_GRANT);
}

export const tokenV3 = (input: RouteInput): Answer => token(input, "v3");
export const tokenV2 = (input: RouteInput): Answer => token(input, "v2");
