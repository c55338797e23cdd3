import type { BudgetStore } from "../store/roles";
import type { ApiClient } from "./auth";
import { ApiError, stored } from "./errors";

/**
 * Requests per second each token may make, for the whole deployment (every replica draws from the store's
 * one budget), and how many may come at once after a quiet spell. A script that starts folder moves needs a
 * few; a runaway loop is stopped here before it floods a chat with cards.
 */
export const API_REQUESTS_PER_SECOND = 5;
export const API_BURST = 10;

/** Takes one permit for `client`, or throws `rate_limited` with the seconds to wait (at least 1). */
export async function takeApiPermit(store: BudgetStore, client: ApiClient, now: number): Promise<void> {
  const bucket = { key: `api:${client.id}`, rate: API_REQUESTS_PER_SECOND, burst: API_BURST };
  const waitMs = await stored(() => store.takeBudget([bucket], now));
  if (waitMs > 0) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new ApiError(
      "rate_limited",
      `at most ${API_REQUESTS_PER_SECOND} requests per second per token (bursts of ${API_BURST}); retry in ${seconds} s`,
      { "Retry-After": String(seconds) },
    );
  }
}
