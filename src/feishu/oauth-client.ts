import * as lark from "@larksuiteoapi/node-sdk";
import axios from "axios";
import type { Logger } from "../logger";
import { sdkLogger } from "./client";
import { FeishuApiError, toFeishuError } from "./errors";

/** A person's tokens as Feishu issues them (user-tokens.md §2). Lifetimes in seconds, never assumed. */
export interface UserTokenGrant {
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
  refreshExpiresIn?: number;
  scope: string;
}

export interface OAuthClientOptions {
  appId: string;
  appSecret: string;
  /** The Open Platform (user_info). */
  domain: string;
  /** The accounts domain (the authorization page, the token and revoke endpoints). */
  accountsDomain: string;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * User authorization at Feishu: the authorization page's URL, the code and refresh grants (the SDK's
 * `client.accessToken`, v3), whose token it is (`user_info`) and revocation. Every failure is a
 * FeishuApiError carrying Feishu's code and nothing of the request (which holds the secret, the code or a
 * token).
 */
export class OAuthClient {
  private readonly sdk: lark.Client;
  private readonly http: ReturnType<typeof axios.create>;

  constructor(private readonly options: OAuthClientOptions) {
    const http = axios.create({ timeout: options.timeoutMs ?? 10_000 });
    http.interceptors.response.use((resp) => resp.data);
    this.http = http;
    this.sdk = new lark.Client({
      appId: options.appId,
      appSecret: options.appSecret,
      domain: options.domain,
      oauthBaseUrl: options.accountsDomain,
      httpInstance: http as unknown as lark.HttpInstance,
      // SDK gap: client.accessToken logs the whole axios error of a refused grant (its body holds the secret
      // and the code or refresh token); our logger keeps only error messages.
      logger: sdkLogger(options.logger),
      loggerLevel: lark.LoggerLevel.debug,
      disableTokenCache: true,
    });
  }

  /** The authorization page for this request (PKCE S256; `scope` space-separated). */
  authorizeUrl(input: { redirectUri: string; state: string; codeChallenge: string; scope: string }): string {
    const query = new URLSearchParams({
      client_id: this.options.appId,
      response_type: "code",
      redirect_uri: input.redirectUri,
      scope: input.scope,
      state: input.state,
      code_challenge: input.codeChallenge,
      code_challenge_method: "S256",
    });
    return `${this.options.accountsDomain}/open-apis/authen/v1/authorize?${query}`;
  }

  exchange(code: string, redirectUri: string, codeVerifier: string): Promise<UserTokenGrant> {
    return this.grant("oauth.code", () =>
      this.sdk.accessToken.retrieveByAuthorizationCode({ code, redirectUri, codeVerifier }),
    );
  }

  refresh(refreshToken: string): Promise<UserTokenGrant> {
    return this.grant("oauth.refresh", () => this.sdk.accessToken.refresh({ refreshToken }));
  }

  /** Whose token this is: the person's open_id in the app, and their tenant. */
  async userInfo(accessToken: string): Promise<{ openId: string; tenantKey: string }> {
    let res: { code?: number; msg?: string; data?: { open_id?: string; tenant_key?: string } };
    try {
      res = await this.sdk.authen.v1.userInfo.get({}, lark.withUserAccessToken(accessToken));
    } catch (error) {
      throw toFeishuError("user_info", error);
    }
    if (res.code !== undefined && res.code !== 0)
      throw new FeishuApiError("user_info", res.code, 200, res.msg ?? "");
    const openId = res.data?.open_id;
    if (!openId) throw new FeishuApiError("user_info", 0, 200, "answer has no data.open_id");
    return { openId, tenantKey: res.data?.tenant_key ?? "" };
  }

  /**
   * Revokes a token at Feishu (`token_type_hint` access_token or refresh_token). SDK gap: the SDK has no revoke
   * call (user-tokens.md §6), so it is posted here, JSON, with the client's credentials in the body.
   */
  async revoke(token: string, hint: "access_token" | "refresh_token"): Promise<void> {
    let res: { code?: number; error?: string };
    try {
      res = await this.http.post<unknown, { code?: number; error?: string }>(
        `${this.options.accountsDomain}/oauth/v1/revoke`,
        {
          token,
          token_type_hint: hint,
          client_id: this.options.appId,
          client_secret: this.options.appSecret,
        },
      );
    } catch (error) {
      throw toFeishuError("oauth.revoke", error);
    }
    if (res?.code !== undefined && res.code !== 0) {
      throw new FeishuApiError("oauth.revoke", res.code, 200, res.error ?? "refused");
    }
  }

  private async grant(
    operation: string,
    call: () => Promise<lark.AccessTokenResponse>,
  ): Promise<UserTokenGrant> {
    let res: lark.AccessTokenResponse;
    try {
      res = await call();
    } catch (error) {
      throw grantError(operation, error);
    }
    if (!res?.accessToken || !(Number(res.expiresIn) > 0)) {
      throw new FeishuApiError(operation, 0, 200, "answer has no access_token or expires_in");
    }
    return {
      accessToken: res.accessToken,
      expiresIn: Number(res.expiresIn),
      refreshToken: res.refreshToken || undefined,
      refreshExpiresIn:
        res.refreshTokenExpiresIn === undefined ? undefined : Number(res.refreshTokenExpiresIn),
      scope: res.scope ?? "",
    };
  }
}

/** The SDK's AccessTokenError (or a transport error) as a FeishuApiError: code and status, nothing else. */
function grantError(operation: string, error: unknown): FeishuApiError {
  if (error instanceof lark.AccessTokenError) {
    return new FeishuApiError(operation, error.code, error.statusCode, error.error || "refused");
  }
  return toFeishuError(operation, error);
}
