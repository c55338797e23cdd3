import type { Response } from "express";

/**
 * Every error the watch API answers, with its HTTP status: one table, read by the router, the handlers and
 * the OpenAPI document. A code never changes once published; add new ones instead.
 */
export const API_ERRORS = {
  /** `Authorization: Bearer <token>` missing, malformed or not one of API_TOKENS. */
  unauthorized: 401,
  /** No such route (or the API is off: API_TOKENS is empty). */
  not_found: 404,
  /** No watch with this id in this token's tenant. */
  watch_not_found: 404,
  method_not_allowed: 405,
  /** The body is not JSON (or not a JSON object). */
  invalid_json: 400,
  /** The body is JSON but not an object of the documented shape. */
  invalid_body: 400,
  /** A field the API does not know. */
  unknown_field: 400,
  /** `task_id` is missing or not a Drive task id (decimal digits). */
  invalid_task_id: 400,
  /** Neither or both of `chat_id` and `open_id`. */
  invalid_target: 400,
  invalid_chat_id: 400,
  invalid_open_id: 400,
  invalid_mention_open_id: 400,
  /** `note` is not a string, or longer than 200 characters. */
  invalid_note: 400,
  invalid_idempotency_key: 400,
  invalid_watch_id: 400,
  invalid_query: 400,
  payload_too_large: 413,
  /** A body that is not `application/json` (UTF-8, no content encoding). */
  unsupported_media_type: 415,
  /** The Idempotency-Key was used (within 24 h) with a different body. */
  idempotency_key_reused: 422,
  /** Too many requests from this token: wait `Retry-After` seconds. */
  rate_limited: 429,
  internal_error: 500,
  /** The store could not be read or written: nothing was recorded; try again later. */
  store_unavailable: 503,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** A refused request: the router answers `{"error": {"code", "message"}}` with the table's status. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers (Retry-After, Allow, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = "ApiError";
  }

  get status(): number {
    return API_ERRORS[this.code];
  }
}

export function sendError(res: Response, error: ApiError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json({ error: { code: error.code, message: error.message } });
}

/** What express's body parser throws (body-parser's http-errors), mapped to our codes. */
export function fromBodyParser(error: unknown): ApiError | undefined {
  const e = error as { type?: unknown; status?: unknown; limit?: unknown };
  if (typeof e?.type !== "string" || typeof e.status !== "number") return undefined;
  switch (e.type) {
    case "entity.too.large":
      return new ApiError("payload_too_large", `the body is larger than ${String(e.limit)} bytes`);
    case "entity.parse.failed":
      return new ApiError("invalid_json", "the body is not a JSON object");
    case "charset.unsupported":
    case "encoding.unsupported":
      return new ApiError("unsupported_media_type", "send the body as UTF-8 JSON without Content-Encoding");
    default:
      return new ApiError("invalid_json", "the body could not be read");
  }
}

/** Wraps a store call: whatever it throws becomes a 503 (nothing was recorded, the client may retry). */
export async function stored<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ApiError(
      "store_unavailable",
      "the bot's database is not available; try again later",
      { "Retry-After": "5" },
      error,
    );
  }
}
