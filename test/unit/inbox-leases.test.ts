import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Handlers } from "../../src/core/handling";
import type { InboxItem } from "../../src/core/inbox-item";
import { InboxProcessor } from "../../src/inbox";
import { createMetrics } from "../../src/metrics";
import type { Outbox } from "../../src/outbox";
import { LEASE_MS, leaseOf } from "../../src/store/roles";
import { SqliteStore } from "../../src/store/sqlite";
import type { WatchEngine } from "../../src/watch/engine";
import { message } from "../store/contract";
import { memoryLogger } from "../support/postgres";

/**
 * Commands of one chat are handled one at a time, and their replies are paced at Feishu's limits: behind a
 * burst, a command can wait in this process's memory for longer than its 20-second lease. It must keep the
 * lease meanwhile. It did not (only the command being handled was renewed): once the lease ran out, the
 * inbox's own claim, every second, took the backlog back 50 rows at a time (counting an attempt each time),
 * in a loop that did not end once the backlog outgrew what it could re-claim within a lease (the event loop
 * stalled, the long connection stopped acking: bench/transports.ts hung), and another replica would have
 * handled the same commands a second time.
 */
describe("the inbox keeps the leases of the commands it holds", () => {
  let store: SqliteStore;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    store = new SqliteStore(":memory:");
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
  });

  it("while they wait behind their chat's earlier commands: neither its own claims nor another replica take them", async () => {
    const handled: string[] = [];
    let release = () => {};
    const firstBlocks = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handlers = {
      route: (m) => ({
        name: "help",
        run: async () => {
          handled.push(m.messageId);
          if (m.messageId === "om_1") await firstBlocks;
          return undefined;
        },
      }),
      alreadyWatched: async () => {},
    } as Partial<Handlers> as Handlers;
    const inbox = new InboxProcessor({
      store,
      watches: store,
      outbox: {} as Outbox,
      engine: {} as WatchEngine,
      handlers,
      logger: memoryLogger().logger,
      metrics: createMetrics(() => store.countOpenWatches()),
      now: Date.now,
      owner: "me",
      locale: "en_us",
      botOpenId: async () => "ou_bot",
    });
    inbox.start();
    const ownClaims: string[] = [];
    const claim = store.claimInbox.bind(store);
    vi.spyOn(store, "claimInbox").mockImplementation(async (limit, lease) => {
      const items = await claim(limit, lease);
      ownClaims.push(...items.map((i) => i.key));
      return items;
    });

    // Recorded and handed over as the ingest core does; all in one chat, so om_2 and om_3 wait for om_1.
    for (const key of ["om_1", "om_2", "om_3"]) {
      const payload = { kind: "message" as const, tenantKey: "", message: message(key) };
      expect(await store.recordInbox(key, `ev_${key}`, payload, leaseOf("me", Date.now()))).toBe("new");
      const item: InboxItem = { key, payload, receivedAt: Date.now(), attempts: 1 };
      void inbox.accept(item);
    }
    // Three leases go by with om_1 still being handled; the scheduler kicks the inbox every second.
    for (let s = 0; s < (3 * LEASE_MS) / 1000; s++) {
      await vi.advanceTimersByTimeAsync(1000);
      inbox.kick();
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(handled).toEqual(["om_1"]);
    expect(ownClaims).toEqual([]);
    expect(await claim(10, leaseOf("other replica", Date.now()))).toEqual([]);

    release();
    await inbox.idle();
    expect(handled).toEqual(["om_1", "om_2", "om_3"]);
    // All done (each completed under its lease), and nothing is held any more: the heartbeat has stopped.
    expect(await claim(10, leaseOf("other replica", Date.now() + 2 * LEASE_MS))).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
