import { afterEach, describe, expect, it, vi } from "vitest";
import { PostgresStore } from "../../src/store/postgres";
import { freshDatabase, memoryLogger, type TestDatabase } from "../support/postgres";

/**
 * Found by the soak: two replicas whose clocks were about a second apart shared the task_check budget (burst 1,
 * 5/s), and each saw the stamp the other left as older than it was and refilled early: 7 calls in one second.
 * The buckets are now stamped on the database's clock (each replica's offset to it measured when its store
 * opens), so the budget holds whatever the replicas' clocks say.
 */
describe("the shared budget with replicas' clocks a second apart (PostgreSQL)", () => {
  let db: TestDatabase | undefined;
  const stores: PostgresStore[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const s of stores.splice(0)) await s.close();
    await db?.drop();
  });

  it("spaces permits by 1/rate when a slow and a fast replica share an idle bucket (burst 1)", async () => {
    db = await freshDatabase();
    const realNow = Date.now.bind(Date);
    const open = async (skewMs: number) => {
      vi.spyOn(Date, "now").mockImplementation(() => realNow() + skewMs);
      const store = await PostgresStore.open(db?.url ?? "", memoryLogger().logger, { max: 2 });
      vi.restoreAllMocks();
      stores.push(store);
      return (buckets: Parameters<PostgresStore["takeBudget"]>[0]) =>
        store.takeBudget(buckets, realNow() + skewMs);
    };
    const fast = await open(1000);
    const slow = await open(-1000);
    const bucket = [{ key: "tc:skew", rate: 5, burst: 1 }];

    // An idle bucket (full: 1 permit). The slow replica takes it, the fast one asks right after, then both
    // keep asking for a second: at most 5/s plus the burst of 1 in any second.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const grants: number[] = [];
    const started = realNow();
    for (let i = 0; realNow() - started < 1000; i++) {
      if ((await (i % 2 ? fast : slow)(bucket)) === 0) grants.push(realNow() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(grants.length).toBeGreaterThanOrEqual(4);
    expect(grants.length).toBeLessThanOrEqual(6);
    // A burst of 1 at 5/s: after a permit the next one is 200 ms away, whichever replica asks.
    const gaps = grants.slice(1).map((at, i) => at - grants[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150);
  });
});
