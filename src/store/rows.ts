import type { InboxItem, InboxPayload } from "../core/inbox-item";
import { readChatType } from "../core/incoming";
import type { Watch, WatchChanges } from "../core/watch";
import type { AuthState, StoredUserToken } from "./roles";

/** Column of each changeable watch field: the same in SQLite and PostgreSQL. */
export const COLUMNS: Readonly<Record<keyof WatchChanges, string>> = {
  chatId: "chat_id",
  cardMessageId: "card_message_id",
  phase: "phase",
  state: "state",
  rawStatus: "raw_status",
  cardHash: "card_hash",
  cardDisabled: "card_disabled",
  notify: "notify",
  nextCheckAt: "next_check_at",
  checks: "checks",
  failures: "failures",
  lastCheckAt: "last_check_at",
  shownCheckAt: "shown_check_at",
  finishedAt: "finished_at",
  stoppedBy: "stopped_by",
  endReason: "end_reason",
  asUser: "as_user",
  authUntil: "auth_until",
};

/** A watches row (SQLite or PostgreSQL: numbers may come as strings, booleans as 0/1) as a Watch. */
export function toWatch(r: Record<string, unknown>): Watch {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const bool = (v: unknown) => v === true || Number(v) === 1;
  return {
    id: Number(r.id),
    tenantKey: String(r.tenant_key ?? ""),
    taskId: String(r.task_id),
    origin: r.origin === "api" ? "api" : "command",
    chatId: String(r.chat_id ?? ""),
    chatType: readChatType(r.chat_type),
    receiveOpenId: str(r.receive_open_id),
    requesterOpenId: String(r.requester_open_id ?? ""),
    commandMessageId: str(r.command_message_id),
    note: str(r.note),
    cardMessageId: str(r.card_message_id),
    phase: String(r.phase) as Watch["phase"],
    state: String(r.state) as Watch["state"],
    rawStatus: str(r.raw_status),
    cardHash: str(r.card_hash),
    cardDisabled: bool(r.card_disabled),
    notify: bool(r.notify),
    nextCheckAt: Number(r.next_check_at),
    checks: Number(r.checks),
    failures: Number(r.failures),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    lastCheckAt: num(r.last_check_at),
    shownCheckAt: num(r.shown_check_at),
    finishedAt: num(r.finished_at),
    stoppedBy: str(r.stopped_by),
    stopRequestedBy: str(r.stop_requested_by),
    endReason: str(r.end_reason),
    apiClient: str(r.api_client),
    asUser: str(r.as_user),
    authUntil: num(r.auth_until),
  };
}

/** Claimed inbox rows (SQLite or PostgreSQL) as items, oldest first. */
export function toInboxItems(rows: Record<string, unknown>[]): InboxItem[] {
  return rows
    .map((r) => ({
      key: String(r.message_id),
      payload: JSON.parse(String(r.payload)) as InboxPayload,
      receivedAt: Number(r.received_at),
      attempts: Number(r.attempts),
    }))
    .sort((a, b) => a.receivedAt - b.receivedAt);
}

/** A user_tokens row (SQLite or PostgreSQL) as a StoredUserToken (its tokens still sealed). */
export function toUserToken(r: Record<string, unknown>): StoredUserToken {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    tenantKey: String(r.tenant_key),
    openId: String(r.open_id),
    accessToken: String(r.access_token),
    accessExpiresAt: Number(r.access_expires_at),
    refreshToken: r.refresh_token === null || r.refresh_token === undefined ? null : String(r.refresh_token),
    refreshExpiresAt: num(r.refresh_expires_at),
    scope: String(r.scope),
    authorizedAt: Number(r.authorized_at),
    updatedAt: Number(r.updated_at),
  };
}

/** An auth_states row as an AuthState. */
export function toAuthState(r: Record<string, unknown>): AuthState {
  return {
    id: String(r.id),
    tenantKey: String(r.tenant_key),
    openId: String(r.open_id),
    watchId: r.watch_id === null || r.watch_id === undefined ? null : Number(r.watch_id),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
