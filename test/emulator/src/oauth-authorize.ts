/**
 * The authorization page, `GET /open-apis/authen/v1/authorize` (user-tokens.md §1), and the form it posts back
 * to the same path. The page checks the request (client_id, a whitelisted redirect_uri, response_type=code,
 * scopes enabled for the app, the PKCE method) and shows an error without redirecting when it is wrong; else it
 * lets a person of an installed tenant sign in and Authorize (302 to `redirect_uri?code=…&state=…`) or Deny
 * (302 to `redirect_uri?error=access_denied&state=…`). No JavaScript: a plain HTML form (oauth-page.ts).
 */
import type { Answer, RouteInput } from "./answer";
import { OAUTH, OAUTH_CODES, type OAuthRefusal } from "./constants";
import { consentPage, errorPage } from "./oauth-page";
import { type Form, readForm, scopeList } from "./oauth-request";
import type { Tenant } from "./tenant";

export interface AuthorizeRequest {
  redirectUri: string;
  scopes: string[];
  state?: string;
  challenge?: string;
  method?: "S256" | "plain";
}

const withDetail = (r: OAuthRefusal, detail: string): OAuthRefusal => ({
  ...r,
  description: `${r.description}: ${detail}`,
});

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** The request, or what the page shows instead (the order of the checks is the emulator's [?]). */
function check({ options, state }: RouteInput, p: Form): AuthorizeRequest | OAuthRefusal {
  if (!p.client_id || !p.redirect_uri || !p.response_type) {
    const missing = ["client_id", "redirect_uri", "response_type"].filter((k) => !p[k]);
    return withDetail(OAUTH_CODES.MISSING_PARAM, missing.join(", "));
  }
  if (p.client_id !== options.appId) return OAUTH_CODES.APP_NOT_FOUND;
  if (!state.oauth.redirectAllowed(p.redirect_uri)) return OAUTH_CODES.PAGE_REDIRECT_UNMATCH;
  if (!isUrl(p.redirect_uri)) return withDetail(OAUTH_CODES.MALFORMED, "redirect_uri is not a URL");
  if (p.response_type !== "code") return withDetail(OAUTH_CODES.MALFORMED, "response_type must be code");
  const scopes = scopeList(p.scope ?? "");
  if (scopes.length > OAUTH.MAX_SCOPES) {
    return withDetail(OAUTH_CODES.MALFORMED, `more than ${OAUTH.MAX_SCOPES} scopes`);
  }
  const disabled = scopes.filter((s) => !options.userScopes.includes(s));
  if (disabled.length > 0) return withDetail(OAUTH_CODES.SCOPE_NOT_ENABLED, disabled.join(" "));
  const method = p.code_challenge_method;
  if (method !== undefined && ((method !== "S256" && method !== "plain") || !p.code_challenge)) {
    return withDetail(
      OAUTH_CODES.MALFORMED,
      "code_challenge_method must be S256 or plain, with a code_challenge",
    );
  }
  return {
    redirectUri: p.redirect_uri,
    scopes: [...new Set(scopes)],
    ...(p.state === undefined ? {} : { state: p.state }),
    ...(p.code_challenge ? { challenge: p.code_challenge, method: method ?? "plain" } : {}),
  };
}

/** 302 back to the app, the parameters added to the redirect_uri's own query. */
function backTo(redirectUri: string, params: Record<string, string | undefined>): Answer {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { status: 302, body: "", headers: { location: url.toString(), "cache-control": "no-store" } };
}

/** `GET`: the consent page, or the error the request deserves. */
export function authorizePage(input: RouteInput): Answer {
  const checked = check(input, input.query);
  if ("code" in checked) return errorPage(checked);
  const tenants = input.state.tenants.all().filter((t) => t.status === "installed");
  return consentPage(input.options, checked, input.query, tenants);
}

/** The person the form names: `user` = "tenant_key/open_id" (the page's select), or `open_id` (+ `tenant_key`). */
function signedIn({ state }: RouteInput, form: Form): { tenant: Tenant; openId: string } | OAuthRefusal {
  const [tenantKey, openId] = form.user?.includes("/")
    ? [form.user.slice(0, form.user.indexOf("/")), form.user.slice(form.user.indexOf("/") + 1)]
    : [form.tenant_key, form.open_id];
  if (!openId) return withDetail(OAUTH_CODES.MISSING_PARAM, "user");
  const tenant =
    tenantKey === undefined
      ? [state.tenants.default, ...state.tenants.all()].find((t) => t.isKnownUser(openId))
      : state.tenants.get(tenantKey);
  if (!tenant?.isKnownUser(openId) || openId === tenant.botOpenId) return OAUTH_CODES.USER_NOT_FOUND;
  if (tenant.status !== "installed") return OAUTH_CODES.APP_NOT_INSTALLED;
  return { tenant, openId: tenant.openIdOf(openId) ?? openId };
}

/** `POST` (the page's form): Authorize → a code; Deny → access_denied. */
export function authorizeSubmit(input: RouteInput): Answer {
  const form = readForm(input);
  if (!form) return errorPage(OAUTH_CODES.MALFORMED);
  const checked = check(input, form);
  if ("code" in checked) return errorPage(checked);
  if (form.decision === "deny") {
    return backTo(checked.redirectUri, { error: "access_denied", state: checked.state });
  }
  if (form.decision !== "approve") return errorPage(withDetail(OAUTH_CODES.MISSING_PARAM, "decision"));
  const who = signedIn(input, form);
  if ("code" in who) return errorPage(who);
  const code = input.state.oauth.issueCode({
    redirectUri: checked.redirectUri,
    scopes: checked.scopes,
    ...(checked.challenge === undefined ? {} : { challenge: checked.challenge, method: checked.method }),
    openId: who.openId,
    tenantKey: who.tenant.key,
  });
  return backTo(checked.redirectUri, { code, state: checked.state });
}
