import type { CardAction, Incoming } from "../core/incoming";
import { asObject, requireString } from "./envelope";
import { readBotAdded, readMessageEvent } from "./message";

/** The event types the bot acts on; anything else is acknowledged and ignored. */
export const KNOWN_EVENT_TYPES = [
  "im.message.receive_v1",
  "im.chat.member.bot.added_v1",
  "card.action.trigger",
  "app_ticket",
  "app_uninstalled",
  "app_status_change",
  "auth.user_access_token.revoked_v4",
] as const;

/**
 * Turns a verified event body into an Incoming (core/incoming.ts). `event` is the event object (v2 `event`, v1 `event`), or the
 * SDK dispatcher's flattened object, which carries the same fields. Throws WebhookError(400) on a bad shape.
 */
export function readIncoming(
  eventType: string,
  eventId: string,
  tenantKey: string,
  event: Record<string, unknown>,
): Incoming {
  switch (eventType) {
    case "im.message.receive_v1":
      return { kind: "message", tenantKey, message: readMessageEvent(event, eventId) };
    case "im.chat.member.bot.added_v1":
      return { kind: "bot_added", tenantKey, eventId, ...readBotAdded(event) };
    case "card.action.trigger":
      return { kind: "card_action", action: readCardAction(event, eventId, tenantKey) };
    case "app_ticket":
      return { kind: "app_ticket", eventId, ticket: requireString(event.app_ticket, "event.app_ticket") };
    case "app_uninstalled":
      return { kind: "tenant_status", eventId, tenantKey, status: "uninstalled" };
    case "app_status_change": {
      // A tenant stopping the app is treated like an uninstall; starting it again brings the tenant back.
      const status = event.status === "start_by_tenant" ? "active" : "uninstalled";
      return { kind: "tenant_status", eventId, tenantKey, status };
    }
    case "auth.user_access_token.revoked_v4":
      return {
        kind: "user_revoked",
        eventId,
        tenantKey,
        openId: requireString(event.open_id, "event.open_id"),
      };
    default:
      return { kind: "other", eventId, eventType };
  }
}

/** Reads a card.action.trigger event body (callbacks of JSON 2.0 cards). */
export function readCardAction(
  event: Record<string, unknown>,
  eventId: string,
  tenantKey: string,
): CardAction {
  const operator = asObject(event.operator, "event.operator");
  const action = asObject(event.action, "event.action");
  const context = asObject(event.context, "event.context");
  return {
    eventId,
    tenantKey,
    operatorOpenId: requireString(operator.open_id, "event.operator.open_id"),
    openMessageId: requireString(context.open_message_id, "event.context.open_message_id"),
    chatId: typeof context.open_chat_id === "string" ? context.open_chat_id : "",
    value: readValue(action.value),
  };
}

/**
 * Reads the legacy card callback's flat body. It has no event id: the update token (`c-...`, one per click)
 * serves as the dedupe key.
 */
export function readLegacyCardAction(body: Record<string, unknown>): CardAction {
  const action = asObject(body.action, "action");
  const token = requireString(body.token, "token");
  const tenantKey = typeof body.tenant_key === "string" ? body.tenant_key : "";
  return {
    eventId: `legacy:${token.slice(0, 200)}`,
    tenantKey,
    operatorOpenId: requireString(body.open_id, "open_id"),
    openMessageId: requireString(body.open_message_id, "open_message_id"),
    chatId: typeof body.open_chat_id === "string" ? body.open_chat_id : "",
    value: readValue(action.value),
  };
}

/** A button value is an object; some clients send it as a JSON string. Anything else is an empty value. */
function readValue(raw: unknown): Record<string, unknown> {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      value = {};
    }
  }
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
