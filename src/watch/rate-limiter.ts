/**
 * Token bucket: `rate` permits per second, at most `burst` saved up. `take()` resolves when a permit is
 * available, in call order, so callers queue instead of hitting Feishu's limits and getting 230020/429.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private pauseUntil = 0;

  constructor(
    private readonly rate: number,
    private readonly burst = Math.max(1, rate),
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = this.burst;
    this.last = now();
  }

  take(): Promise<void> {
    const turn = this.queue.then(() => this.acquire());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Feishu said "slow down": no permit is handed out before `ms` from now. */
  pause(ms: number): void {
    this.pauseUntil = Math.max(this.pauseUntil, this.now() + ms);
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < this.pauseUntil) {
        await sleep(this.pauseUntil - now);
        continue;
      }
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    }
  }
}

/** One RateLimiter per key (a message, a chat), created on demand and dropped when idle. */
export class KeyedRateLimiter {
  private readonly limiters = new Map<string, { limiter: RateLimiter; usedAt: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst = 1,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): Promise<void> {
    const now = this.now();
    let entry = this.limiters.get(key);
    if (!entry) {
      entry = { limiter: new RateLimiter(this.rate, this.burst, this.now), usedAt: now };
      this.limiters.set(key, entry);
      if (this.limiters.size > 10_000) this.sweep(now);
    }
    entry.usedAt = now;
    return entry.limiter.take();
  }

  pause(key: string, ms: number): void {
    this.limiters.get(key)?.limiter.pause(ms);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.limiters) if (now - entry.usedAt > 60_000) this.limiters.delete(key);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
