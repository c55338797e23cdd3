import * as z from "zod";
import { DRIVE_TASK_ID, DRIVE_TASK_ID_MAX_DIGITS, DRIVE_TASK_ID_MIN_DIGITS } from "../core/task-id";

/**
 * The watch API's shapes, once: requests are validated with these schemas and the OpenAPI document is
 * generated from them (openapi.ts), so the two cannot drift. Every schema with an `id` becomes a component.
 */
export const apiSchemas = z.registry<{ id: string; description?: string }>();

/** Longest note a card shows; the card builder truncates at the same length. */
export const MAX_NOTE_CHARS = 200;
/** Longest Idempotency-Key accepted (visible ASCII). */
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;
export const IDEMPOTENCY_KEY = new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_CHARS}}$`);
/** Largest request body; a watch request is about 400 bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

export const TaskId = z
  .string()
  .regex(DRIVE_TASK_ID, `a Drive task id: ${DRIVE_TASK_ID_MIN_DIGITS} to ${DRIVE_TASK_ID_MAX_DIGITS} digits`)
  .meta({
    description: "The `task_id` Drive answered a folder move or delete with (decimal digits).",
    examples: ["7360595374803812356"],
  });

// Feishu's ids are a prefix and 32 hex digits today; the bound keeps them safe to put in an <at> tag.
export const ChatId = z
  .string()
  .regex(/^oc_[A-Za-z0-9_-]{1,61}$/, "a chat id: oc_ and letters, digits, _ or -")
  .meta({ description: "A chat the bot is in (`oc_...`).", examples: ["oc_5ad11d72b830411d72b836c20"] });

export const OpenId = z
  .string()
  .regex(/^ou_[A-Za-z0-9_-]{1,61}$/, "an open_id: ou_ and letters, digits, _ or -")
  .meta({
    description: "A user's open_id in this app (`ou_...`).",
    examples: ["ou_7d8a6e6df7621556ce0d21922"],
  });

const common = {
  task_id: TaskId,
  mention_open_id: OpenId.optional().meta({
    description: "In a group, the completion notice @-mentions this user; ignored in a direct message.",
  }),
  note: z
    .string()
    .max(MAX_NOTE_CHARS, `at most ${MAX_NOTE_CHARS} characters`)
    .optional()
    .meta({ description: "A short line shown on the card, as plain text (markup and mentions stay inert)." }),
};

export const WatchInChat = z.strictObject({
  ...common,
  chat_id: ChatId.meta({ description: "Post the card into this chat (the bot must be in it)." }),
});
export const WatchForUser = z.strictObject({
  ...common,
  open_id: OpenId.meta({ description: "Send the card to this user as a direct message." }),
});
export const CreateWatchRequest = z.xor([WatchInChat, WatchForUser]);
apiSchemas.add(WatchInChat, { id: "WatchInChat" });
apiSchemas.add(WatchForUser, { id: "WatchForUser" });
apiSchemas.add(CreateWatchRequest, {
  id: "CreateWatchRequest",
  description: "Exactly one of `chat_id` and `open_id`; no other fields.",
});
export type CreateWatchBody = z.infer<typeof CreateWatchRequest>;

export const API_STATES = ["running", "success", "fail", "stopped", "timed_out", "not_found"] as const;
export type ApiState = (typeof API_STATES)[number];

// ISO 8601 in UTC, as Date.toISOString writes it.
const instant = z.string().meta({ format: "date-time" });

export const WatchResource = z.strictObject({
  watch_id: z.string().meta({ description: "The watch's id, for GET and DELETE.", examples: ["42"] }),
  task_id: z.string(),
  state: z.enum(API_STATES).meta({
    description:
      "`running` until the task ends (an unrecognised task status is still `running`); then the task's " +
      "`success` or `fail`, or `stopped` (DELETE, `/stop`, the card's button, or a chat or user that " +
      "refused the card: see `end_reason`), `timed_out` (WATCH_TIMEOUT_MINUTES), `not_found`.",
  }),
  end_reason: z
    .string()
    .nullable()
    .meta({
      description:
        "Why the watch ended other than by its task, else null: `bot_not_in_chat`, `chat_dissolved`, " +
        "`chat_muted`, `external_chat`, `user_unreachable`, `message_refused`, `refused`, `gave_up`, " +
        "`stopped_via_api`, `stopped_in_chat`, `task_id_rejected`, or another reason added later.",
      examples: ["bot_not_in_chat"],
    }),
  feishu_code: z.int().nullable().meta({ description: "Feishu's error code behind `end_reason`, if any." }),
  origin: z
    .enum(["api", "command"])
    .meta({ description: "Created through this API or by `/status` in a chat." }),
  chat_id: z.string().nullable().meta({ description: "The chat of the card (for a DM: known once posted)." }),
  open_id: z.string().nullable().meta({ description: "The user a DM watch was sent to." }),
  mention_open_id: z.string().nullable().meta({ description: "Whom the completion notice @-mentions." }),
  note: z.string().nullable(),
  card_message_id: z.string().nullable().meta({ description: "The card's message id, once posted." }),
  created_at: instant,
  last_checked_at: instant.nullable(),
  finished_at: instant.nullable(),
});
apiSchemas.add(WatchResource, { id: "Watch" });
export type WatchBody = z.infer<typeof WatchResource>;

export const WatchList = z.strictObject({ watches: z.array(WatchResource) });
apiSchemas.add(WatchList, { id: "WatchList" });

export const MAX_LIST_LIMIT = 100;
/** `GET /api/v1/watches` query parameters (each a string, as URLs carry them). */
export const ListQuery = z.strictObject({
  chat_id: ChatId.optional().meta({ description: "Only the watches of this chat." }),
  open: z
    .enum(["true", "false"])
    .optional()
    .meta({ description: "`true` (default): only watches still running; `false`: ended ones too." }),
  limit: z
    .string()
    .regex(/^(?:100|[1-9]\d?)$/, `a whole number from 1 to ${MAX_LIST_LIMIT}`)
    .optional()
    .meta({ description: `At most this many watches, oldest first (1 to ${MAX_LIST_LIMIT}, default 50).` }),
});

export const ErrorResponse = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ description: "Stable, machine-readable; listed in docs/watch-api.md." }),
    message: z.string().meta({ description: "For people; may change." }),
  }),
});
apiSchemas.add(ErrorResponse, { id: "Error" });
