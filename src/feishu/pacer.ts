import { sleep } from "../sleep";
import type { BudgetBucket, BudgetStore } from "../store/roles";
import { FeishuApiError } from "./errors";

/** Consecutive failures of the store's budget before a call gives up (a transient error, retried later). */
const STORE_ATTEMPTS = 40;

interface Waiter {
  priority: number;
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Hands out permits from the store's buckets. A call waits for its turn at its own key (its chat or message:
 * callers of one key take turns in arrival order, different keys in parallel); in its turn it waits for the
 * shared bucket (the tenant's message API or task_check), where waiting calls are served by priority, then
 * arrival, and last for its own bucket. The own permit is the last thing before the call, so calls to one chat
 * leave as far apart as its bucket says: taken before the wait for the shared bucket, permits spaced 0.22 s
 * apart could be released together by the shared queue (at 16/s, 62 ms apart) and overrun the chat's limit.
 */
export class Pacer {
  private readonly own = new Map<string, Promise<void>>();
  private readonly shared = new Map<string, { bucket: BudgetBucket; waiters: Waiter[]; pumping: boolean }>();
  private readonly pausedUntil = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly store: BudgetStore,
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
    return new Promise<void>((resolve, reject) => {
      let queue = this.shared.get(shared.key);
      if (!queue) {
        queue = { bucket: shared, waiters: [], pumping: false };
        this.shared.set(shared.key, queue);
      }
      queue.waiters.push({ priority, seq: this.seq++, resolve, reject });
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
        // The store gone for good (waitFor gives up): the call at the head fails with the budget's transient
        // error, retried later by its caller, and the next one waits its turn. Before, the error escaped the
        // pump as an unhandled rejection and every waiter hung (found by the soak's database restarts).
        try {
          await this.waitFor([queue.bucket]);
          queue.waiters.shift()?.resolve();
        } catch (error) {
          queue.waiters.shift()?.reject(error);
        }
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
