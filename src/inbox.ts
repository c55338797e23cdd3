import type { Locale } from "../cards/types";
import { type ContextParts, chatContext, commandContext } from "./contexts";
import type { Handlers } from "./core/handling";
import type { InboxItem } from "./core/inbox-item";
import type { IncomingMessage } from "./core/incoming";
import type { WatchReader } from "./core/watch";
import { classify, FeishuApiError, isRetryable } from "./feishu/errors";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { Outbox } from "./outbox";
import { type InboxStore, LeaseLostError, leaseOf } from "./store/roles";
import type { WatchEngine } from "./watch/engine";
import { backoffMs } from "./watch/policy";

export interface InboxOptions {
  store: InboxStore;
  /** What the handlers may read of the watches. */
  watches: WatchReader;
  outbox: Outbox;
  engine: WatchEngine;
  handlers: Handlers;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  owner: string;
  locale: Locale;
  /** The bot's own open_id in a tenant, to tell mentions of the bot from mentions of others. */
  botOpenId: (tenantKey: string) => Promise<string>;
  /** People's identities, when user authorization is on (/login, /logout). */
  identities?: ContextParts["identities"];
}

const BATCH = 50;
/** About an hour of retries (backoff capped at 5 min) before an item is given up, loudly. */
const MAX_ATTEMPTS = 20;

/**
 * Works through recorded work after Feishu has had its answer. The ingest core records each item already
 * leased to this process and hands it over in memory (accept); the database is for durability: an item leaves
 * the inbox only in the transaction that creates its watches, and what a crash or a failure leaves behind is
 * claimed from the database (kick, every second). Replies carry uuids derived from the item, so handling it
 * again never replies twice. Items of one chat are handled in order, one at a time; chats run in parallel.
 * Everything this process holds keeps its lease until it is handled, also while it waits for its turn (behind
 * its chat's earlier items, whose replies are paced at Feishu's limits: a backlog can be minutes long).
 */
export class InboxProcessor {
  private draining: Promise<void> | undefined;
  private again = false;
  /** The tail of each chat's queue. */
  private readonly chats = new Map<string, Promise<void>>();
  /** Items being handled here: a claim of one whose lease ran out meanwhile does not start it twice. */
  private readonly busy = new Set<string>();
  private readonly background = new Set<Promise<void>>();
  /** Renews the leases of everything held here, while anything is (one statement for all of it). */
  private heartbeat: NodeJS.Timeout | undefined;
  /** Items accepted before start(): commands wait until the bot knows its own open_id. */
  private waiting: InboxItem[] | undefined = [];

  private readonly parts: ContextParts;

  constructor(private readonly options: InboxOptions) {
    this.parts = { ...options };
  }

  private lease() {
    return leaseOf(this.options.owner, this.options.now());
  }

