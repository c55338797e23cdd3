import type {
  FeishuApi,
  OutgoingMessage,
  Purpose,
  Recipient,
  SentMessage,
  TaskStatus,
} from "../core/feishu-api";
import type { Metrics } from "../metrics";
import { type BudgetBucket, type BudgetStore, LeaseLostError } from "../store/roles";
import type { FeishuClient } from "./client";
import { classify, FeishuApiError } from "./errors";
import { Pacer } from "./pacer";

const PRIORITY: Readonly<Record<Purpose, number>> = {
  final: 0,
  notice: 0,
  reply: 1,
  state_change: 1,
  freshness: 2,
};

export interface PacedOptions {
  /** task_check calls per second (TASK_CHECK_RPS): per tenant, for the whole deployment. */
  taskCheckRps: number;
  metrics: Metrics;
}

/**
 * Feishu's published limits, counted per app and per tenant ("每个 API、每个应用、每个租户"), kept with a
 * margin so we never meet them: 5 PATCH/s per message, 5 messages/s per chat, 50/s and 1000/min per message
 * API (one bucket of 16/s with a burst of 30 covers both for all message APIs together), and TASK_CHECK_RPS
 * for task_check, whose limit is unpublished. The buckets live in the store, so on PostgreSQL every replica
 * draws from the same budget. Calls wait in priority order; a freshness update only passes while the
 * message budget is more than half full, and is dropped otherwise.
 */
export class PacedFeishu implements FeishuApi {
  private readonly pacer: Pacer;

  constructor(
    private readonly client: FeishuClient,
    budgets: BudgetStore,
    private readonly options: PacedOptions,
  ) {
    // Budgets are about real time, whatever clock the rest of the app runs on (tests drive it by hand).
    this.pacer = new Pacer(budgets, Date.now);
  }

  botOpenId(tenantKey: string): Promise<string> {
    return this.client.botOpenId(tenantKey);
  }

  async taskCheck(
    tenantKey: string,
    taskId: string,
    userAccessToken?: string,
    notAfter?: number,
  ): Promise<TaskStatus> {
    // A burst of 1: at most rps + 1 calls in any one second (task_check's limit is unpublished).
    const bucket = { key: `tc:${tenantKey}`, rate: this.options.taskCheckRps, burst: 1 };
    await this.pacer.acquire(undefined, bucket, 1);
    // A turn that came after the caller's lease ran out (a long queue for the budget, a frozen process): the
    // watch is another replica's by now, and checking it would spend the budget on a task it may have ended.
    if (notAfter !== undefined && Date.now() > notAfter) throw new LeaseLostError("watch", taskId);
    return this.slowingDown(() => this.client.taskCheck(tenantKey, taskId, userAccessToken), bucket.key);
  }

  async reply(
    tenantKey: string,
    to: { messageId: string; chatId: string },
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<SentMessage> {
    const chat = chatBucket(to.chatId);
    await this.pacer.acquire(chat, messageApi(tenantKey), PRIORITY[purpose]);
    return this.counted("reply", purpose, () =>
      this.slowingDown(() => this.client.reply(tenantKey, to.messageId, message, uuid), chat.key),
    );
  }

  async send(
    tenantKey: string,
    to: Recipient,
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<SentMessage> {
    // A direct message by open_id goes into that user's one chat with the bot: pace it as that chat.
    const chat = chatBucket(to.type === "chat_id" ? to.id : `user:${to.id}`);
    await this.pacer.acquire(chat, messageApi(tenantKey), PRIORITY[purpose]);
    return this.counted("create", purpose, () =>
      this.slowingDown(() => this.client.send(tenantKey, to, message, uuid), chat.key),
    );
  }

  async patchCard(
    tenantKey: string,
    messageId: string,
    card: object,
    purpose: Purpose,
  ): Promise<"sent" | "dropped"> {
    const own = { key: `msg:${messageId}`, rate: 4, burst: 1 };
    if (purpose === "freshness") {
      if (!(await this.pacer.tryAcquire([own, { ...messageApi(tenantKey), reserve: FRESHNESS_RESERVE }]))) {
        this.options.metrics.messageCalls.inc({ api: "patch", purpose, result: "dropped" });
        return "dropped";
      }
    } else {
      await this.pacer.acquire(own, messageApi(tenantKey), PRIORITY[purpose]);
    }
    await this.counted("patch", purpose, () =>
      this.slowingDown(() => this.client.patchCard(tenantKey, messageId, card), own.key),
    );
    return "sent";
  }

  private async counted<T>(api: string, purpose: Purpose, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.options.metrics.messageCalls.inc({ api, purpose, result: "ok" });
      return result;
    } catch (error) {
      this.options.metrics.messageCalls.inc({ api, purpose, result: "error" });
      throw error;
    }
  }

  /** On a rate-limit answer, slow that target down for as long as Feishu asked (1 s when it did not say). */
  private async slowingDown<T>(fn: () => Promise<T>, key: string): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (classify(error) === "rate_limited") {
        const seconds = error instanceof FeishuApiError ? (error.retryAfterSeconds ?? 1) : 1;
        this.pacer.pause(key, seconds * 1000);
      }
      throw error;
    }
  }
}

/** Share of the message budget a freshness update must leave untouched. */
const FRESHNESS_RESERVE = 0.5;

function messageApi(tenantKey: string): BudgetBucket {
  return { key: `im:${tenantKey}`, rate: 16, burst: 30 };
}

function chatBucket(chatId: string): BudgetBucket {
  return { key: `chat:${chatId}`, rate: 4.5, burst: 1 };
}
