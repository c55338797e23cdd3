import { afterEach, describe, expect, it, vi } from "vitest";
import { FeishuApiError } from "../../src/feishu/errors";
import { Pacer } from "../../src/feishu/pacer";
import { PostgresStore } from "../../src/store/postgres";
import { SqliteStore } from "../../src/store/sqlite";
import { freshDatabase, memoryLogger } from "../support/postgres";

/**
 * A call waiting for a shared budget while the store is away (PostgreSQL restarting, here a closed
 * PostgreSQL store): it fails with the budget's transient error after the pacer's retries, so its caller retries later;
 * nothing is left hanging and nothing escapes as an unhandled rejection.
 */
describe("the pacer when its store is away (PostgreSQL)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fails each waiting call with a transient budget error, in turn, and keeps serving afterwards", async () => {
    const db = await freshDatabase();
    const store = await PostgresStore.open(db.url, memoryLogger().logger, { max: 2 });
    await store.close();
    await db.drop();
    vi.useFakeTimers();
    const pacer = new Pacer(store, () => Date.now());
    const shared = { key: "im:tenant", rate: 16, burst: 30 };

    const first = pacer.acquire({ key: "chat:oc_a", rate: 4.5, burst: 1 }, shared, 1);
    const second = pacer.acquire(undefined, shared, 2);
    const failures = [first, second].map((p) =>
      p.then(
        () => "granted",
        (error: unknown) => error,
      ),
    );
    await vi.advanceTimersByTimeAsync(25_000);
    for (const outcome of await Promise.all(failures)) {
      expect(outcome).toBeInstanceOf(FeishuApiError);
      expect((outcome as FeishuApiError).message).toMatch(/rate budget is not available/);
    }

    // A store that is back serves the next call at once.
    const again = new Pacer(new SqliteStore(":memory:"), () => Date.now());
    await expect(again.acquire(undefined, shared, 1)).resolves.toBeUndefined();
  });
});
