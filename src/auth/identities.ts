import { randomBytes } from "node:crypto";
import type { AuthorizeLink } from "../../cards/types";
import type { UserAuthConfig } from "../config-user-auth";
import { classifyIdentity, type FeishuApiError } from "../feishu/errors";
import type { OAuthClient, UserTokenGrant } from "../feishu/oauth-client";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { StoredUserToken, UserTokenStore, WakeBus, WatchStore } from "../store/roles";
import type { Sealer } from "./sealing";

/** Refresh this long before the access token expires (Feishu's own tools: 5 min), or at a quarter of its life. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Why the bot stopped using a person's identity. */
export type IdentityEnd = "logout" | "revoked" | "refused" | "unreadable";

export interface IdentitiesOptions {
  config: UserAuthConfig;
  store: UserTokenStore & Pick<WatchStore, "requestChecksOf"> & WakeBus;
  oauth: OAuthClient;
  sealer: Sealer;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** The AppLink host that opens a page in the Feishu client's sidebar (applink.feishu.cn), if any. */
  appLinkHost?: string;
}

/**
 * People's identities (user authorization): their tokens, sealed at rest; a valid access token when a check
 * needs one (refreshed first, one refresh per person at a time across every replica, the new pair committed
 * before it is used); the end of an identity (logout, the revocation event, a refusal for good), after which
 * their watches ask again. No token ever reaches a log line, a card, an error message or a metric.
 */
export class Identities {
  constructor(private readonly options: IdentitiesOptions) {}

  /** The Authorize button's link for a person (and the watch waiting for them), valid until `until`. */
  link(
    tenantKey: string,
    openId: string,
    watchId: number | null,
    until: number,
    again = false,
  ): AuthorizeLink {
    const payload = JSON.stringify({ t: tenantKey, u: openId, w: watchId, e: until });
    const url = `${this.options.config.publicUrl}/oauth/start?s=${this.options.sealer.sign("link", payload)}`;
    const pcUrl = this.options.appLinkHost
      ? `https://${this.options.appLinkHost}/client/web_url/open?mode=sidebar-semi&url=${encodeURIComponent(url)}`
      : undefined;
    return { url, ...(pcUrl ? { pcUrl } : {}), until, ...(again ? { again } : {}) };
  }

  /** Whether the bot holds tokens of this person (valid or not: a check will tell). */
  async has(tenantKey: string, openId: string): Promise<boolean> {
    return (await this.options.store.getUserToken(tenantKey, openId)) !== undefined;
  }

  /** Keeps the tokens Feishu issued for a person (a new authorization replaces what was kept). */
  async keep(tenantKey: string, openId: string, grant: UserTokenGrant): Promise<void> {
    const now = this.options.now();
    await this.options.store.saveUserToken(this.sealed(tenantKey, openId, grant, now, now));
  }

  /**
   * The person's access token, refreshed first when it is (nearly) expired; undefined when the bot holds none
   * or Feishu refused it for good (then it is forgotten). Throws a transient FeishuApiError when Feishu could
   * not refresh it just now (the caller retries later).
   */
  async accessToken(tenantKey: string, openId: string): Promise<string | undefined> {
    const held = await this.options.store.getUserToken(tenantKey, openId);
    if (!held) return undefined;
    if (this.fresh(held) && this.resealed(held) === undefined) {
      const token = this.open(held, "access");
      if (token !== undefined) return token;
    }
    return this.options.store.lockUserToken(tenantKey, openId, async (current) => {
      if (!current) return { result: undefined };
      // Another process (replica) may have refreshed it while this one waited for the lock.
      if (this.fresh(current)) {
        const token = this.open(current, "access");
        if (token !== undefined) return { keep: this.resealed(current), result: token };
      }
      const refreshToken = current.refreshToken === null ? undefined : this.open(current, "refresh");
      const now = this.options.now();
      if (
        refreshToken === undefined ||
        (current.refreshExpiresAt !== null && current.refreshExpiresAt <= now)
      ) {
        const reason = current.refreshToken !== null && refreshToken === undefined ? "unreadable" : "refused";
        this.ended(tenantKey, openId, reason);
        return { keep: null, result: undefined };
      }
      const grant = await this.refresh(refreshToken, tenantKey, openId);
      if (!grant) return { keep: null, result: undefined };
      this.options.metrics.userTokenRefreshes.inc({ outcome: "ok" });
      return {
        keep: this.sealed(tenantKey, openId, grant, now, current.authorizedAt),
        result: grant.accessToken,
      };
    });
  }

  /**
   * A call made with the person's access token failed: `expired` (the token is marked so the next use
   * refreshes it), `dead` (the identity is over: forgotten), `retry` (nothing to do but try later).
   */
  async failed(
    tenantKey: string,
    openId: string,
    error: FeishuApiError,
  ): Promise<"retry" | "expired" | "dead"> {
    const kind = classifyIdentity(error);
    if (kind === "dead") {
      await this.options.store.deleteUserToken(tenantKey, openId);
      this.ended(tenantKey, openId, "refused", error.code);
    } else if (kind === "expired") {
      await this.options.store.lockUserToken(tenantKey, openId, async (current) => ({
        keep: current && {
          ...current,
          accessExpiresAt: Math.min(current.accessExpiresAt, this.options.now()),
        },
        result: undefined,
      }));
    }
    return kind;
  }

