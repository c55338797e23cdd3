/**
 * A browser without JavaScript, for tests: it opens the authorization page, fills its form as a person would
 * (who signs in, Authorize or Deny), submits it and follows the redirects back to the app, over plain HTTP.
 * Every response is kept in `hops`; nothing is printed.
 */
import type { BrowserResult, ConsentInput } from "./oauth-types";

const MAX_HOPS = 10;

const unescapeHtml = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e] as string,
  );

/** The page's form: where it posts, its hidden fields, the people it offers. */
function readPage(
  html: string,
): { action: string; fields: Record<string, string>; people: string[] } | undefined {
  const action = /<form[^>]*\baction="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(m[1])] = unescapeHtml(m[2]);
  }
  const people = [...html.matchAll(/<option value="([^"]*)">/g)].map((m) => unescapeHtml(m[1]));
  return { action: unescapeHtml(action), fields, people };
}

/** The redirect back to the app, and what it carries. */
function redirectOf(location: string): NonNullable<BrowserResult["redirect"]> {
  const q = new URL(location).searchParams;
  const pick = (k: string) => (q.has(k) ? { [k]: q.get(k) as string } : {});
  return { url: location, ...pick("code"), ...pick("state"), ...pick("error") };
}

/** Opens `authorizeUrl` (the page, or an app link redirecting to it), answers the form, follows back. */
export async function consent(authorizeUrl: string, input: ConsentInput): Promise<BrowserResult> {
  const hops: BrowserResult["hops"] = [];
  const go = async (method: string, url: string, body?: string) => {
    const res = await fetch(url, {
      method,
      redirect: "manual",
      ...(body === undefined
        ? {}
        : { body, headers: { "content-type": "application/x-www-form-urlencoded" } }),
    });
    const text = await res.text();
    const location = res.headers.get("location") ?? undefined;
    const absolute = location === undefined ? undefined : new URL(location, url).toString();
    hops.push({ method, url, status: res.status, ...(absolute ? { location: absolute } : {}) });
    return { status: res.status, url, text, location: absolute };
  };
  // The app's own link may redirect to the page first (a browser follows it).
  let last = await go("GET", authorizeUrl);
  while (last.location !== undefined && last.status >= 300 && last.status < 400) {
    if (hops.length >= MAX_HOPS) throw new Error(`oauth.consent: more than ${MAX_HOPS} redirects`);
    last = await go("GET", last.location);
  }
  const pageUrl = last.url;
  const form = last.status === 200 ? readPage(last.text) : undefined;
  if (!form) return { hops, status: last.status, url: last.url, text: last.text };
  const fields = { ...form.fields, decision: input.deny ? "deny" : "approve" };
  if (!input.deny && input.openId === undefined)
    throw new Error("oauth.consent: give the openId who approves");
  if (input.openId !== undefined) {
    // The page's own choice when it lists the person; else name them directly (an unknown person, say).
    const offered = form.people.find(
      (p) =>
        p.endsWith(`/${input.openId}`) &&
        (input.tenantKey === undefined || p === `${input.tenantKey}/${input.openId}`),
    );
    if (offered) Object.assign(fields, { user: offered });
    else
      Object.assign(
        fields,
        { open_id: input.openId },
        input.tenantKey ? { tenant_key: input.tenantKey } : {},
      );
  }
  last = await go("POST", new URL(form.action, pageUrl).toString(), new URLSearchParams(fields).toString());
  const redirect = last.location === undefined ? undefined : redirectOf(last.location);
  while (input.follow !== false && last.location !== undefined && last.status >= 300 && last.status < 400) {
    if (hops.length >= MAX_HOPS) throw new Error(`oauth.consent: more than ${MAX_HOPS} redirects`);
    last = await go("GET", last.location);
  }
  return { hops, status: last.status, url: last.url, text: last.text, ...(redirect ? { redirect } : {}) };
}
