/**
 * What every OAuth endpoint (token v3/v2, revoke) does first: read the body (JSON or form-urlencoded), check the
 * client's credentials (body secret or HTTP Basic, never both: 20070), and answer refusals flat as
 * `{code, error, error_description}`.
 */
import type { Answer, RouteInput } from "./answer";
import { OAUTH_CODES, type OAuthRefusal } from "./constants";

export type Form = Record<string, string>;

export const refuse = (r: OAuthRefusal): Answer => ({
  status: r.status,
  body: { code: r.code, error: r.error, error_description: r.description },
});

/**
 * The body as string fields: a JSON object whose values are strings (null/undefined dropped), or a
 * form-urlencoded body (the first value of a repeated field). Anything else: undefined (→ 20063).
 */
export function readForm({ headers, body, rawBody }: RouteInput): Form | undefined {
  const type = String(headers["content-type"] ?? "").toLowerCase();
  if (type.includes("application/x-www-form-urlencoded")) {
    const form: Form = {};
    for (const [k, v] of new URLSearchParams(rawBody)) if (!(k in form)) form[k] = v;
    return form;
  }
  if (rawBody.trim() === "") return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const form: Form = {};
  for (const [k, v] of Object.entries(body)) {
    if (v === null || v === undefined) continue;
    if (typeof v !== "string") return undefined;
    form[k] = v;
  }
  return form;
}

/** `Authorization: Basic base64(client_id:client_secret)`, if sent. */
function basic(header: unknown): { id: string; secret: string } | "malformed" | undefined {
  if (typeof header !== "string") return undefined;
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * The client's credentials: the app's id and secret, in the body or by HTTP Basic; a refusal otherwise. The
 * emulator plays one app, so another client_id is an app that does not exist (20048 [?]).
 */
export function authenticate(input: RouteInput, form: Form): OAuthRefusal | undefined {
  const { options, headers } = input;
  const viaBasic = basic(headers.authorization);
  if (viaBasic === "malformed") return OAUTH_CODES.MALFORMED;
  if (viaBasic && form.client_secret !== undefined) return OAUTH_CODES.TWO_CLIENT_AUTHS;
  if (viaBasic && form.client_id !== undefined && form.client_id !== viaBasic.id)
    return OAUTH_CODES.MALFORMED;
  const id = viaBasic?.id ?? form.client_id;
  const secret = viaBasic?.secret ?? form.client_secret;
  if (!id || secret === undefined) return OAUTH_CODES.MISSING_PARAM;
  if (id !== options.appId) return OAUTH_CODES.APP_NOT_FOUND;
  if (secret !== options.appSecret) return OAUTH_CODES.BAD_SECRET;
  return undefined;
}

/** A space-separated scope list without empty entries. */
export const scopeList = (scope: string): string[] => scope.split(" ").filter((s) => s !== "");

/**
 * The scopes a token request narrows to (its optional `scope`), within `granted`: duplicates 20067, a scope not
 * granted 20068.
 */
export function narrow(requested: string | undefined, granted: string[]): string[] | OAuthRefusal {
  if (requested === undefined) return granted;
  const list = scopeList(requested);
  if (new Set(list).size !== list.length) return OAUTH_CODES.DUPLICATE_SCOPE;
  if (!list.every((s) => granted.includes(s))) return OAUTH_CODES.SCOPE_NOT_GRANTED;
  return list;
}

export const isRefusal = (v: unknown): v is OAuthRefusal =>
  typeof v === "object" && v !== null && "error" in v && "code" in v;