  /** /logout: revokes the tokens at Feishu (best effort), forgets them, and their watches ask again. */
  async logout(tenantKey: string, openId: string): Promise<boolean> {
    const held = await this.options.store.lockUserToken(tenantKey, openId, async (current) => ({
      keep: null,
      result: current,
    }));
    if (!held) return false;
    for (const kind of ["refresh", "access"] as const) {
      const token = this.open(held, kind);
      if (token === undefined) continue;
      await this.options.oauth
        .revoke(token, kind === "access" ? "access_token" : "refresh_token")
        .catch((e) => {
          this.options.logger.warn("could not revoke a token at Feishu; it is forgotten here anyway", {
            code: (e as FeishuApiError).code,
          });
        });
    }
    this.ended(tenantKey, openId, "logout");
    await this.wakeWatchesOf(tenantKey, openId);
    return true;
  }

  /** Feishu's revocation event: the tokens are dead already; forget them, and their watches ask again. */
  async revoked(tenantKey: string, openId: string): Promise<void> {
    if (await this.options.store.deleteUserToken(tenantKey, openId)) this.ended(tenantKey, openId, "revoked");
    await this.wakeWatchesOf(tenantKey, openId);
  }

  /** The person authorized (or their identity ended): their watches are checked at once, on any replica. */
  async wakeWatchesOf(tenantKey: string, openId: string): Promise<void> {
    if ((await this.options.store.requestChecksOf(tenantKey, openId, this.options.now())) > 0) {
      await this.options.store.wake();
    }
  }

  /** A random id for an OAuth state (single use, kept in the store). */
  static stateId(): string {
    return randomBytes(16).toString("hex");
  }

  private async refresh(
    refreshToken: string,
    tenantKey: string,
    openId: string,
  ): Promise<UserTokenGrant | undefined> {
    // A refresh token works once: 20050/20072 are tried once more (as Feishu's own tools do), nothing else is.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.oauth.refresh(refreshToken);
      } catch (error) {
        const e = error as FeishuApiError;
        const kind = classifyIdentity(e);
        if (kind === "dead") {
          this.options.metrics.userTokenRefreshes.inc({ outcome: "dead" });
          this.ended(tenantKey, openId, "refused", e.code);
          return undefined;
        }
        this.options.metrics.userTokenRefreshes.inc({ outcome: "retry" });
        if (attempt >= 2) throw e;
      }
    }
  }

  /** Still good for a while: the margin is 5 minutes, or a quarter of a short token's life. */
  private fresh(t: StoredUserToken): boolean {
    const life = Math.max(0, t.accessExpiresAt - t.updatedAt);
    return t.accessExpiresAt - Math.min(REFRESH_MARGIN_MS, life / 4) > this.options.now();
  }

  private open(t: StoredUserToken, kind: "access" | "refresh"): string | undefined {
    const sealed = kind === "access" ? t.accessToken : t.refreshToken;
    if (sealed === null) return undefined;
    return this.options.sealer.open(sealed, contextOf(t.tenantKey, t.openId, kind))?.plaintext;
  }

  /** The row sealed again with the first key, when an older key sealed it (key rotation, lazily); else undefined. */
  private resealed(t: StoredUserToken): StoredUserToken | undefined {
    const ctx = (kind: "access" | "refresh") => contextOf(t.tenantKey, t.openId, kind);
    const access = this.options.sealer.open(t.accessToken, ctx("access"));
    const refresh =
      t.refreshToken === null ? undefined : this.options.sealer.open(t.refreshToken, ctx("refresh"));
    if (!access || (!access.stale && !refresh?.stale)) return undefined;
    return {
      ...t,
      accessToken: this.options.sealer.seal(access.plaintext, ctx("access")),
      refreshToken: refresh ? this.options.sealer.seal(refresh.plaintext, ctx("refresh")) : t.refreshToken,
    };
  }

  private sealed(
    tenantKey: string,
    openId: string,
    grant: UserTokenGrant,
    now: number,
    authorizedAt: number,
  ): StoredUserToken {
    const seal = (plain: string, kind: "access" | "refresh") =>
      this.options.sealer.seal(plain, contextOf(tenantKey, openId, kind));
    return {
      tenantKey,
      openId,
      accessToken: seal(grant.accessToken, "access"),
      accessExpiresAt: now + grant.expiresIn * 1000,
      refreshToken: grant.refreshToken ? seal(grant.refreshToken, "refresh") : null,
      refreshExpiresAt:
        grant.refreshToken && grant.refreshExpiresIn !== undefined
          ? now + grant.refreshExpiresIn * 1000
          : null,
      scope: grant.scope,
      authorizedAt,
      updatedAt: now,
    };
  }

  private ended(tenantKey: string, openId: string, reason: IdentityEnd, code?: number): void {
    this.options.metrics.userIdentityEnds.inc({ reason });
    this.options.logger.info("stopped using a person's authorization", {
      tenant_key: tenantKey || undefined,
      open_id: openId,
      reason,
      ...(code ? { code } : {}),
    });
  }
}

/** What a sealed token belongs to: a value sealed for one person cannot be opened as another's. */
function contextOf(tenantKey: string, openId: string, kind: "access" | "refresh"): string {
  return `user-token\u0000${tenantKey}\u0000${openId}\u0000${kind}`;
}
