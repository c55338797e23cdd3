import type { BudgetBucket } from "../roles";
import type { Db } from "./pool";

/**
 * The deployment-wide rate budget: token buckets in a table, taken by the take_budget function
 * (migrations.ts) in one statement, so every replica draws from one budget. Keys are passed sorted: takes lock
 * their rows in one order and never deadlock.
 */
export async function takeBudget(db: Db, buckets: BudgetBucket[], now: number): Promise<number> {
  const byKey = new Map(buckets.map((b) => [b.key, b]));
  const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const { rows } = await db.query("SELECT take_budget($1, $2, $3, $4, $5) AS wait", [
    sorted.map((b) => b.key),
    sorted.map((b) => b.rate),
    sorted.map((b) => b.burst),
    sorted.map((b) => b.reserve ?? 0),
    now,
  ]);
  return Number(rows[0].wait);
}
