import { KeyedRateLimiter, RateLimiter } from "../watch/rate-limiter";
import type { FeishuClient, OutgoingMessage, TaskStatus } from "./client";
import { classify, FeishuApiError } from "./errors";

/** What the core needs from Feishu. Implemented by PacedFeishu over the real client. */
export interface FeishuApi {
  botOpenId(): Promise<string>;
  taskCheck(taskId: string): Promise<TaskStatus>;
  reply(messageId: string, message: OutgoingMessage, uuid: string, chatId: string): Promise<string>;
  send(chatId: string, message: OutgoingMessage, uuid: string): Promise<string>;
  patchCard(messageId: string, card: object): Promise<void>;
}

/**
 * Feishu's published limits, kept with a margin so we never meet them:
 * 5 PATCH/s per message, 5 messages/s per chat, 50/s and 1000/min per message API (one bucket of
 * 16/s with a burst of 30 covers both), and TASK_CHECK_RPS for task_check, whose limit is unpublished.
 */
export class PacedFeishu implements FeishuApi {
  private readonly taskChecks: RateLimiter;
  private readonly messageApi = new RateLimiter(16, 30);
  private readonly perChat = new KeyedRateLimiter(4.5, 1);
  private readonly perMessage = new KeyedRateLimiter(4, 1);

  constructor(
    private readonly client: FeishuClient,
    taskCheckRps: number,
  ) {
    // A burst of 1: at most rps + 1 calls in any one second, not 2 × rps (task_check's limit is unpublished).
    this.taskChecks = new RateLimiter(taskCheckRps, 1);
  }

  botOpenId(): Promise<string> {
    return this.client.botOpenId();
  }

  async taskCheck(taskId: string): Promise<TaskStatus> {
    await this.taskChecks.take();
    return this.watch(
      () => this.client.taskCheck(taskId),
      (ms) => this.taskChecks.pause(ms),
    );
  }

  async reply(messageId: string, message: OutgoingMessage, uuid: string, chatId: string): Promise<string> {
    await Promise.all([this.messageApi.take(), this.perChat.take(chatId)]);
    return this.watch(
      () => this.client.reply(messageId, message, uuid),
      (ms) => this.perChat.pause(chatId, ms),
    );
  }

  async send(chatId: string, message: OutgoingMessage, uuid: string): Promise<string> {
    await Promise.all([this.messageApi.take(), this.perChat.take(chatId)]);
    return this.watch(
      () => this.client.send(chatId, message, uuid),
      (ms) => this.perChat.pause(chatId, ms),
    );
  }

  async patchCard(messageId: string, card: object): Promise<void> {
    await Promise.all([this.messageApi.take(), this.perMessage.take(messageId)]);
    return this.watch(
      () => this.client.patchCard(messageId, card),
      (ms) => this.perMessage.pause(messageId, ms),
    );
  }

  /** On a rate-limit answer, slow that target down for as long as Feishu asked (1 s when it did not say). */
  private async watch<T>(fn: () => Promise<T>, slowDown: (ms: number) => void): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (classify(error) === "rate_limited") {
        const seconds = error instanceof FeishuApiError ? (error.retryAfterSeconds ?? 1) : 1;
        slowDown(seconds * 1000);
      }
      throw error;
    }
  }
}
