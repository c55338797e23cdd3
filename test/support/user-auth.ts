import { createHash, randomBytes } from "node:crypto";
import type { Emulator } from "@taskbot/feishu-emulator";
import { USER_SCOPES } from "../../src/auth/flow";
import type { OAuthClient, UserTokenGrant } from "../../src/feishu/oauth-client";
import { freePort } from "./child-bot";

/**
 * User authorization in tests: the bot's PUBLIC_URL and USER_TOKEN_KEY on a port chosen first (the redirect URL
 * is registered at the emulator before the bot starts), and the card's Authorize button.
 */

export const ALICE = "ou_a11ce0000000000000000000000000a1";
export const BOB = "ou_b0b000000000000000000000000000b2";

export function newKey(): string {
  return randomBytes(32).toString("base64");
}

export interface AuthEnv {
  env: Record<string, string>;
  publicUrl: string;
}

/** PORT, PUBLIC_URL and USER_TOKEN_KEY for a bot, its redirect URL allowed at the emulator. */
export async function userAuthEnv(
  emu: Emulator,
  keys: string[] = [newKey()],
  port?: number,
): Promise<AuthEnv> {
  const chosen = port ?? (await freePort());
  const publicUrl = `http://127.0.0.1:${chosen}`;
  emu.oauth.allowRedirectUri(`${publicUrl}/oauth/callback`);
  return { publicUrl, env: { PORT: String(chosen), PUBLIC_URL: publicUrl, USER_TOKEN_KEY: keys.join(",") } };
}

/** The URL of a card's Authorize button (its open_url's default_url), or undefined. */
export function authorizeUrl(card: unknown): string | undefined {
  const found = JSON.stringify(card ?? {}).match(/"default_url":"([^"]+)"/);
  return found ? JSON.parse(`"${found[1]}"`) : undefined;
}

/** The card's header colour and the state words of its tag (for a quick look at what it shows). */
export function cardState(card: unknown): string {
  const text = JSON.stringify(card ?? {});
  return `${/"template":"(\w+)"/.exec(text)?.[1] ?? "?"} ${/"tag_state_en","text":\{"tag":"plain_text","content":"([^"]+)"/.exec(text)?.[1] ?? "?"}`;
}

/**
 * A person's tokens from Feishu, as the bot's callback gets them, without the bot's HTTP routes: the
 * authorization page (approved as `openId`), the code, and its exchange (PKCE S256) by `oauth`.
 */
export async function grantAt(
  emu: Emulator,
  oauth: OAuthClient,
  openId: string,
  redirectUri: string,
): Promise<UserTokenGrant> {
  const verifier = randomBytes(32).toString("base64url");
  const url = oauth.authorizeUrl({
    redirectUri,
    state: "direct",
    codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
    scope: USER_SCOPES,
  });
  const { redirect } = await emu.oauth.consent(url, { openId, follow: false });
  if (!redirect?.code) throw new Error(`no code for ${openId}: is the person known, the redirect allowed?`);
  return oauth.exchange(redirect.code, redirectUri, verifier);
}
