/**
 * Every failed Feishu call becomes one FeishuApiError, whether the SDK resolved with `code !== 0`,
 * rejected with an axios error (4xx/5xx), or never got an answer (network error, timeout).
 */
export class FeishuApiError extends Error {
  constructor(
    readonly operation: string,
    /** Feishu's business code; 0 when there was none (network error, non-JSON answer). */
    readonly code: number,
    /** HTTP status; 0 when no answer arrived. */
    readonly httpStatus: number,
    readonly feishuMsg: string,
    /** Seconds to wait, from `x-ogw-ratelimit-reset`, when Feishu sent it. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${operation} failed: ${httpStatus ? `HTTP ${httpStatus}, ` : ""}code ${code}: ${feishuMsg}`);
    this.name = "FeishuApiError";
  }
}

/** How the caller should react to a failure. The engine's policy reads this table. */
export type FailureKind =
  | "transient" // retry with backoff: 5xx, 1061001, network errors, timeouts, 1061045
  | "rate_limited" // wait retryAfterSeconds (or back off): HTTP 429, 99991400, 230020
  | "auth" // token invalid/expired: drop the cached token and retry once
  | "task_not_found" // 1061003, 1061004: the task does not exist or this app cannot see it
  | "task_invalid" // 1061002: Feishu rejects the id
  | "card_gone" // 230011, 230110: the message (card or command) was recalled or deleted
  | "card_too_old" // 230031: the card cannot be patched any more
  | "chat_refused" // the chat or user takes no message from the bot, whatever we send: the watch ends
  | "content_refused" // this message is refused as it is: sending it again never helps
  | "permanent"; // anything else: do not retry

/**
 * Every IM error code the message pages document, and the task_check ones. Codes not listed fall back on the
 * HTTP status (429 rate limited, 5xx or no answer transient, other 4xx permanent).
 */
const BY_CODE: Record<number, FailureKind> = {
  1061001: "transient", // task_check: internal error
  1061045: "transient", // concurrent-call conflict, a retry succeeds
  1061002: "task_invalid", // params error
  1061003: "task_not_found", // not found
  1061004: "task_not_found", // forbidden: this app may not see the task
  1062501: "task_not_found", // no permission on the node: this app may not see the task
  99991400: "rate_limited", // gateway frequency limit
  230020: "rate_limited", // IM frequency limit (per chat, per message)
  99991663: "auth", // tenant token invalid
  99991677: "auth", // tenant token expired
  99991664: "auth", // app access token invalid (store apps)
  10012: "auth", // app_ticket invalid (store apps): a new one is asked for
  230011: "card_gone", // message recalled
  230110: "card_gone", // message deleted
  230031: "card_too_old", // older than 14 days: cannot be updated
  230002: "chat_refused", // the bot is not in the chat
  232009: "chat_refused", // the chat was dissolved
  230018: "chat_refused", // the group is muted (only owners and admins may speak)
  230035: "chat_refused", // speaking in the group is restricted
  230027: "chat_refused", // external chat without permission (external sharing off)
  230053: "chat_refused", // the user blocked the bot
  230013: "chat_refused", // the user is outside the app's availability
  230001: "content_refused", // invalid request parameter
  230012: "content_refused", // the bot is not the sender of the message it updates
  230025: "content_refused", // content too long
  230099: "content_refused", // card content rejected (details and sub-code in msg)
  99992402: "content_refused", // field validation failed
};

/** Kinds that retrying (later) may fix; everything else is final for that call. */
export function isRetryable(kind: FailureKind): boolean {
  return kind === "transient" || kind === "rate_limited" || kind === "auth";
}

/**
 * What a failure means for a person's identity (user authorization): of a call made with their
 * user_access_token, or of the OAuth token endpoint refreshing it. `expired`: refresh, then call again;
 * `retry`: try again later with the same tokens; `dead`: the identity is over, forget its tokens and ask the
 * person to authorize again. Codes: user-tokens.md §2.
 */
export type IdentityFailure = "retry" | "expired" | "dead";

const BY_IDENTITY_CODE: Record<number, IdentityFailure> = {
  99991677: "expired", // user_access_token expired
  99991668: "dead", // user_access_token invalid (revoked, or the API takes no user token)
  99991679: "dead", // the person has not granted the scope
  20050: "retry", // OAuth: server error
  20072: "retry", // OAuth: service unavailable
  20026: "dead", // refresh token invalid (not a v2/v3 one)
  20037: "dead", // refresh token expired (or the 365-day cap)
  20064: "dead", // refresh token revoked
  20073: "dead", // refresh token already used
  20074: "dead", // the app may not refresh (console switch off)
  20010: "dead", // the person may not use the app
  20008: "dead", // the person does not exist
  20066: "dead", // the person's status is invalid
};

/** Codes the identity table knows (tests check each has a row of its own). */
export const IDENTITY_CODES: readonly number[] = Object.keys(BY_IDENTITY_CODE).map(Number);

export function classifyIdentity(error: unknown): IdentityFailure {
  if (!(error instanceof FeishuApiError)) return "retry";
  const byCode = BY_IDENTITY_CODE[error.code];
  if (byCode) return byCode;
  if (error.httpStatus === 0 || error.httpStatus === 429 || error.httpStatus >= 500) return "retry";
  return "dead"; // any other refusal of a refresh means: authorize again (as Feishu's own CLI does)
}

export function classify(error: unknown): FailureKind {
  if (!(error instanceof FeishuApiError)) return "transient";
  const byCode = BY_CODE[error.code];
  if (byCode) return byCode;
  if (error.httpStatus === 429) return "rate_limited";
  if (error.httpStatus === 0 || error.httpStatus >= 500) return "transient";
  return "permanent";
}

interface AxiosLikeError {
  response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
  code?: string;
  message?: string;
}

/** Builds a FeishuApiError from whatever the SDK threw, keeping no request data (it may hold secrets). */
export function toFeishuError(operation: string, error: unknown): FeishuApiError {
  if (error instanceof FeishuApiError) return error;
  const e = (error ?? {}) as AxiosLikeError;
  // The SDK's token manager throws a plain Error carrying the token endpoint's code (HTTP 200, no token).
  const token = /failed to get \w+, code: (\d+), msg: (.*)$/.exec(e.message ?? "");
  if (!e.response && token)
    return new FeishuApiError(`${operation} (token)`, Number(token[1]), 200, token[2]);
  const response = e.response;
  if (!response) {
    const reason = e.code ?? "network error";
    return new FeishuApiError(operation, 0, 0, `${reason} (no answer from Feishu)`);
  }
  const data = (response.data ?? {}) as { code?: unknown; msg?: unknown };
  const code = typeof data.code === "number" ? data.code : 0;
  const msg = typeof data.msg === "string" ? data.msg : `HTTP ${response.status ?? 0}`;
  return new FeishuApiError(operation, code, response.status ?? 0, msg, readResetHeader(response.headers));
}

function readResetHeader(headers: Record<string, unknown> | undefined): number | undefined {
  const raw = headers?.["x-ogw-ratelimit-reset"];
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
