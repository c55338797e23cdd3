import * as z from "zod";
import { API_ERRORS, type ApiErrorCode } from "./errors";
import { API_BURST, API_REQUESTS_PER_SECOND } from "./rate-limit";
import { apiSchemas, IDEMPOTENCY_KEY, ListQuery, MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY_CHARS } from "./schemas";

type Json = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string, description: string) => ({
  description,
  content: { "application/json": { schema: ref(id) } },
});

/** The error answers of a route, grouped by status (from the one table in errors.ts). */
function errors(...codes: ApiErrorCode[]): Json {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) byStatus.set(API_ERRORS[code], [...(byStatus.get(API_ERRORS[code]) ?? []), code]);
  const out: Json = {};
  for (const [status, named] of byStatus) {
    out[String(status)] = json("Error", `\`error.code\`: ${named.map((c) => `\`${c}\``).join(", ")}`);
  }
  return out;
}

const watchId = {
  name: "watch_id",
  in: "path",
  required: true,
  description: "The `watch_id` a POST answered with.",
  schema: { type: "string", pattern: "^[1-9][0-9]{0,14}$" },
};

const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Makes a retry safe: the same key (per token, for 24 h) answers `200` with the same watch and posts " +
    "nothing; with a different body, `422`.",
  schema: { type: "string", pattern: IDEMPOTENCY_KEY.source, maxLength: MAX_IDEMPOTENCY_KEY_CHARS },
};

/** Query parameters from the same schema the route validates them with. */
function listParameters(): Json[] {
  return Object.entries(ListQuery.shape).map(([name, schema]) => {
    const { $schema: _, description, ...rest } = z.toJSONSchema(schema, { io: "input" }) as Json;
    return { name, in: "query", required: false, description, schema: rest };
  });
}

/** Component schemas from the registry, as JSON Schema 2020-12 (OpenAPI 3.1's dialect). */
function components(): Json {
  const { schemas } = z.toJSONSchema(apiSchemas, {
    target: "draft-2020-12",
    io: "input",
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Json = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // The id and dialect are the document's own (components, OpenAPI 3.1's JSON Schema 2020-12).
    const { $schema: _, $id: __, ...rest } = schema as Json;
    out[id] = rest;
  }
  return out;
}

const common = errors("unauthorized", "rate_limited", "store_unavailable");
const BODY_ERRORS: ApiErrorCode[] = [
  "invalid_json",
  "invalid_body",
  "unknown_field",
  "invalid_task_id",
  "invalid_target",
  "invalid_chat_id",
  "invalid_open_id",
  "invalid_mention_open_id",
  "invalid_note",
  "invalid_idempotency_key",
  "payload_too_large",
  "unsupported_media_type",
  "idempotency_key_reused",
];

/** The version of the API's contract (not of the bot): a breaking change would be /api/v2. */
export const API_VERSION = "1.0.0";

/** The watch API as an OpenAPI 3.1 document (GET /api/v1/openapi.json). Holds no token and no host. */
export function openApiDocument(): Json {
  return {
    openapi: "3.1.1",
    info: {
      title: "Feishu task-status bot: watch API",
      version: API_VERSION,
      description:
        "Watch a Drive folder task (move or delete) from a script: the bot posts a live card in a chat or a " +
        "direct message and one completion notice when the task ends. " +
        `Rate limit: ${API_REQUESTS_PER_SECOND} requests per second per token, bursts of ${API_BURST} ` +
        `(\`429\` with \`Retry-After\`). Bodies: \`application/json\`, at most ${MAX_BODY_BYTES} bytes.`,
    },
    security: [{ bearer: [] }],
    paths: {
      "/api/v1/watches": {
        post: {
          operationId: "createWatch",
          summary: "Watch a task",
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("CreateWatchRequest") } },
          },
          responses: {
            "201": json("Watch", "Recorded; the card is posted right after."),
            "200": json(
              "Watch",
              "Already answered (same Idempotency-Key), or the task is already watched in that chat.",
            ),
            ...errors(...BODY_ERRORS),
            ...common,
          },
        },
        get: {
          operationId: "listWatches",
          summary: "The watches this token created",
          parameters: listParameters(),
          responses: { "200": json("WatchList", "Oldest first."), ...errors("invalid_query"), ...common },
        },
      },
      "/api/v1/watches/{watch_id}": {
        parameters: [watchId],
        get: {
          operationId: "getWatch",
          summary: "One watch's state",
          responses: {
            "200": json("Watch", "The watch."),
            ...errors("invalid_watch_id", "watch_not_found"),
            ...common,
          },
        },
        delete: {
          operationId: "stopWatch",
          summary: "Stop watching (the card says so; no notice follows)",
          responses: {
            "200": json("Watch", "Stopped, or already ended (its final state)."),
            ...errors("invalid_watch_id", "watch_not_found"),
            ...common,
          },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          operationId: "openApiDocument",
          summary: "This document",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": {} } } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "One of the deployment's API_TOKENS." },
      },
      schemas: components(),
    },
  };
}
