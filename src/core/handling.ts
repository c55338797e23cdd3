import type { AuthorizeLink, CardJson, Locale } from "../../cards/types";
import type { Logger } from "../logger";
import type { OutgoingMessage } from "./feishu-api";
import type { CardAction, IncomingMessage } from "./incoming";
import type { Watch, WatchReader } from "./watch";

/**
 * The contract between the core and the handlers (handlers/): what a handler is given, and what it answers.
 * The core never imports handlers/; the composition root (app.ts) hands it an implementation of Handlers.
 * Handlers never see HTTP, headers, the SDK or the store's write side.
 */

/** Everything a command handler may use. */
export interface HandlerContext {
  /** The tenant the message came from ("" for a self-built app): every lookup is scoped to it. */
  tenantKey: string;
  message: IncomingMessage;
  watches: WatchReader;
  logger: Logger;
  locale: Locale;
  now: () => number;
  /**
   * Replies to the command message. `name` names the reply within this command ("help", "invalid:abc"):
   * together with the message id it makes the Feishu uuid, so a retried command never replies twice.
   */
  reply(message: OutgoingMessage, name: string): Promise<void>;
  /** Ends a watch as "stopped by" someone: its card says so at once and no notification follows. */
  stopWatch(watchId: number, by: string): Promise<boolean>;
  /** The sender's user authorization; absent when it is off. */
  userAuth?: SenderAuthorization;
}

/** What a handler may do about the sender's user authorization (/login, /logout). */
export interface SenderAuthorization {
  /** The sender's own Authorize link (no watch waits for it), valid for a while. */
  link(): AuthorizeLink;
  /** Whether the bot holds tokens of the sender. */
  authorized(): Promise<boolean>;
  /** Revokes and forgets the sender's tokens; false when there were none. */
  logout(): Promise<boolean>;
}

/**
 * What a command handler asks the core to do once it has returned: the tasks to watch. The watches are created
 * in the same transaction that marks the command handled; their first check starts at once.
 */
export interface Intent {
  watch?: string[];
}

/** A message read as a command: its name (for logs and metrics) and the handler that carries it out. */
export interface RoutedCommand {
  name: string;
  run(ctx: HandlerContext): Promise<Intent | undefined>;
}

/** What a handler for a chat (not a message) may use: the bot was added to a group. */
export interface ChatContext {
  tenantKey: string;
  chatId: string;
  logger: Logger;
  locale: Locale;
  /** Whether user authorization is on (the welcome card lists /login and /logout then). */
  userAuth: boolean;
  /** Posts into the chat (in a topic group: a new topic). `name` makes the uuid with the event, as reply's. */
  post(message: OutgoingMessage, name: string): Promise<void>;
}

/** Everything a card button handler may use. */
export interface CardActionContext {
  watches: WatchReader;
  logger: Logger;
  locale: Locale;
  refresh(watchId: number): Promise<Watch | undefined>;
  stopWatch(watchId: number, by: string): Promise<boolean>;
  cardOf(watch: Watch): CardJson;
}

export type ToastType = "info" | "success" | "warning" | "error";
/** The answer to a click: a toast and the card to show instead; `{}` changes nothing on screen. */
export interface CallbackAnswer {
  toast?: { type: ToastType; content: string; i18n: Record<Locale, string> };
  card?: { type: "raw"; data: CardJson };
}

/** The handlers the core calls. */
export interface Handlers {
  /**
   * Whether a message may be for the bot at all (pure; `botOpenId` undefined when not known yet: then a
   * message that mentions anyone may be). One that cannot is answered at once and never stored.
   */
  addressed(message: IncomingMessage, botOpenId: string | undefined): boolean;
  /** Reads a chat message as a command (pure: the bot's own open_id tells mentions of it from others). */
  route(message: IncomingMessage, botOpenId: string): RoutedCommand;
  /**
   * Tasks a command asked for that another command watches in the same chat already: it recorded its watch
   * first (on another replica, say). Its card is the one; this command gets a pointer to it.
   */
  alreadyWatched(ctx: HandlerContext, taskIds: string[]): Promise<void>;
  /** The bot was added to a group. */
  botAdded(ctx: ChatContext): Promise<void>;
  /** A card button was clicked; must resolve well within Feishu's 3 s. */
  cardAction(ctx: CardActionContext, action: CardAction): Promise<CallbackAnswer>;
}
