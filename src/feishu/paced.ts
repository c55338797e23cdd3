import type { Metrics } from "../metrics";
import { sleep } from "../sleep";
import type { BudgetBucket, Store } from "../store/types";
import type { FeishuClient, OutgoingMessage, Recipient, SentMessage, TaskStatus } from "./client";
import { classify, FeishuApiError } from "./errors";

/**
 * Why a message-API call is made. It sets the call's priority (a completion never waits behind cosmetics)
 * and labels the metric of calls by purpose, so operators see where their quota goes.
 */
export type Purpose = "reply" | "state_change" | "freshness" | "final" | "notice";

const PRIORITY: Readonly<Record<Purpose, number>> = {
  final: 0,
  notice: 0,
  reply: 1,
  state_change: 1,
  freshness: 2,
};

/** What the core needs from Feishu. Implemented by PacedFeishu over the real client. */
export interface FeishuApi {
  botOpenId(tenantKey: string): Promise<string>;
  taskCheck(tenantKey: string, taskId: string): Promise<TaskStatus>;
  /** Replies to a message (in its topic when it is in one). */
  reply(
    tenantKey: string,
    to: { messageId: string; chatId: string },
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<SentMessage>;
  /** A new message into a chat (in a topic group: a new topic) or to a user. */
  send(
    tenantKey: string,
    to: Recipient,
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
  ): Promise<SentMessage>;
  /** Updates a card; "dropped" when a freshness update found the budget short (it is not queued). */
  patchCard(
    tenantKey: string,
    messageId: string,
    card: object,
    purpose: Purpose,
  ): Promise<"sent" | "dropped">;
}

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
    store: Store,
    private readonly options: PacedOptions,
  ) {
    // Budgets are about real time, whatever clock the rest of the app runs on (tests drive it by hand).
    this.pacer = new Pacer(store, Date.now);
  }

  botOpenId(tenantKey: string): Promise<string> {
    return this.client.botOpenId(tenantKey);
  }

  async taskCheck(tenantKey: string, taskId: string): Promise<TaskStatus> {
    // A burst of 1: at most rps + 1 calls in any one second (task_check's limit is unpublished).
    const bucket = { key: `tc:${tenantKey}`, rate: this.options.taskCheckRps, burst: 1 };
    await this.pacer.acquire(undefined, bucket, 1);
    return this.slowingDown(() => this.client.taskCheck(tenantKey, taskId), bucket.key);
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

/** Consecutive failures of the store's budget before a call gives up (a transient error, retried later). */
const STORE_ATTEMPTS = 40;

/** Share of the message budget a freshness update must leave untouched. */
const FRESHNESS_RESERVE = 0.5;

function messageApi(tenantKey: string): BudgetBucket {
  return { key: `im:${tenantKey}`, rate: 16, burst: 30 };
}

function chatBucket(chatId: string): BudgetBucket {
  return { key: `chat:${chatId}`, rate: 4.5, burst: 1 };
}

interface Waiter {
  priority: number;
  seq: number;
  resolve: () => void;
}

/**
 * Hands out permits from the store's buckets. A call waits for its turn at its own key (its chat or message:
 * callers of one key take turns in arrival order, different keys in parallel); in its turn it waits for the
 * shared bucket (the tenant's message API or task_check), where waiting calls are served by priority, then
 * arrival, and last for its own bucket. The own permit is the last thing before the call, so calls to one chat
 * leave as far apart as its bucket says: taken before the wait for the shared bucket, permits spaced 0.22 s
 * apart could be released together by the shared queue (at 16/s, 62 ms apart) and overrun the chat's limit.
 */
class Pacer {
  private readonly own = new Map<string, Promise<void>>();
  private readonly shared = new Map<string, { bucket: BudgetBucket; waiters: Waiter[]; pumping: boolean }>();
  private readonly pausedUntil = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  acquire(own: BudgetBucket | undefined, shared: BudgetBucket, priority: number): Promise<void> {
    if (!own) return this.takeShared(shared, priority);
    return this.inTurn(own.key, async () => {
      await this.takeShared(shared, priority);
      await this.waitFor([own]);
    });
  }

  private takeShared(shared: BudgetBucket, priority: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let queue = this.shared.get(shared.key);
      if (!queue) {
        queue = { bucket: shared, waiters: [], pumping: false };
        this.shared.set(shared.key, queue);
      }
      queue.waiters.push({ priority, seq: this.seq++, resolve });
      queue.waiters.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      if (!queue.pumping) void this.pump(queue);
    });
  }

  /** A permit now or never: false while anything else waits here or a bucket holds less than its reserve. */
  async tryAcquire(buckets: BudgetBucket[]): Promise<boolean> {
    if (buckets.some((b) => this.isPaused(b.key) || (this.shared.get(b.key)?.waiters.length ?? 0) > 0)) {
      return false;
    }
    return (await this.store.takeBudget(buckets, this.now())) === 0;
  }

  pause(key: string, ms: number): void {
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, this.now() + ms));
  }

  private isPaused(key: string): boolean {
    return (this.pausedUntil.get(key) ?? 0) > this.now();
  }

  /** Runs `work` once the callers of `key` before it are done (in this process). */
  private inTurn(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.own.get(key) ?? Promise.resolve();
    const turn = previous.then(work);
    const tail = turn.catch(() => undefined);
    this.own.set(key, tail);
    void tail.then(() => {
      if (this.own.get(key) === tail) this.own.delete(key);
    });
    return turn;
  }

  private async pump(queue: { bucket: BudgetBucket; waiters: Waiter[]; pumping: boolean }): Promise<void> {
    queue.pumping = true;
    try {
      while (queue.waiters.length > 0) {
        await this.waitFor([queue.bucket]);
        queue.waiters.shift()?.resolve();
      }
    } finally {
      queue.pumping = false;
      if (queue.waiters.length === 0) this.shared.delete(queue.bucket.key);
    }
  }

  /** Retries the store until it grants a permit; a store that fails is retried after a short pause. */
  private async waitFor(buckets: BudgetBucket[]): Promise<void> {
    let failures = 0;
    for (;;) {
      const paused = Math.max(...buckets.map((b) => (this.pausedUntil.get(b.key) ?? 0) - this.now()));
      if (paused > 0) {
        await sleep(paused);
        continue;
      }
      let wait: number;
      try {
        wait = await this.store.takeBudget(buckets, this.now());
        failures = 0;
      } catch (error) {
        // The store is down (or closed): the call fails as a transient error after ~10 s, retried later.
        if (++failures >= STORE_ATTEMPTS) {
          throw new FeishuApiError("budget", 0, 0, `the rate budget is not available: ${String(error)}`);
        }
        wait = 250;
      }
      if (wait === 0) return;
      await sleep(Math.min(wait, 1000));
    }
  }
}
