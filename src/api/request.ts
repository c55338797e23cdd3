import type * as z from "zod";
import { ApiError, type ApiErrorCode } from "./errors";
import {
  type CreateWatchBody,
  IDEMPOTENCY_KEY,
  ListQuery,
  MAX_IDEMPOTENCY_KEY_CHARS,
  WatchForUser,
  WatchInChat,
} from "./schemas";

/** The fields a watch request may carry, and the error code of each when it is wrong. */
const FIELD_CODES: Record<string, ApiErrorCode> = {
  task_id: "invalid_task_id",
  chat_id: "invalid_chat_id",
  open_id: "invalid_open_id",
  mention_open_id: "invalid_mention_open_id",
  note: "invalid_note",
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a `POST /api/v1/watches` body into a request, or throws an ApiError whose code names the first
 * problem. The target is decided first (exactly one of chat_id / open_id), then that branch of the documented
 * schema (CreateWatchRequest) validates the whole body, so a field's own code can be given.
 */
export function parseCreateBody(body: unknown): CreateWatchBody {
  if (!isPlainObject(body)) throw new ApiError("invalid_body", "the body must be a JSON object");
  const unknown = Object.keys(body).find((key) => !(key in FIELD_CODES));
  if (unknown !== undefined) {
    throw new ApiError("unknown_field", `unknown field "${unknown.slice(0, 40)}"`);
  }
  const inChat = body.chat_id !== undefined;
  const forUser = body.open_id !== undefined;
  if (inChat === forUser) {
    throw new ApiError(
      "invalid_target",
      "give exactly one of chat_id (a chat) and open_id (a direct message)",
    );
  }
  const parsed = (inChat ? WatchInChat : WatchForUser).safeParse(body);
  if (!parsed.success) throw fromIssue(parsed.error.issues[0]);
  return parsed.data;
}

function fromIssue(issue: z.core.$ZodIssue | undefined): ApiError {
  const field = String(issue?.path[0] ?? "");
  const code = FIELD_CODES[field] ?? "invalid_body";
  const problem = issue?.code === "invalid_type" ? "is missing or not a string" : (issue?.message ?? "");
  return new ApiError(code, field ? `${field}: ${problem}` : problem || "invalid body");
}

/** The Idempotency-Key header: absent, or 1 to 255 visible ASCII characters. */
export function readIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new ApiError(
      "invalid_idempotency_key",
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters`,
    );
  }
  return header;
}

export interface ListRequest {
  chatId?: string;
  openOnly: boolean;
  limit: number;
}

export const DEFAULT_LIST_LIMIT = 50;

export function parseListQuery(query: unknown): ListRequest {
  // Express gives a repeated parameter as an array: the schema refuses it like any other bad value.
  const parsed = ListQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : String(issue?.path[0] ?? "");
    const problem = issue?.code === "unrecognized_keys" ? "unknown parameter" : issue?.message;
    throw new ApiError("invalid_query", `${where.slice(0, 40)}: ${problem}`);
  }
  const { chat_id, open, limit } = parsed.data;
  return {
    ...(chat_id ? { chatId: chat_id } : {}),
    openOnly: open !== "false",
    limit: limit ? Number(limit) : DEFAULT_LIST_LIMIT,
  };
}

/** A watch id in a path: the decimal id the API answered with. */
export function parseWatchId(raw: string): number {
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new ApiError("invalid_watch_id", "a watch id is a decimal number");
  return Number(raw);
}
