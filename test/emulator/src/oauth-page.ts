/**
 * The HTML of the authorization page: the consent form (a person to sign in as, Authorize / Deny) and the error
 * page, which shows `{"code": …, "message": …}` as Feishu's does (user-tokens.md §1). Small, English only, no
 * JavaScript; every value from the request is escaped.
 */
import type { Answer } from "./answer";
import { OAUTH, type OAuthRefusal } from "./constants";
import type { AuthorizeRequest } from "./oauth-authorize";
import type { Tenant } from "./tenant";
import type { EmulatorOptions } from "./types";

const HTML = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };

export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

const page = (title: string, body: string): string =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body></html>\n`;

/** What the page shows instead of redirecting (HTTP status [?]). */
export function errorPage(r: OAuthRefusal): Answer {
  const json = JSON.stringify({ code: r.code, message: r.description });
  return {
    status: OAUTH.PAGE_ERROR_STATUS,
    body: page(
      "Authorization failed",
      `<h1>Authorization failed</h1>\n<pre id="error">${escapeHtml(json)}</pre>`,
    ),
    headers: HTML,
  };
}

/** The consent form: every request parameter as a hidden field, the people of installed tenants, two buttons. */
export function consentPage(
  options: Required<EmulatorOptions>,
  request: AuthorizeRequest,
  query: Record<string, string>,
  tenants: Tenant[],
): Answer {
  const hidden = Object.entries(query)
    .filter(([k]) => k !== "user" && k !== "decision")
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`);
  const people = tenants.flatMap((t) =>
    t.people().map((u) => {
      const value = escapeHtml(`${t.key}/${u.open_id}`);
      const label = escapeHtml(`${u.name ?? u.open_id} (${u.open_id}, ${t.key})`);
      return `<option value="${value}">${label}</option>`;
    }),
  );
  const scopes = request.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("");
  const body = [
    `<h1>${escapeHtml(options.botName)} asks to act as you</h1>`,
    `<p>It will be able to:</p><ul id="scopes">${scopes}</ul>`,
    `<form method="post" action="${OAUTH.AUTHORIZE_PATH}">`,
    ...hidden,
    `<label>Sign in as <select name="user">${people.join("")}</select></label>`,
    `<button type="submit" name="decision" value="approve">Authorize</button>`,
    `<button type="submit" name="decision" value="deny">Deny</button>`,
    "</form>",
  ].join("\n");
  return { status: 200, body: page(`Authorize ${options.botName}`, body), headers: HTML };
}
