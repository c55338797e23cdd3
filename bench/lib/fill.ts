import { SqliteStore } from "../../src/store/sqlite";
import type { Watch } from "../../src/store/types";
import { type FleetSpec, fleet } from "./fleet";

export interface FillSpec {
  spec: FleetSpec;
  scenario: number;
  hot?: number;
  active?: boolean;
}

/**
 * Fills a SQLite file with the fleet's watches through the store, as /status commands would have created
 * them (run by the benchmark before the bot's process starts, so the bot's memory is only its own).
 *   hot:    only the first `hot` watches are due now; the others are active and due 10–20 min from now
 *   active: every watch starts "active" (its first card handled, the card not patchable) instead of "new"
 */
export async function fillStore(dbPath: string, c: FillSpec): Promise<number> {
  const store = new SqliteStore(dbPath);
  const now = Date.now();
  const created: Watch[] = [];
  for (const w of fleet(c.spec, c.scenario)) {
    const { watch } = await store.createWatch(
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
    created.push(watch);
  }
  const adjust = created.filter((_, i) => c.active || (c.hot !== undefined && i >= c.hot));
  const owner = "bench-fill";
  if (adjust.length > 0) {
    await store.claimWatches(
      adjust.map((w) => w.id),
      now,
      owner,
      60_000,
    );
    for (const [i, w] of adjust.entries()) {
      // "active" without a card id: the state after a first card that can no longer be patched.
      const later = c.hot !== undefined && !c.active ? { nextCheckAt: now + 600_000 + i * 60 } : {};
      await store.updateWatch(w.id, { phase: "active", ...later }, owner, true, now);
    }
  }
  await store.close();
  return created.length;
}
