/**
 * `emu.oauth` (OAuthApi in oauth-types.ts): the console settings a test changes, the scripted browser, the
 * issued user tokens and the refresh-token journal, a person's revocation with its event, token faults.
 */
import { HIDDEN_TASK_ANSWERS, OAUTH, OAUTH_CODES } from "./constants";
import { consent } from "./oauth-browser";
import type { OAuthApi } from "./oauth-types";
import { revokeAuthorization } from "./oauth-user";
import type { EmulatorState } from "./state";
import type { EmulatorOptions } from "./types";

function checkOptions(options: Required<EmulatorOptions>): void {
  if (!(options.hiddenTaskCode in HIDDEN_TASK_ANSWERS)) {
    throw new Error(`hiddenTaskCode must be one of ${Object.keys(HIDDEN_TASK_ANSWERS).join(", ")}`);
  }
  if (!(options.userTokenTtlSeconds > 0)) throw new Error("userTokenTtlSeconds must be > 0");
  if (!(options.refreshTokenTtlSeconds > 0)) throw new Error("refreshTokenTtlSeconds must be > 0");
}

export function createOAuthApi(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  baseUrl: () => string,
): OAuthApi {
  checkOptions(options);
  return {
    allowRedirectUri: (uri) => {
      state.oauth.redirectUris.add(uri);
    },
    setRefreshEnabled: (on) => {
      state.oauth.refreshEnabled = on;
    },
    authorizeUrl: (input) => {
      const url = new URL(OAUTH.AUTHORIZE_PATH, baseUrl());
      const scope = input.scope ?? "offline_access drive:drive:readonly";
      const params: Record<string, string | undefined> = {
        client_id: input.clientId ?? options.appId,
        response_type: "code",
        redirect_uri: input.redirectUri,
        scope: typeof scope === "string" ? scope : scope.join(" "),
        state: input.state,
        code_challenge: input.codeChallenge,
        code_challenge_method: input.codeChallengeMethod,
        prompt: input.prompt,
      };
      for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
      return url.toString();
    },
    consent: (authorizeUrl, input) => consent(authorizeUrl, input),
    userTokens: (filter) => state.oauth.list(filter).map((t) => ({ ...t, scopes: [...t.scopes] })),
    refreshes: () => state.oauth.presentations.map((p) => ({ ...p })),
    reusedRefreshTokens: () => [
      ...new Set(
        state.oauth.presentations.filter((p) => p.kind === "refresh" && p.reused).map((p) => p.refreshToken),
      ),
    ],
    expireUserTokens: (openId, tenantKey) => state.oauth.expireAccess(openId, tenantKey),
    revokeAuthorization: (input) => revokeAuthorization(state, options, input),
    injectTokenFault: (fault) => {
      if (fault.code !== 20050 && fault.code !== 20072)
        throw new Error("injectTokenFault: code must be 20050 or 20072");
      const r = fault.code === 20050 ? OAUTH_CODES.SERVER_ERROR : OAUTH_CODES.UNAVAILABLE;
      state.inject({
        route: fault.route ?? "oauth_token_v3",
        status: r.status,
        body: { code: r.code, error: r.error, error_description: r.description },
        ...(fault.count === undefined ? {} : { count: fault.count }),
        ...(fault.afterHandling ? { afterHandling: true } : {}),
        ...(fault.delayMs === undefined ? {} : { delayMs: fault.delayMs }),
      });
    },
  };
}
