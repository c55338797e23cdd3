/**
 * `POST /oauth/v1/revoke` {token, client_id + client_secret (or HTTP Basic), token_type_hint?} (user-tokens.md
 * §4): revoking an access token leaves its refresh token usable; revoking a refresh token ends refreshing
 * (20064), its access token lives on until it expires [?]. An unknown token is answered as revoked (RFC 7009
 * §2.2) [?]; the success body `{"code":0}` is assumed [?]. Every refresh token presented is journalled.
 */
import type { Answer, RouteInput } from "./answer";
import { OAUTH_CODES } from "./constants";
import { authenticate, readForm, refuse } from "./oauth-request";

export function revokeToken(input: RouteInput): Answer {
  const { state } = input;
  const form = readForm(input);
  if (!form) return refuse(OAUTH_CODES.MALFORMED);
  const unauthenticated = authenticate(input, form);
  if (unauthenticated) return refuse(unauthenticated);
  if (!form.token) return refuse(OAUTH_CODES.MISSING_PARAM);
  const token = state.oauth.anyToken(form.token);
  if (token?.kind === "refresh" || form.token_type_hint === "refresh_token") {
    state.oauth.presentations.push({
      at: state.now(),
      kind: "revoke",
      route: "oauth_revoke",
      refreshToken: form.token,
      outcome: 0,
      reused: false,
      ...(token ? { openId: token.openId, tenantKey: token.tenantKey } : {}),
    });
  }
  if (token && token.revokedAt === undefined) token.revokedAt = state.now();
  return { status: 200, body: { code: 0 } };
}
