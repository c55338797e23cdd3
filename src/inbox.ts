import type { Locale } from "../cards/types";
import { handleCommand, parseCommand } from "../handlers";
import type { HandlerContext } from "../handlers/context";
import { classify, FeishuApiError } from "./feishu/errors";
import type { FeishuApi } from "./feishu/paced";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { Store } from "./store/types";
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

const BATCH = 20;
const LEASE_MS = 60_000;
/** About an hour of retries (backoff capped at 5 min) before a command is given up, loudly. */
const MAX_ATTEMPTS = 20;

/**
 * Works through recorded commands after Feishu has had its answer. A command leaves the inbox only in the
 * transaction that creates its watches, so a crash at any point means it is handled again on start-up;
 * replies carry uuids derived from the command, so handling it again never replies twice.
 */
export class InboxProcessor {
  private draining: Promise<void> | undefined;
  private again = false;
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly o: InboxOptions) {}

  /** Starts a drain unless one is running (then it runs once more when done). */
  kick(): void {
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
        if (items.length === 0) return;
        await Promise.all(items.map((item) => this.handle(item.message, item.attempts)));
      }
    } catch (error) {
      this.o.logger.error("inbox drain failed", { error: String(error) });
    }
  }

  private async handle(message: HandlerContext["message"], attempts: number): Promise<void> {
    const logger = this.o.logger.child({ message_id: message.messageId, event_id: message.eventId });
    const command = parseCommand(message, this.o.botOpenId());
    const wanted: string[] = [];
    const ctx: HandlerContext = {
      message,
      store: this.o.store,
      logger,
      locale: this.o.locale,
      now: this.o.now,
      reply: async (content, purpose) => {
        await this.o.feishu.reply(
          message.messageId,
          content,
          messageUuid("cmd", message.messageId, purpose),
          message.chatId,
        );
        this.o.metrics.messagesSent.inc({ kind: "reply", result: "ok" });
      },
      watch: (taskIds) => wanted.push(...taskIds),
    };
    try {
      if (attempts === 1) this.o.metrics.commands.inc({ command: command.kind });
      logger.info("handling message", {
        command: command.kind,
        chat_type: message.chatType,
        attempt: attempts,
      });
      await handleCommand(ctx, command);
      const watches = await this.o.store.completeInbox(
        message.messageId,
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
    } catch (error) {
      await this.failed(message.messageId, attempts, error, logger);
    }
  }

  private async failed(messageId: string, attempts: number, error: unknown, logger: Logger): Promise<void> {
    const kind = classify(error);
    const retryable = kind === "transient" || kind === "rate_limited" || kind === "auth";
    const giveUp = !retryable || attempts >= MAX_ATTEMPTS;
    const delay = backoffMs(attempts, 1);
    const details =
      error instanceof FeishuApiError ? { code: error.code, http_status: error.httpStatus } : {};
    logger.log(giveUp ? "error" : "warn", giveUp ? "command given up" : "command failed; will retry", {
      ...details,
      kind,
      attempt: attempts,
      error: error instanceof Error ? error.message : String(error),
    });
    // The scheduler kicks the inbox every second, which picks the command up again once it is due.
    await this.o.store.retryInbox(messageId, this.o.now() + delay, giveUp, this.o.now());
  }

  private track(work: Promise<void>): void {
    const p = work.catch((error) => {
      this.o.logger.error("watch run failed", { error: String(error) });
    });
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }
}
