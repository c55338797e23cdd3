import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/api/errors";
import { WatchService } from "../../src/api/watches";
import { createLogger } from "../../src/logger";
import { LEASE_MS, type Store } from "../../src/store/roles";
import { SqliteStore } from "../../src/store/sqlite";

/**
 * The API's create/stop rules without HTTP, on a store whose every call takes a while (as PostgreSQL's do):
 * requests that overlap still make one watch, and two processes on one store agree through its api_requests.
 */
const TASK = "7360595374803812356";
const CHAT = "oc_5ad11d72b830411d72b836c20";
const USER = "ou_7d8a6e6df7621556ce0d21922";
const CLIENT = { id: "0123456789ab", tenantKey: "" };

let stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores) await store.close();
  stores = [];
});

/** A real SQLite store whose calls each wait a few milliseconds first. */
function slowStore(): Store {
  const store = new SqliteStore(":memory:");
  stores.push(store);
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, 5));
        return value.apply(target, args);
      };
    },
  });
}

function service(store: Store, started: number[] = []): WatchService {
  return new WatchService({
    store,
    engine: {
      runNow: async (ids) => {
        started.push(...ids);
      },
      requestStop: async () => true,
    },
    logger: createLogger({ level: "error", format: "json", secrets: [] }),
    now: Date.now,
  });
}

describe("WatchService.create", () => {
  it("overlapping requests for one task and chat, without a key: one watch, started once", async () => {
    const store = slowStore();
    const started: number[] = [];
    const api = service(store, started);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api.create(CLIENT, "", { task_id: TASK, chat_id: CHAT })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.watch.id)).size).toBe(1);
    expect(started).toHaveLength(1);
  });

  it("two processes on one store, the same key at once: one watch (the store's api_requests decides)", async () => {
    const store = slowStore();
    const started: number[] = [];
    const [a, b] = [service(store, started), service(store, started)];
    const body = { task_id: TASK, open_id: USER, note: "n" };
    const answers = await Promise.all([a.create(CLIENT, "", body, "k"), b.create(CLIENT, "", body, "k")]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 201]);
    expect(answers[0].watch.id).toBe(answers[1].watch.id);
    expect(started).toHaveLength(1);
    const reused = b.create(CLIENT, "", { ...body, note: "other" }, "k");
    await expect(reused).rejects.toThrow(ApiError);
    await expect(reused).rejects.toMatchObject({ code: "idempotency_key_reused" });
  });

  it("without the key's binding (lost in a crash), the store's record still tells a retry from a reuse", async () => {
    const store = slowStore();
    const api = service(store);
    const body = { task_id: TASK, open_id: USER };
    const first = await api.create(CLIENT, "", body, "k");
    await store.deleteValue(`api-idempotency:api::${CLIENT.id}:k`);
    expect(await api.create(CLIENT, "", body, "k")).toMatchObject({
      status: 200,
      watch: { id: first.watch.id },
    });
    await store.deleteValue(`api-idempotency:api::${CLIENT.id}:k`);
    await expect(api.create(CLIENT, "", { ...body, mention_open_id: USER }, "k")).rejects.toMatchObject({
      code: "idempotency_key_reused",
    });
  });

  it("a key that answered with an existing watch keeps answering it, also once that watch has ended", async () => {
    const store = slowStore();
    const api = service(store);
    const first = await api.create({ id: "another0000", tenantKey: "" }, "", {
      task_id: TASK,
      chat_id: CHAT,
    });
    const answered = await api.create(CLIENT, "", { task_id: TASK, chat_id: CHAT }, "k");
    expect(answered).toMatchObject({ status: 200, watch: { id: first.watch.id } });
    await store.claimWatches([first.watch.id], { owner: "test", now: Date.now(), ms: 1000 });
    await store.updateWatch(
      first.watch.id,
      { phase: "done", state: "success" },
      { owner: "test", now: Date.now(), ms: LEASE_MS },
      true,
    );
    const retried = await api.create(CLIENT, "", { task_id: TASK, chat_id: CHAT }, "k");
    expect(retried).toMatchObject({ status: 200, watch: { id: first.watch.id, phase: "done" } });
  });

  it("a new request for a task whose watch in that chat has ended makes a new watch", async () => {
    const store = slowStore();
    const api = service(store);
    const first = await api.create(CLIENT, "", { task_id: TASK, chat_id: CHAT });
    await store.claimWatches([first.watch.id], { owner: "test", now: Date.now(), ms: 1000 });
    await store.updateWatch(
      first.watch.id,
      { phase: "done", state: "fail" },
      { owner: "test", now: Date.now(), ms: LEASE_MS },
      true,
    );
    const second = await api.create(CLIENT, "", { task_id: TASK, chat_id: CHAT });
    expect(second.status).toBe(201);
    expect(second.watch.id).not.toBe(first.watch.id);
  });
});

describe("WatchService.get and stop", () => {
  it("a watch of another tenant is not found", async () => {
    const store = slowStore();
    const api = service(store);
    const { watch } = await api.create(CLIENT, "tenant-a", { task_id: TASK, chat_id: CHAT });
    await expect(api.get("tenant-b", watch.id)).rejects.toMatchObject({ code: "watch_not_found" });
    await expect(api.stop(CLIENT, "tenant-b", watch.id)).rejects.toMatchObject({ code: "watch_not_found" });
    expect((await api.get("tenant-a", watch.id)).id).toBe(watch.id);
  });

  it("a stop is recorded before the answer, by the API client and never as an open_id", async () => {
    const store = slowStore();
    const api = service(store);
    const { watch } = await api.create(CLIENT, "", { task_id: TASK, chat_id: CHAT });
    const stopped = await api.stop(CLIENT, "", watch.id);
    expect(stopped.stopRequestedBy).toBe(`api:${CLIENT.id}`);
    await api.idle();
  });
});
