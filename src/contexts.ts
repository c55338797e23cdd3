import type { Locale } from "../cards/types";
import type { CardActionContext } from "../handlers/card-action";
import type { HandlerContext } from "../handlers/context";
import type { OutgoingMessage } from "./feishu/client";
import type { IncomingMessage } from "./feishu/message";
import type { FeishuApi } from "./feishu/paced";
import type { Logger } from "./logger";
import type { Store } from "./store/types";
import type { WatchEngine } from "./watch/engine";
import { messageUuid } from "./watch/policy";

/** What the handlers' contexts are built from: the app's parts, once. */
export interface ContextParts {
  store: Store;
  feishu: FeishuApi;
  engine: WatchEngine;
  locale: Locale;
  now: () => number;
}

/**
 * The context a command handler runs in: replies go to the command (in its topic), carry a uuid derived from
 * the command and the reply's name, and are pinned to it; the task ids to watch are collected in `wanted`.
 */
export function commandContext(
  parts: ContextParts,
  tenantKey: string,
  message: IncomingMessage,
  logger: Logger,
  wanted: string[],
): HandlerContext {
  return {
    tenantKey,
    message,
    store: parts.store,
    logger,
    locale: parts.locale,
    now: parts.now,
    reply: async (content, name) => {
      const uuid = messageUuid("cmd", message.messageId, name);
      const sent = await pinned(parts.store, uuid, content, parts.now());
      await parts.feishu.reply(
        tenantKey,
        { messageId: message.messageId, chatId: message.chatId },
        sent,
        uuid,
        "reply",
      );
    },
    watch: (taskIds) => wanted.push(...taskIds),
    stopWatch: (watchId, by) => parts.engine.requestStop(watchId, by),
  };
}

/** The context a card button click is answered in. */
export function cardActionContext(parts: ContextParts, logger: Logger): CardActionContext {
  return {
    store: parts.store,
    logger,
    locale: parts.locale,
    refresh: (id) => parts.engine.refresh(id),
    stopWatch: (id, by) => parts.engine.requestStop(id, by),
    cardOf: (watch) => parts.engine.messages.cardOf(watch),
  };
}

/**
 * The content first meant for this message uuid (Store.pinContent): a retry sends exactly what the first try
 * meant to, so Feishu's uuid dedupe never sees one uuid with two contents.
 */
export async function pinned(store: Store, uuid: string, message: OutgoingMessage, now: number) {
  return JSON.parse(await store.pinContent(uuid, JSON.stringify(message), now)) as OutgoingMessage;
}
