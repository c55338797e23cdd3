/**
 * Public types of user authorization (OAuth) in the emulator: `emu.oauth` (oauth.ts) and what it returns.
 */
import type { EventEnvelope } from "./types";

/** A user_access_token or refresh token the emulator issued, as `oauth.userTokens()` lists it. */
export interface UserToken {
  kind: "access" | "refresh";
  /** The token itself (kept in memory for tests; the emulator never prints it). */
  token: string;
  openId: string;
  tenantKey: string;
  /** What the token carries (cumulative grant, possibly narrowed by the token request's `scope`). */
  scopes: string[];
  /** Emulator clock. */
  issuedAt: number;
  expiresAt: number;
  /** Refresh tokens: when a refresh consumed it (a refresh token works once; Feishu rotates it). */
  usedAt?: number;
  /** When it was revoked (POST /oauth/v1/revoke, or revokeAuthorization). */
  revokedAt?: number;
  /** When the person authorized (the code exchange that started this chain): the 365-day cap counts from it. */
  authorizedAt: number;
}

/** One refresh token presented to Feishu: a refresh (token endpoint) or a revocation. */
export interface RefreshPresentation {
  /** Emulator clock. */
  at: number;
  kind: "refresh" | "revoke";
  route: "oauth_token_v3" | "oauth_token_v2" | "oauth_revoke";
  refreshToken: string;
  /** 0 when Feishu accepted it, else the refusal's code (20026, 20037, 20064, 20073, 20074, ...). */
  outcome: number;
  /** It had already been consumed by an earlier successful refresh (what two racing replicas cause). */
  reused: boolean;
  /** Whose it is (absent for a token the emulator never issued). */
  openId?: string;
  tenantKey?: string;
  /** A successful refresh: the refresh token it was rotated into (absent without offline_access). */
  rotatedTo?: string;
}

/** `event` of `auth.user_access_token.revoked_v4` (schema 2.0). */
export interface UserTokenRevokedEvent {
  open_id: string;
  union_id: string;
  revoke_token_type: "user_access_token" | "refresh_token" | "user_access_token refresh_token";
  revoke_reason: string;
}

/** Why the tokens were revoked: the `revoke_reason` strings Feishu lists. */
export type RevokeReason = "unknown" | "user" | "administrator" | "security" | "restriction";

/** The query of an authorization page URL (`oauth.authorizeUrl`). */
export interface AuthorizeUrlInput {
  redirectUri: string;
  /** Space-separated string or a list; default "offline_access drive:drive:readonly". */
  scope?: string | readonly string[];
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  prompt?: string;
  /** Default the app's id. */
  clientId?: string;
}

/** How the scripted browser of `oauth.consent` answers the page. */
export interface ConsentInput {
  /** The person who signs in and approves (required unless `deny`). */
  openId?: string;
  /** Their tenant; default the tenant that knows the open_id (the default tenant first). */
  tenantKey?: string;
  /** Press "Deny" instead of "Authorize". */
  deny?: boolean;
  /** Follow the redirect to the app (and its redirects); default true. */
  follow?: boolean;
}

/** What the scripted browser saw. */
export interface BrowserResult {
  /** Every response in order: the page, the answer to the form, and each followed redirect. */
  hops: Array<{ method: string; url: string; status: number; location?: string }>;
  /** The last response. */
  status: number;
  url: string;
  text: string;
  /** Where the authorization page sent the browser back to the app; absent when it showed an error page. */
  redirect?: { url: string; code?: string; state?: string; error?: string };
}

/** A token endpoint fault: 20050 (HTTP 500) or 20072 (HTTP 503), the two Feishu says to retry. */
export interface OAuthTokenFault {
  code: 20050 | 20072;
  /** Default "oauth_token_v3". */
  route?: "oauth_token_v3" | "oauth_token_v2";
  count?: number;
  /** Feishu did the exchange or refresh (a refresh token is consumed), the app hears the fault. */
  afterHandling?: boolean;
  delayMs?: number;
}

/** `emu.oauth`: user authorization as Feishu does it, and what a test needs to see and steer. */
export interface OAuthApi {
  /** Adds a redirect URL to the app's whitelist (console: 安全设置 → 重定向 URL). */
  allowRedirectUri(uri: string): void;
  /** The console's "刷新 user_access_token" switch: off → refreshing answers 20074. */
  setRefreshEnabled(on: boolean): void;
  /** An authorization page URL on the emulator (what a bot's "Authorize" button opens). */
  authorizeUrl(input: AuthorizeUrlInput): string;
  /**
   * A browser without JavaScript: GETs the authorization page, submits its form as `openId` (Authorize, or
   * Deny), and follows the redirect back to the app unless `follow: false`. Plain HTTP, recorded like any call.
   */
  consent(authorizeUrl: string, input: ConsentInput): Promise<BrowserResult>;
  /** Every user token issued so far (of this person / tenant when given), oldest first. */
  userTokens(filter?: { openId?: string; tenantKey?: string; kind?: UserToken["kind"] }): UserToken[];
  /** Every refresh token presented (refreshes and revocations) since the last reset(), in order. */
  refreshes(): RefreshPresentation[];
  /** The refresh tokens presented for a refresh after an earlier refresh had consumed them (no duplicates). */
  reusedRefreshTokens(): string[];
  /** Every user_access_token issued so far (of this person when given) expires now (99991677). */
  expireUserTokens(openId?: string, tenantKey?: string): void;
  /**
   * The person (or an admin, ...) removes the app's authorization: their tokens of `tokenType` die at once
   * (default both: access 99991668, refresh 20064) and, for both, the grant is gone. Returns the
   * `auth.user_access_token.revoked_v4` event to deliver (`deliver()` or `longConnection.push()`).
   */
  revokeAuthorization(input: {
    openId: string;
    tenantKey?: string;
    reason?: RevokeReason;
    tokenType?: UserTokenRevokedEvent["revoke_token_type"];
  }): EventEnvelope<UserTokenRevokedEvent>;
  /** Queues a 20050 / 20072 answer of a token endpoint (a fault, like inject()). */
  injectTokenFault(fault: OAuthTokenFault): void;
}
