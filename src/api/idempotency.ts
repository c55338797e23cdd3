import { createHash } from "node:crypto";
import type { NewWatch } from "../core/watch";
import type { ApiClient } from "./auth";
import { ApiError } from "./errors";
import type { CreateWatchBody } from "./schemas";

/**
 * What makes a watch request the same as another: the watch it asks for, and the digest that an
 * Idempotency-Key is recorded with (remembered 24 h: the store purges older keys). Pure; the store keeps them.
 */

export function keyReused(): ApiError {
  return new ApiError(
    "idempotency_key_reused",
    "this Idempotency-Key was used in the last 24 h with a different body; use a new key for a new request",
  );
}

export function newWatchOf(client: ApiClient, tenantKey: string, body: CreateWatchBody): NewWatch {
  const inChat = "chat_id" in body;
  return {
    tenantKey,
    taskId: body.task_id,
    origin: "api",
    // A chat id may name a group or a DM; "group" only decides whether the notice @-mentions someone.
    chatId: inChat ? body.chat_id : "",
    chatType: inChat ? "group" : "p2p",
    receiveOpenId: inChat ? null : body.open_id,
    requesterOpenId: body.mention_open_id ?? "",
    commandMessageId: null,
    note: body.note ?? null,
    apiClient: client.id,
  };
}

/** A digest of what a request asks, independent of the order or spacing of its JSON. */
export function digestOf(body: CreateWatchBody): string {
  const fields = Object.entries(body).sort(([a], [b]) => a.localeCompare(b));
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64url");
}
