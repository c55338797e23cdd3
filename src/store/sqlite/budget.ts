import type { BudgetBucket } from "../roles";

interface Level {
  tokens: number;
  at: number;
}

/**
 * Token buckets in memory: the budget of one process, which is the SQLite store's (one process per file). The
 * PostgreSQL store keeps the same arithmetic in a table (postgres/migrations.ts), so every replica draws from
 * one budget.
 */
export class MemoryBuckets {
  private readonly levels = new Map<string, Level>();

  /** See Store.takeBudget. */
  take(buckets: BudgetBucket[], now: number): number {
    let wait = 0;
    const filled = buckets.map((b) => {
      const level = this.levels.get(b.key);
      const tokens = level ? refill(level, b, now) : b.burst;
      const needed = 1 + (b.reserve ?? 0) * b.burst;
      if (tokens < needed) wait = Math.max(wait, Math.ceil(((needed - tokens) / b.rate) * 1000));
      return { key: b.key, tokens };
    });
    if (wait > 0) return wait;
    for (const f of filled) this.levels.set(f.key, { tokens: f.tokens - 1, at: now });
    if (this.levels.size > 20_000) this.sweep(now);
    return 0;
  }

  /** Buckets untouched for a minute are full again: forget them. */
  private sweep(now: number): void {
    for (const [key, level] of this.levels) if (now - level.at > 60_000) this.levels.delete(key);
  }
}

/** Tokens in a bucket at `now`: what was left, plus what the rate added since, at most the burst. */
export function refill(level: Level, bucket: BudgetBucket, now: number): number {
  return Math.min(bucket.burst, level.tokens + (Math.max(0, now - level.at) / 1000) * bucket.rate);
}
