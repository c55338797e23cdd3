import type { CardState } from "../../cards/types";
import type { Watch } from "../core/watch";
import type { ApiState, WatchBody } from "./schemas";

/** Who stopped a watch through the API: `stoppedBy` holds this prefix and the client id (never an open_id). */
export const API_STOPPER_PREFIX = "api:";

/** The API state of each card state; `unknown` (a status we do not know) is still being watched. */
const STATE_OF_CARD: Readonly<Record<CardState, ApiState>> = {
  running: "running",
  unknown: "running",
  success: "success",
  fail: "fail",
  stopped: "stopped",
  timed_out: "timed_out",
  not_found: "not_found",
  invalid: "not_found",
  // A command's watch waiting for its requester's authorization (API watches never wait for one).
  awaiting_auth: "running",
};

/** Feishu's refusal codes (see src/feishu/errors.ts) in words a script can act on. */
const REFUSALS: Readonly<Record<number, string>> = {
  230002: "bot_not_in_chat",
  232009: "chat_dissolved",
  230018: "chat_muted",
  230035: "chat_muted",
  230027: "external_chat",
  230053: "user_unreachable",
  230013: "user_unreachable",
  230001: "message_refused",
  230025: "message_refused",
  230099: "message_refused",
  99992402: "message_refused",
};

/** Why a watch ended other than by its task (`endReason` such as "refused:230002", "gave_up:new"). */
export function endReasonOf(w: Watch): { reason: string | null; code: number | null } {
  const raw = w.endReason;
  if (raw?.startsWith("refused:")) {
    const code = Number(raw.slice("refused:".length));
    return { reason: REFUSALS[code] ?? "refused", code: Number.isInteger(code) ? code : null };
  }
  if (raw?.startsWith("gave_up:")) return { reason: "gave_up", code: null };
  if (raw) return { reason: raw, code: null };
  if (w.state === "invalid") return { reason: "task_id_rejected", code: null };
  const stopper = w.stoppedBy ?? (isOpen(w) ? w.stopRequestedBy : null);
  if (stopper !== null && (w.state === "stopped" || isOpen(w))) {
    return {
      reason: stopper.startsWith(API_STOPPER_PREFIX) ? "stopped_via_api" : "stopped_in_chat",
      code: null,
    };
  }
  return { reason: null, code: null };
}

function isOpen(w: Watch): boolean {
  return w.phase === "new" || w.phase === "active";
}

/**
 * The state a script sees. While watched: `running`, or `stopped` once a stop is asked (the card says so at
 * once). Once its task ended: the card's state. A watch that ended before its task did (a refused chat,
 * a Feishu that kept failing, an uninstalled tenant) is `stopped`, and `end_reason` says why.
 */
export function apiStateOf(w: Watch): ApiState {
  if (isOpen(w)) return w.stopRequestedBy !== null ? "stopped" : "running";
  const state = STATE_OF_CARD[w.state];
  return state === "running" && w.phase === "done" ? "stopped" : state;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A watch as the API answers it (the `Watch` component of the OpenAPI document). */
export function toApiWatch(w: Watch): WatchBody {
  const ended = endReasonOf(w);
  return {
    watch_id: String(w.id),
    task_id: w.taskId,
    state: apiStateOf(w),
    end_reason: ended.reason,
    feishu_code: ended.code,
    origin: w.origin,
    chat_id: w.chatId || null,
    open_id: w.receiveOpenId,
    mention_open_id: w.requesterOpenId || null,
    note: w.note,
    card_message_id: w.cardMessageId,
    created_at: new Date(w.createdAt).toISOString(),
    last_checked_at: iso(w.lastCheckAt),
    finished_at: iso(w.finishedAt),
  };
}
