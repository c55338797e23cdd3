/**
 * User authorization against an emulator the way a bot does it: a local "app" with a callback URL, PKCE, the
 * SDK's `client.accessToken` (v3, `oauthBaseUrl: emu.url`), plain HTTP for the v2 endpoint and revoke. What the
 * emulator's OAuth tests share.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as lark from "@larksuiteoapi/node-sdk";
import type { Emulator } from "../../src";

const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** A real `lark.Client` whose `accessToken` talks to the emulator's v3 token endpoint. */
export function oauthClient(emu: Emulator, appSecret = emu.options.appSecret): lark.Client {
  return new lark.Client({
    appId: emu.options.appId,
    appSecret,
    domain: emu.url,
    oauthBaseUrl: emu.url,
    cache: new lark.DefaultCache(),
    loggerLevel: lark.LoggerLevel.error,
    logger: silent,
  });
}

/** A PKCE pair: a 43-character verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The app's side of the redirect: a server on 127.0.0.1 that keeps every callback URL it was sent to. */
export async function callbackApp(): Promise<{ url: string; hits: URL[]; server: Server }> {
  const hits: URL[] = [];
  const server = createServer((req, res) => {
    hits.push(new URL(req.url ?? "/", "http://127.0.0.1"));
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<p>You can close this window.</p>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/callback`;
  return { url, hits, server };
}

export const REDIRECT = "https://bot.example.com/oauth/callback";

/** A code for `openId`, through the page (not followed: the redirect URL is not served). */
export async function codeFor(
  emu: Emulator,
  openId: string,
  opts: { scope?: string; challenge?: string; method?: "S256" | "plain"; tenantKey?: string } = {},
): Promise<string> {
  emu.oauth.allowRedirectUri(REDIRECT);
  const url = emu.oauth.authorizeUrl({
    redirectUri: REDIRECT,
    state: "st",
    ...(opts.scope === undefined ? {} : { scope: opts.scope }),
    ...(opts.challenge === undefined
      ? {}
      : { codeChallenge: opts.challenge, codeChallengeMethod: opts.method }),
  });
  const seen = await emu.oauth.consent(url, { openId, tenantKey: opts.tenantKey, follow: false });
  const code = seen.redirect?.code;
  if (!code) throw new Error(`no code: ${seen.status} ${seen.text}`);
  return code;
}

/** The pair a person's authorization gives, exchanged with the SDK (PKCE S256). */
export async function tokensFor(
  emu: Emulator,
  client: lark.Client,
  openId: string,
  opts: { scope?: string; tenantKey?: string } = {},
) {
  const { verifier, challenge } = pkce();
  const code = await codeFor(emu, openId, { ...opts, challenge, method: "S256" });
  return client.accessToken.retrieveByAuthorizationCode({
    code,
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
}

/** POSTs to the emulator as JSON or form-urlencoded and returns status and parsed body. */
export async function post(
  emu: Emulator,
  path: string,
  fields: Record<string, unknown>,
  opts: { form?: boolean; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams(fields as Record<string, string>).toString();
  const res = await fetch(`${emu.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": opts.form ? "application/x-www-form-urlencoded" : "application/json",
      ...opts.headers,
    },
    body: opts.raw ?? (opts.form ? form : JSON.stringify(fields)),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The app's credentials as the token endpoints take them in the body. */
export const client = (emu: Emulator) => ({
  client_id: emu.options.appId,
  client_secret: emu.options.appSecret,
});

/** Awaits a promise that must reject with the SDK's AccessTokenError; returns its fields. */
export async function tokenError(p: Promise<unknown>) {
  const err = await p.then(
    () => {
      throw new Error("expected the token request to fail");
    },
    (e: unknown) => e,
  );
  if (!(err instanceof lark.AccessTokenError))
    throw new Error(`expected an AccessTokenError, got ${String(err)}`);
  return { statusCode: err.statusCode, code: err.code, error: err.error };
}
