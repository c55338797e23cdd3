/**
 * Feishu's rate limits, enforced with sliding windows. Feishu applies them "per API, per app, per tenant"
 * (频控策略: 每个 API、每个应用、每个租户): every window below exists once per tenant (the tenant of the call's
 * token), so a store app's tenants never share one. How calls count (README "Rate limits"):
 * - gateway limits (message API per second and per minute, task_check per second) are checked right after
 *   the token check; every call they admit counts, whatever the route answers next;
 * - per-chat and per-message limits (230020) are checked last, once the call is otherwise valid;
 * - a call refused by a limit counts in no window. A limit of 0 (or Infinity) is no limit.
 */
import { type Answer, fail } from "./answer";
import { CODES, GATEWAY_RATE_LIMIT_MSG, HTTP, IM_RATE_LIMIT_MSG } from "./constants";
import type { GatewayGroup } from "./routes";
import type { EmulatorOptions, RateLimitName } from "./types";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

interface Refusal {
  name: RateLimitName;
  limit: number;
  resetSeconds: number;
}

/** Arrival times of the admitted calls, per key, oldest first. */
export class SlidingWindows {
  private readonly times = new Map<string, number[]>();

  /** Seconds until a slot frees up when the window is full, else undefined. Does not count the call. */
  full(key: string, limit: number, windowMs: number, now: number): number | undefined {
    if (!(limit > 0) || limit === Number.POSITIVE_INFINITY) return undefined;
    const times = this.times.get(key);
    if (!times) return undefined;
    while (times.length > 0 && now - times[0] >= windowMs) times.shift();
    if (times.length < limit) return undefined;
    return Math.max(1, Math.ceil((times[times.length - limit] + windowMs - now) / SECOND));
  }

  count(key: string, now: number): void {
    const times = this.times.get(key);
    if (times) times.push(now);
    else this.times.set(key, [now]);
  }

  clear(): void {
    this.times.clear();
  }
}

/** Admits the call into every window (and counts it there), or names the limit that refuses it. */
function admit(
  windows: SlidingWindows,
  checks: Array<{ key: string; name: RateLimitName; limit: number; windowMs: number }>,
  now: number,
): Refusal | undefined {
  let refusal: Refusal | undefined;
  for (const c of checks) {
    const resetSeconds = windows.full(c.key, c.limit, c.windowMs, now);
    if (resetSeconds !== undefined && (!refusal || resetSeconds > refusal.resetSeconds)) {
      refusal = { name: c.name, limit: c.limit, resetSeconds };
    }
  }
  if (refusal) return refusal;
  for (const c of checks) if (c.limit > 0 && c.limit !== Number.POSITIVE_INFINITY) windows.count(c.key, now);
  return undefined;
}

const headers = (r: Refusal) => ({
  "x-ogw-ratelimit-limit": String(r.limit),
  "x-ogw-ratelimit-reset": String(r.resetSeconds),
});

/**
 * HTTP 429 / 99991400 when a gateway limit of the app in this tenant is reached; undefined when admitted (and
 * counted).
 */
export function gatewayLimit(
  windows: SlidingWindows,
  options: Required<EmulatorOptions>,
  group: GatewayGroup | undefined,
  now: number,
  tenantKey: string,
): Answer | undefined {
  let refusal: Refusal | undefined;
  const t = `${tenantKey}|`;
  if (group === "message_api") {
    const perSecond = options.messageApiPerSecond;
    const perMinute = options.messageApiPerMinute;
    refusal = admit(
      windows,
      [
        { key: `${t}app:s`, name: "messageApiPerSecond", limit: perSecond, windowMs: SECOND },
        { key: `${t}app:m`, name: "messageApiPerMinute", limit: perMinute, windowMs: MINUTE },
      ],
      now,
    );
  } else if (group === "task_check") {
    const limit = options.taskCheckPerSecond;
    refusal = admit(windows, [{ key: `${t}task`, name: "taskCheckPerSecond", limit, windowMs: SECOND }], now);
  } else if (group === "oauth_token_v3" || group === "oauth_token_v2") {
    // Per API: v3 and v2 count apart [?]; the 429 / 99991400 shape of the gateway is assumed there too [?].
    refusal = admit(
      windows,
      [
        {
          key: `${t}${group}:s`,
          name: "oauthTokenPerSecond",
          limit: options.oauthTokenPerSecond,
          windowMs: SECOND,
        },
        {
          key: `${t}${group}:m`,
          name: "oauthTokenPerMinute",
          limit: options.oauthTokenPerMinute,
          windowMs: MINUTE,
        },
      ],
      now,
    );
  }
  if (!refusal) return undefined;
  const answer = fail(HTTP.GATEWAY_RATE_LIMITED, CODES.GATEWAY_RATE_LIMITED, GATEWAY_RATE_LIMIT_MSG);
  return { ...answer, headers: headers(refusal), rateLimit: refusal.name };
}

/**
 * HTTP 400 / 230020 when `limit` calls of this tenant already went to this chat or message within the last
 * second.
 */
export function imLimit(
  windows: SlidingWindows,
  name: "messagesPerSecondPerChat" | "patchPerSecondPerMessage",
  target: string,
  limit: number,
  now: number,
  tenantKey: string,
): Answer | undefined {
  const key = `${tenantKey}|${name}:${target}`;
  const refusal = admit(windows, [{ key, name, limit, windowMs: SECOND }], now);
  if (!refusal) return undefined;
  const answer = fail(HTTP.IM_RATE_LIMITED, CODES.IM_RATE_LIMITED, IM_RATE_LIMIT_MSG);
  return { ...answer, headers: headers(refusal), rateLimit: name };
}
