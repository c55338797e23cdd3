import type { Locale } from "../cards/types";
import { handleCommand, parseCommand, welcome } from "../handlers";
import type { HandlerContext } from "../handlers/context";
import { classify, FeishuApiError } from "./feishu/errors";
import type { IncomingMessage } from "./feishu/message";
import type { FeishuApi } from "./feishu/paced";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { InboxItem, Store } from "./store/types";
import type { WatchEngine } from "./watch/engine";
import { backoffMs, messageUuid } from "./watch/policy";

export interface InboxOptions {
  store: Store;
  feishu: FeishuApi;
  engine: WatchEngine;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  owner: string;
  locale: Locale;
  botOpenId: () => string;
}

const BATCH = 50;
/** How long an item stays with the process that leased it before another may claim it. */
export const LEASE_MS = 60_000;
/** About an hour of retries (backoff capped at 5 min) before an item is given up, loudly. */
const MAX_ATTEMPTS = 20;

/**
 * Works through recorded work after Feishu has had its answer. The receiver records each item already leased
 * to this process and hands it over in memory (accept); the database is for durability: an item leaves the
 * inbox only in the transaction that creates its watches, and what a crash or a failure leaves behind is
 * claimed from the database (kick, every second). Replies carry uuids derived from the item, so handling it
 * again never replies twice. Items of one chat are handled in order, one at a time; chats run in parallel.
 */
export class InboxProcessor {
  private draining: Promise<void> | undefined;
  private again = false;
  /** The tail of each chat's queue. */
  private readonly chats = new Map<string, Promise<void>>();
  private readonly background = new Set<Promise<void>>();
  /** Items accepted before start(): commands wait until the bot knows its own open_id. */
  private waiting: InboxItem[] | undefined = [];

  constructor(private readonly o: InboxOptions) {}

  /** Handles what was accepted while starting, then what the database holds. */
  start(): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const item of waiting) void this.accept(item);
    this.kick();
  }

  /** Handles an item just recorded (and leased to us) by the receiver, after the chat's earlier items. */
  accept(item: InboxItem): Promise<void> {
    if (this.waiting) {
      this.waiting.push(item);
      return Promise.resolve();
    }
    const chat = item.payload.kind === "message" ? item.payload.message.chatId : item.payload.chatId;
    // A failure of the previous item (logged where it happened) must not skip this one.
    const previous = (this.chats.get(chat) ?? Promise.resolve()).catch(() => undefined);
    const tail = previous.then(() => this.handle(item));
    this.chats.set(chat, tail);
    const done = tail.finally(() => {
      if (this.chats.get(chat) === tail) this.chats.delete(chat);
    });
    this.track(done);
    return done;
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
        const items = await this.o.store.claimInbox(this.o.now(), BATCH, this.o.owner, LEASE_MS);
        await Promise.all(items.map((item) => this.accept(item)));
        if (items.length < BATCH) return;
      }
    } catch (error) {
      this.o.logger.error("inbox drain failed", { error: String(error) });
    }
  }

  private async handle(item: InboxItem): Promise<void> {
    const { payload } = item;
    const logger = this.o.logger.child({
      message_id: payload.kind === "message" ? payload.message.messageId : undefined,
      event_id: payload.kind === "message" ? payload.message.eventId : payload.eventId,
    });
    try {
      if (payload.kind === "message") {
        await this.handleMessage(item.key, payload.message, item.attempts, logger);
      } else {
        const card = welcome();
        const uuid = messageUuid("welcome", payload.chatId, payload.eventId);
        await this.o.feishu.send(payload.chatId, { card }, uuid);
        this.o.metrics.messagesSent.inc({ kind: "welcome", result: "ok" });
        await this.o.store.completeInbox(item.key, [], this.o.now());
        logger.info("welcomed a new group", { chat_id: payload.chatId });
      }
    } catch (error) {
      await this.failed(item, error, logger);
    }
  }

  private async handleMessage(key: string, message: IncomingMessage, attempts: number, logger: Logger) {
    const command = parseCommand(message, this.o.botOpenId());
    const wanted: string[] = [];
    const ctx: HandlerContext = {
      message,
      store: this.o.store,
      logger,
      locale: this.o.locale,
      now: this.o.now,
      reply: async (content, purpose) => {
        const uuid = messageUuid("cmd", message.messageId, purpose);
        await this.o.feishu.reply(message.messageId, content, uuid, message.chatId);
        this.o.metrics.messagesSent.inc({ kind: "reply", result: "ok" });
      },
      watch: (taskIds) => wanted.push(...taskIds),
      stopWatch: (watchId, by) => this.o.engine.requestStop(watchId, by),
    };
    if (attempts === 1) this.o.metrics.commands.inc({ command: command.kind });
    logger.info("handling message", {
      command: command.kind,
      chat_type: message.chatType,
      attempt: attempts,
    });
    await handleCommand(ctx, command);
    const watches = await this.o.store.completeInbox(
      key,
      wanted.map((taskId) => ({
        taskId,
        chatId: message.chatId,
        chatType: message.chatType,
        requesterOpenId: message.senderOpenId,
        commandMessageId: message.messageId,
      })),
      this.o.now(),
    );
    for (const w of watches) logger.info("watch started", { task_id: w.taskId, watch_id: w.id });
    if (watches.length > 0) this.track(this.o.engine.runNow(watches.map((w) => w.id)));
  }

  private async failed(item: InboxItem, error: unknown, logger: Logger): Promise<void> {
    const kind = classify(error);
    const retryable = kind === "transient" || kind === "rate_limited" || kind === "auth";
    const giveUp = !retryable || item.attempts >= MAX_ATTEMPTS;
    const delay =
      kind === "rate_limited" && error instanceof FeishuApiError && error.retryAfterSeconds !== undefined
        ? error.retryAfterSeconds * 1000
        : backoffMs(item.attempts, 1);
    const details =
      error instanceof FeishuApiError ? { code: error.code, http_status: error.httpStatus } : {};
    logger.log(giveUp ? "error" : "warn", giveUp ? "command given up" : "command failed; will retry", {
      ...details,
      kind,
      attempt: item.attempts,
      error: error instanceof Error ? error.message : String(error),
    });
    // The scheduler kicks the inbox every second, which picks the item up again once it is due.
    await this.o.store.retryInbox(item.key, this.o.now() + delay, giveUp, this.o.now());
  }

  private track(work: Promise<void>): void {
    const p = work.catch((error) => {
      this.o.logger.error("background work failed", { error: String(error) });
    });
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }
}
