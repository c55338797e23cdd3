/**
 * In-memory state of user authorization: the app's console settings (redirect whitelist, refresh switch), each
 * person's grant (scopes are cumulative), authorization codes, user_access_tokens and refresh tokens, and the
 * journal of refresh-token presentations. No I/O; the oauth-*.ts handlers read and change it.
 */
import { randomBytes } from "node:crypto";
import { OAUTH } from "./constants";
import type { RefreshPresentation, UserToken } from "./oauth-types";

/** An authorization code the page issued: single use, valid OAUTH.CODE_TTL_MS. */
export interface AuthCode {
  redirectUri: string;
  /** The grant's scopes at consent (cumulative). */
  scopes: string[];
  challenge?: string;
  method?: "S256" | "plain";
  openId: string;
  tenantKey: string;
  issuedAt: number;
  used: boolean;
  /** The person's authorization was revoked before the code was exchanged. */
  revoked: boolean;
}

/** Lifetimes of what the token endpoints issue, in seconds. */
export interface Lifetimes {
  accessSeconds: number;
  refreshSeconds: number;
}

const person = (tenantKey: string, openId: string) => `${tenantKey}/${openId}`;

/** An opaque token of OAUTH.TOKEN_LENGTH characters (base64url), with Feishu's historic prefix. */
function opaque(prefix: string): string {
  const body = randomBytes(Math.ceil((OAUTH.TOKEN_LENGTH * 3) / 4)).toString("base64url");
  return `${prefix}${body}`.slice(0, OAUTH.TOKEN_LENGTH);
}

export class OAuthState {
  readonly redirectUris: Set<string>;
  refreshEnabled: boolean;
  /** Scopes each person granted the app, by tenant/open_id (grants are cumulative). */
  private readonly grants = new Map<string, Set<string>>();
  readonly codes = new Map<string, AuthCode>();
  private readonly tokens = new Map<string, UserToken>();
  presentations: RefreshPresentation[] = [];

  constructor(
    private readonly now: () => number,
    redirectUris: readonly string[],
    refreshEnabled: boolean,
  ) {
    this.redirectUris = new Set(redirectUris);
    this.refreshEnabled = refreshEnabled;
  }

  /** Whitelisted? `?` and `#` suffixes are ignored on both sides, as the console does. */
  redirectAllowed(uri: string): boolean {
    const bare = (u: string) => u.split(/[?#]/, 1)[0];
    for (const allowed of this.redirectUris) if (bare(allowed) === bare(uri)) return true;
    return false;
  }

  /** The person consents to `scopes`: they join the grant, and a new code carries the whole grant. */
  issueCode(
    input: Omit<AuthCode, "issuedAt" | "used" | "revoked" | "scopes"> & { scopes: string[] },
  ): string {
    const key = person(input.tenantKey, input.openId);
    const grant = this.grants.get(key) ?? new Set<string>();
    for (const s of input.scopes) grant.add(s);
    this.grants.set(key, grant);
    const code = randomBytes(48).toString("base64url"); // 64 chars of A-Z a-z 0-9 - _
    this.codes.set(code, { ...input, scopes: [...grant], issuedAt: this.now(), used: false, revoked: false });
    return code;
  }

  /** A new access token (and a refresh token with offline_access) for this person. */
  issuePair(
    openId: string,
    tenantKey: string,
    scopes: string[],
    authorizedAt: number,
    life: Lifetimes,
  ): { access: UserToken; refresh?: UserToken } {
    const now = this.now();
    const base = { openId, tenantKey, scopes, issuedAt: now, authorizedAt };
    const access: UserToken = {
      ...base,
      kind: "access",
      token: opaque("u-"),
      expiresAt: now + life.accessSeconds * 1000,
    };
    this.tokens.set(access.token, access);
    if (!scopes.includes("offline_access")) return { access };
    // A refresh token never outlives the 365-day cap of the authorization it descends from.
    const cap = authorizedAt + OAUTH.REFRESH_CAP_MS;
    const refresh: UserToken = {
      ...base,
      kind: "refresh",
      token: opaque("ur-"),
      expiresAt: Math.min(now + life.refreshSeconds * 1000, cap),
    };
    this.tokens.set(refresh.token, refresh);
    return { access, refresh };
  }

  token(value: unknown, kind: UserToken["kind"]): UserToken | undefined {
    const t = typeof value === "string" ? this.tokens.get(value) : undefined;
    return t?.kind === kind ? t : undefined;
  }

  /** Any issued token by value, access or refresh. */
  anyToken(value: string): UserToken | undefined {
    return this.tokens.get(value);
  }

  list(filter: { openId?: string; tenantKey?: string; kind?: UserToken["kind"] } = {}): UserToken[] {
    return [...this.tokens.values()].filter(
      (t) =>
        (filter.openId === undefined || t.openId === filter.openId) &&
        (filter.tenantKey === undefined || t.tenantKey === filter.tenantKey) &&
        (filter.kind === undefined || t.kind === filter.kind),
    );
  }

  /** Revokes a person's tokens of these kinds; both kinds also end the grant and their pending codes. */
  revokePerson(openId: string, tenantKey: string, kinds: ReadonlyArray<UserToken["kind"]>): number {
    const now = this.now();
    let n = 0;
    for (const t of this.list({ openId, tenantKey })) {
      if (kinds.includes(t.kind) && t.revokedAt === undefined) {
        t.revokedAt = now;
        n++;
      }
    }
    if (kinds.includes("access") && kinds.includes("refresh")) {
      this.grants.delete(person(tenantKey, openId));
      for (const c of this.codes.values()) {
        if (c.openId === openId && c.tenantKey === tenantKey) c.revoked = true;
      }
    }
    return n;
  }

  expireAccess(openId?: string, tenantKey?: string): void {
    const now = this.now();
    for (const t of this.list({ openId, tenantKey, kind: "access" }))
      t.expiresAt = Math.min(t.expiresAt, now);
  }

  /** Forgets the presentation journal (reset()); tokens, grants and codes stay, as tenant tokens do. */
  reset(): void {
    this.presentations = [];
  }
}
