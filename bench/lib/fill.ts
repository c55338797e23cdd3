import type { Watch, WatchChanges } from "../../src/core/watch";
import { LEASE_MS, type Store } from "../../src/store/roles";
import { SqliteStore } from "../../src/store/sqlite";
import { type FleetSpec, fleet } from "./fleet";

export interface FillSpec {
  spec: FleetSpec;
  scenario: number;
  hot?: number;
  active?: boolean;
  /** with active: the task already seen running, the card current: a round finds nothing new to show */
  steady?: boolean;
}

/**
 * Fills a SQLite file with the fleet's watches through the store, as /status commands would have created
 * them (run by the benchmark before the bot's process starts, so the bot's memory is only its own).
 *   hot:    only the first `hot` watches are due now; the others are active and due 10–20 min from now
 *   active: every watch starts "active" (its first card handled, the card not patchable) instead of "new"
 *   steady: with active, its task already seen "process" and its card current, as in most rounds of a watch
 */
export async function fillStore(dbPath: string, c: FillSpec): Promise<number> {
  const store = new SqliteStore(dbPath);
  try {
    return await fillInto(store, c);
  } finally {
    await store.close();
  }
}

/**
 * fillStore on any store (a PostgreSQL one too: `parallel` creates that many watches at a time, so a
 * durable server's commits overlap; the watches' ids then follow their order only roughly).
 */
export async function fillInto(store: Store, c: FillSpec, parallel = 1): Promise<number> {
  const now = Date.now();
  const watches = fleet(c.spec, c.scenario);
  const created: Watch[] = new Array(watches.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < watches.length; i = next++) {
      const w = watches[i];
      const made = await store.createWatch(
        {
          tenantKey: "",
          taskId: w.taskId,
          origin: "command",
          chatId: w.chatId,
          chatType: w.chatType,
          requesterOpenId: w.senderOpenId,
          commandMessageId: w.messageId,
        },
        now,
      );
      // The store keeps one open watch per task and chat: a fleet that repeats a pair would silently get fewer
      // watches than it asked for (and the same watch twice below).
      if (!made.created) {
        throw new Error(
          `fill: watch ${i} (task ${w.taskId} in ${w.chatId}) is not new (${made.existing}): a task is watched at most once per chat`,
        );
      }
      created[i] = made.watch;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const adjust = created.filter((_, i) => c.active || (c.hot !== undefined && i >= c.hot));
  const owner = "bench-fill";
  if (adjust.length > 0) {
    await store.claimWatches(
      adjust.map((w) => w.id),
      { owner: owner, now: now, ms: 60_000 },
    );
    for (const [i, w] of adjust.entries()) {
      // "active" without a card id: the state after a first card that can no longer be patched.
      const later = c.hot !== undefined && !c.active ? { nextCheckAt: now + 600_000 + i * 60 } : {};
      const seen: WatchChanges = c.steady
        ? { state: "running", rawStatus: "process", lastCheckAt: now, shownCheckAt: now }
        : {};
      await store.updateWatch(
        w.id,
        { phase: "active", ...seen, ...later },
        { owner: owner, now: now, ms: LEASE_MS },
        true,
      );
    }
  }
  return created.length;
}
