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

/** How the caller should react to a failure. The scheduler's policy reads this table. */
export type FailureKind =
  | "transient" // retry with backoff: 5xx, 1061001, network errors, timeouts, 1061045
  | "rate_limited" // wait retryAfterSeconds (or back off): HTTP 429, 99991400, 230020
  | "auth" // token invalid/expired: drop the cached token and retry once
  | "task_not_found" // 1061003, 1061004: the task does not exist or this app cannot see it
  | "task_invalid" // 1061002: Feishu rejects the id
  | "card_gone" // 230011, 230110: the card was recalled or deleted
  | "card_too_old" // 230031: the card cannot be patched any more
  | "chat_gone" // 230002, 232009: bot removed from the chat, chat dissolved
  | "permanent"; // anything else: do not retry

const BY_CODE: Record<number, FailureKind> = {
  1061001: "transient",
  1061045: "transient",
  1061002: "task_invalid",
  1061003: "task_not_found",
  1061004: "task_not_found",
  99991400: "rate_limited",
  230020: "rate_limited",
  99991663: "auth",
  99991677: "auth",
  230011: "card_gone",
  230110: "card_gone",
  230031: "card_too_old",
  230002: "chat_gone",
  232009: "chat_gone",
};

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
