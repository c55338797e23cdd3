import { createHash } from "node:crypto";
import type { UserAuthConfig } from "../config-user-auth";
import { classifyIdentity, type FeishuApiError } from "../feishu/errors";
import type { OAuthClient, UserTokenGrant } from "../feishu/oauth-client";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { UserTokenStore } from "../store/roles";
import { AUTH_WINDOW_MS } from "../watch/policy";
import { Identities } from "./identities";
import type { PageKind } from "./pages";
import type { Sealer } from "./sealing";

/** What the bot asks for: a refresh token, and a Drive scope task_check accepts (the narrowest of the three). */
export const USER_SCOPES = "offline_access drive:drive.metadata:readonly";

export interface FlowOptions {
  config: UserAuthConfig;
  store: UserTokenStore;
  identities: Identities;
  oauth: OAuthClient;
  sealer: Sealer;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

export type FlowAnswer = { redirect: string } | { status: number; page: PageKind };

/**
 * The authorization-code flow with PKCE (S256). A card's button opens the bot's own signed link
 * (`/oauth/start`), which records a single-use state bound to the person, their tenant and the waiting watch,
 * and sends the browser to Feishu's page. `/oauth/callback` takes the state back (once, within 10 minutes),
 * exchanges the code, asks Feishu whose token it is, and keeps it only if it is that person's. Anything else
 * gets a page saying what happened, and nothing is kept.
 */
export class AuthorizationFlow {
  constructor(private readonly options: FlowOptions) {}

  async start(link: unknown): Promise<FlowAnswer> {
    const now = this.options.now();
    const payload = typeof link === "string" ? this.read("link", link) : undefined;
    const { t, u, w, e } = (payload ?? {}) as { t?: unknown; u?: unknown; w?: unknown; e?: unknown };
    if (typeof t !== "string" || typeof u !== "string" || typeof e !== "number") {
      return { status: 400, page: "invalid_link" };
    }
    if (e <= now) return { status: 410, page: "expired_link" };
    const id = Identities.stateId();
    const expiresAt = now + AUTH_WINDOW_MS;
    const watchId = typeof w === "number" ? w : null;
    await this.options.store.createAuthState({
      id,
      tenantKey: t,
      openId: u,
      watchId,
      createdAt: now,
      expiresAt,
    });
    const state = this.options.sealer.sign("state", JSON.stringify({ i: id, e: expiresAt }));
    const challenge = createHash("sha256").update(this.verifier(id)).digest("base64url");
    const { redirectUri } = this.options.config;
    return {
      redirect: this.options.oauth.authorizeUrl({
        redirectUri,
        state,
        codeChallenge: challenge,
        scope: USER_SCOPES,
      }),
    };
  }

  async callback(query: Record<string, unknown>): Promise<{ status: number; page: PageKind }> {
    const answer = await this.finish(query);
    this.options.metrics.userAuthorizations.inc({
      outcome: answer.page === "authorized" ? "ok" : answer.page,
    });
    return answer;
  }

  private async finish(query: Record<string, unknown>): Promise<{ status: number; page: PageKind }> {
    const now = this.options.now();
    const signed = typeof query.state === "string" ? this.read("state", query.state) : undefined;
    const { i, e } = (signed ?? {}) as { i?: unknown; e?: unknown };
    if (typeof i !== "string" || typeof e !== "number") return { status: 400, page: "invalid_state" };
    // Taken (deleted) whatever happens next: a state works once, even for a refusal.
    const state = await this.options.store.takeAuthState(i, now);
    if (!state) return { status: 400, page: e <= now ? "expired_state" : "replayed_state" };
    if (query.error !== undefined) return { status: 403, page: "denied" };
    const code = query.code;
    if (typeof code !== "string" || code.length === 0 || code.length > 4096)
      return { status: 400, page: "no_code" };

    let grant: UserTokenGrant;
    let whose: { openId: string; tenantKey: string };
    try {
      grant = await this.options.oauth.exchange(code, this.options.config.redirectUri, this.verifier(i));
    } catch (error) {
      this.refused("could not exchange the authorization code", error);
      return { status: 502, page: "exchange_failed" };
    }
    try {
      whose = await this.options.oauth.userInfo(grant.accessToken);
    } catch (error) {
      this.refused("could not learn whose authorization it is", error);
      await this.discard(grant);
      return { status: 502, page: "exchange_failed" };
    }
    // A self-built app has one tenant (its watches carry ""); a store app's state names the person's tenant.
    if (whose.openId !== state.openId || (state.tenantKey !== "" && whose.tenantKey !== state.tenantKey)) {
      this.options.logger.warn(
        "an authorization came back from someone else than the person who asked; discarded",
        {
          open_id: state.openId,
        },
      );
      await this.discard(grant);
      return { status: 403, page: "wrong_person" };
    }
    await this.options.identities.keep(state.tenantKey, state.openId, grant);
    this.options.logger.info("a person authorized the bot", {
      open_id: state.openId,
      watch_id: state.watchId,
    });
    await this.options.identities.wakeWatchesOf(state.tenantKey, state.openId);
    return { status: 200, page: "authorized" };
  }

  /** A PKCE verifier derived from the state's id (43 characters): nothing secret is stored for it. */
  private verifier(stateId: string): string {
    return this.options.sealer.derive("pkce", stateId);
  }

  private read(purpose: "link" | "state", token: string): unknown {
    const payload = token.length <= 2048 ? this.options.sealer.verify(purpose, token) : undefined;
    if (payload === undefined) return undefined;
    try {
      return JSON.parse(payload);
    } catch {
      return undefined;
    }
  }

  /** Tokens the bot will not keep are revoked at Feishu too (best effort). */
  private async discard(grant: UserTokenGrant): Promise<void> {
    const revoke = [this.options.oauth.revoke(grant.accessToken, "access_token")];
    if (grant.refreshToken) revoke.push(this.options.oauth.revoke(grant.refreshToken, "refresh_token"));
    await Promise.allSettled(revoke);
  }

  private refused(what: string, error: unknown): void {
    const e = error as FeishuApiError;
    this.options.logger.warn(what, { code: e.code, http_status: e.httpStatus, kind: classifyIdentity(e) });
  }
}
