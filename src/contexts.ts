import type { Locale } from "../cards/types";
import type { Identities } from "./auth/identities";
import type { CardActionContext, ChatContext, HandlerContext } from "./core/handling";
import type { IncomingMessage } from "./core/incoming";
import type { WatchReader } from "./core/watch";
import type { Logger } from "./logger";
import { messageUuid, type Outbox } from "./outbox";
import type { WatchEngine } from "./watch/engine";
import { AUTH_WINDOW_MS } from "./watch/policy";

/** What the handlers' contexts are made of: the app's parts, once. Each context is built per message or click. */
export interface ContextParts {
  watches: WatchReader;
  outbox: Outbox;
  engine: WatchEngine;
  locale: Locale;
  now: () => number;
  /** People's identities, when user authorization is on. */
  identities?: Identities;
}

/**
 * The context a command handler runs in: replies go to the command (in its topic) and carry a uuid derived from
 * the command and the reply's name.
 */
export function commandContext(
  parts: ContextParts,
  tenantKey: string,
  message: IncomingMessage,
  logger: Logger,
): HandlerContext {
  return {
    tenantKey,
    message,
    watches: parts.watches,
    logger,
    locale: parts.locale,
    now: parts.now,
    reply: async (content, name) => {
      const uuid = messageUuid("cmd", message.messageId, name);
      const to = { messageId: message.messageId, chatId: message.chatId };
      await parts.outbox.reply(tenantKey, to, content, uuid, "reply");
    },
    stopWatch: (watchId, by) => parts.engine.requestStop(watchId, by),
    userAuth: senderAuthorization(parts, tenantKey, message.senderOpenId),
  };
}

function senderAuthorization(
  parts: ContextParts,
  tenantKey: string,
  openId: string,
): HandlerContext["userAuth"] {
  const { identities } = parts;
  if (!identities) return undefined;
  return {
    link: () => identities.link(tenantKey, openId, null, parts.now() + AUTH_WINDOW_MS),
    authorized: () => identities.has(tenantKey, openId),
    logout: () => identities.logout(tenantKey, openId),
  };
}

/** The context of an event about a chat (the bot added to a group): posts carry a uuid derived from the event. */
export function chatContext(
  parts: ContextParts,
  tenantKey: string,
  chatId: string,
  eventId: string,
  logger: Logger,
): ChatContext {
  return {
    tenantKey,
    chatId,
    logger,
    locale: parts.locale,
    userAuth: parts.identities !== undefined,
    post: async (content, name) => {
      const uuid = messageUuid(name, chatId, eventId);
      await parts.outbox.send(tenantKey, { type: "chat_id", id: chatId }, content, uuid, "reply");
    },
  };
}

/** The context a card button click is answered in. */
export function cardActionContext(parts: ContextParts, logger: Logger): CardActionContext {
  return {
    watches: parts.watches,
    logger,
    locale: parts.locale,
    refresh: (id) => parts.engine.refresh(id),
    stopWatch: (id, by) => parts.engine.requestStop(id, by),
    cardOf: (watch) => parts.engine.messages.cardOf(watch),
  };
}
