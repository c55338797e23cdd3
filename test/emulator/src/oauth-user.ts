/**
 * The person behind a user_access_token: `GET /open-apis/authen/v1/user_info` (user-tokens.md §3; no scope
 * needed; user tokens only, caller.ts), and the event Feishu pushes when a person's tokens are revoked,
 * `auth.user_access_token.revoked_v4` (§4).
 */
import { type Answer, ok, type RouteInput } from "./answer";
import { OAUTH } from "./constants";
import { envelope } from "./events";
import type { RevokeReason, UserTokenRevokedEvent } from "./oauth-types";
import type { EmulatorState } from "./state";
import { userIds } from "./tenant";
import type { EmulatorOptions, EventEnvelope } from "./types";

/** [OK] The `revoke_reason` strings of the event. */
const REASONS: Record<RevokeReason, string> = {
  unknown: "Revoked by unknown action.",
  user: "Revoked by user action.",
  administrator: "Revoked by administrator action.",
  security: "Revoked by security and risk control action.",
  restriction: "Revoked by restriction action.",
};

/** [?] Avatar URLs of the emulator's people (Feishu's are CDN URLs; nothing is served there). */
const avatar = (openId: string, size: number) =>
  `https://s1-imfile.feishucdn.com/static-resource/v1/emulator-${openId}~?image_size=${size}x${size}`;

export function userInfo({ tenant, user }: RouteInput): Answer {
  if (!user) throw new Error("user_info without a user token (caller.ts lets only user tokens through)");
  const ids = userIds(user.openId);
  const person = tenant.user(user.openId);
  const suffix = user.openId.slice(-4);
  return ok({
    name: person.name ?? `用户${suffix}`,
    en_name: person.en_name ?? person.name ?? `User ${suffix}`,
    avatar_url: avatar(user.openId, 72),
    avatar_thumb: avatar(user.openId, 72),
    avatar_middle: avatar(user.openId, 240),
    avatar_big: avatar(user.openId, 640),
    open_id: ids.open_id,
    union_id: ids.union_id,
    tenant_key: tenant.key,
    // A field scope: only when the person granted it (the default userScopes do not enable it).
    ...(user.scopes.includes("contact:user.employee_id:readonly") ? { user_id: ids.user_id } : {}),
  });
}

/**
 * The person's tokens of `tokenType` die now (both kinds: the grant too), and the event says so. `user_id` is
 * left out: it needs a field scope the emulator does not model [?].
 */
export function revokeAuthorization(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  input: {
    openId: string;
    tenantKey?: string;
    reason?: RevokeReason;
    tokenType?: UserTokenRevokedEvent["revoke_token_type"];
  },
): EventEnvelope<UserTokenRevokedEvent> {
  const tenant =
    input.tenantKey === undefined
      ? ([state.tenants.default, ...state.tenants.all()].find((t) => t.isKnownUser(input.openId)) ??
        state.tenants.default)
      : state.tenants.require(input.tenantKey, "revokeAuthorization");
  const tokenType = input.tokenType ?? "user_access_token refresh_token";
  const kinds = tokenType
    .split(" ")
    .map((k): "access" | "refresh" => (k === "refresh_token" ? "refresh" : "access"));
  state.oauth.revokePerson(input.openId, tenant.key, kinds);
  const { open_id, union_id } = tenant.addUser(input.openId);
  const event: UserTokenRevokedEvent = {
    open_id,
    union_id,
    revoke_token_type: tokenType,
    revoke_reason: REASONS[input.reason ?? "user"],
  };
  return envelope(options, OAUTH.REVOKED_EVENT, event, tenant.key);
}