  /** Handles what was accepted while starting, then what the database holds. */
  start(): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const item of waiting) void this.accept(item);
    this.kick();
  }

  /** Handles an item recorded (and leased to us), after the chat's earlier items. */
  accept(item: InboxItem): Promise<void> {
    if (this.waiting) {
      this.waiting.push(item);
      return Promise.resolve();
    }
    if (this.busy.has(item.key)) return Promise.resolve();
    this.busy.add(item.key);
    this.keepLeases();
    const { payload } = item;
    const chat = payload.kind === "message" ? payload.message.chatId : payload.chatId;
    // A failure of the previous item (logged where it happened) must not skip this one.
    const previous = (this.chats.get(chat) ?? Promise.resolve()).catch(() => undefined);
    const tail = previous.then(() => this.handle(item));
    this.chats.set(chat, tail);
    const done = tail.finally(() => {
      this.busy.delete(item.key);
      if (this.chats.get(chat) === tail) this.chats.delete(chat);
      if (this.busy.size === 0) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    });
    this.track(done);
    return done;
  }

  /**
   * Every half lease, renews the lease of everything held here: a command being handled can take longer than its
   * lease (a rate-limit pause, a slow Feishu), and those behind it in its chat wait for their turn. An item whose
   * lease ran out would be claimed again: by another replica, which would do the same work again, or by the kick
   * here, which would count an attempt and, for a backlog older than the lease, re-claim it all on every beat.
   */
  private keepLeases(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      this.options.store.renewInbox(this.lease()).catch((error: unknown) => {
        this.options.logger.warn("could not renew the leases of the commands held here", {
          error: String(error),
        });
      });
    }, this.lease().ms / 2);
    this.heartbeat.unref();
  }

  /** Claims what is due in the database (retries, a predecessor's leftovers) unless a claim is running. */
  kick(): void {
    if (this.waiting) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when nothing is being processed. */
  async idle(): Promise<void> {
    while (this.draining || this.background.size > 0) {
      await Promise.all([this.draining, ...this.background]);
    }
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const items = await this.options.store.claimInbox(BATCH, this.lease());
        await Promise.all(items.map((item) => this.accept(item)));
        if (items.length < BATCH) return;
      }
    } catch (error) {
      this.options.logger.error("inbox drain failed", { error: String(error) });
    }
  }

  private async handle(item: InboxItem): Promise<void> {
    const { payload } = item;
    const logger = this.options.logger.child({
      message_id: payload.kind === "message" ? payload.message.messageId : undefined,
      event_id: payload.kind === "message" ? payload.message.eventId : payload.eventId,
    });
    try {
      if (payload.kind === "message") {
        await this.handleMessage(item, payload.tenantKey, payload.message, logger);
      } else {
        const { tenantKey, chatId, eventId } = payload;
        await this.options.handlers.botAdded(chatContext(this.parts, tenantKey, chatId, eventId, logger));
        await this.options.store.completeInbox(item.key, [], this.lease());
      }
    } catch (error) {
      if (error instanceof LeaseLostError) {
        logger.warn("another process took this command over; leaving it to that one", { key: item.key });
        return;
      }
      await this.failed(item, error, logger).catch((e) => {
        logger.error("could not record the command's failure; it is retried once its lease ends", {
          error: String(e),
        });
      });
    }
  }

  private async handleMessage(item: InboxItem, tenantKey: string, message: IncomingMessage, logger: Logger) {
    const command = this.options.handlers.route(message, await this.options.botOpenId(tenantKey));
    const ctx = commandContext(this.parts, tenantKey, message, logger);
    if (item.attempts === 1) this.options.metrics.commands.inc({ command: command.name });
    logger.info("handling message", {
      command: command.name,
      chat_type: message.chatType,
      attempt: item.attempts,
    });
    const intent = await command.run(ctx);
    const watches = await this.options.store.completeInbox(
      item.key,
      (intent?.watch ?? []).map((taskId) => ({
        tenantKey,
        taskId,
        origin: "command" as const,
        chatId: message.chatId,
        chatType: message.chatType,
        requesterOpenId: message.senderOpenId,
        commandMessageId: message.messageId,
      })),
      this.lease(),
    );
    const mine = watches.filter((w) => w.commandMessageId === message.messageId);
    for (const w of mine) logger.info("watch started", { task_id: w.taskId, watch_id: w.id });
    // Another command for the same task in this chat won the race (on another replica, say): its card is the
    // one. The command is handled either way: a pointer that could not be sent is only logged.
    const raced = watches.filter((x) => !mine.includes(x)).map((w) => w.taskId);
    await this.options.handlers
      .alreadyWatched(ctx, raced)
      .catch((error: unknown) =>
        logger.warn("could not point to the existing card", { error: String(error) }),
      );
    if (mine.length > 0) this.track(this.options.engine.runNow(mine.map((w) => w.id)));
  }

  private async failed(item: InboxItem, error: unknown, logger: Logger): Promise<void> {
    const kind = classify(error);
    const giveUp = !isRetryable(kind) || item.attempts >= MAX_ATTEMPTS;
    const delay =
      kind === "rate_limited" && error instanceof FeishuApiError && error.retryAfterSeconds !== undefined
        ? error.retryAfterSeconds * 1000
        : backoffMs(item.attempts, 1);
    const details =
      error instanceof FeishuApiError ? { code: error.code, http_status: error.httpStatus } : {};
    logger.log(
      giveUp ? (isRetryable(kind) ? "error" : "warn") : "warn",
      giveUp ? "command given up" : "command failed; will retry",
      {
        ...details,
        kind,
        attempt: item.attempts,
        error: error instanceof Error ? error.message : String(error),
      },
    );
    // The scheduler kicks the inbox every second, which picks the item up again once it is due.
    await this.options.store.retryInbox(item.key, this.options.now() + delay, giveUp, this.lease());
  }

  private track(work: Promise<void>): void {
    const p = work.catch((error) => {
      this.options.logger.error("background work failed", { error: String(error) });
    });
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }
}
