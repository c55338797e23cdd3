import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { urlPassword } from "../../src/redact";
import { PostgresStore } from "../../src/store/postgres";
import { migrate, PG_MIGRATIONS } from "../../src/store/postgres/migrations";
import { scrubbed } from "../../src/store/postgres/pool";
import { LEASE_MS, LeaseLostError, type Store } from "../../src/store/roles";
import { eventually } from "../support/bot";
import { freshDatabase, memoryLogger, type TestDatabase } from "../support/postgres";
import { startEmbedded } from "../support/postgres-server";
import { startTcpProxy } from "../support/tcp-proxy";
import {
  checkLegacyKeys,
  LEGACY_KEYS,
  newWatch,
  payload,
  storeContract,
  T0,
  userToken,
  watchesOf,
} from "./contract";

storeContract("postgres", async () => {
  const db = await freshDatabase();
  const store = await PostgresStore.open(db.url, memoryLogger().logger, { max: 4 });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await db.drop();
  };
  return store;
});

describe("PostgresStore: several replicas on one database", () => {
  let db: TestDatabase;
  const stores: Store[] = [];
  const open = async (url = db.url) => {
    const store = await PostgresStore.open(url, memoryLogger().logger, { max: 4 });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await db.drop();
  });

  async function sql(text: string, values: unknown[] = []) {
    const client = new pg.Client(db.url);
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  it("migrates once when several replicas open an empty database together, and refuses a newer schema", async () => {
    const replicas = await Promise.all(Array.from({ length: 6 }, () => open()));
    const versions = await sql("SELECT version FROM schema_migrations ORDER BY version");
    expect(versions.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    // Every replica works on the one schema.
    const { watch } = await replicas[0].createWatch(newWatch("A"), T0);
    expect((await replicas[5].getWatch(watch.id))?.taskId).toBe("A");
    await sql("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)", [
      PG_MIGRATIONS.length + 1,
    ]);
    await expect(open()).rejects.toThrow(/newer than this bot/);
  });

  it("upgrades the API's Idempotency-Keys to one record each, from the kv bindings of version 3", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await migrate(pool, PG_MIGRATIONS.slice(0, 3));
    await pool.end();
    const ids: number[] = [];
    for (const [i] of LEGACY_KEYS.watches.entries()) {
      const [row] = await sql(
        `INSERT INTO watches (tenant_key, task_id, origin, chat_id, chat_type, requester_open_id, phase,
           next_check_at, created_at, updated_at) VALUES ($1, $2, 'api', $3, 'group', '', 'new', 1, 1, 1) RETURNING id`,
        [i === 0 ? "" : "tenant_x", `77777${i}`, `oc_${i}`],
      );
      ids.push(Number(row.id));
    }
    for (const [i, [scope, key, digest]] of LEGACY_KEYS.watches.entries()) {
      await sql("INSERT INTO kv (key, value, expires_at, updated_at) VALUES ($1, $2, NULL, $3)", [
        LEGACY_KEYS.binding(scope, key),
        JSON.stringify({ watchId: ids[i], request: digest }),
        T0,
      ]);
    }
    await sql(
      "INSERT INTO kv (key, value, expires_at, updated_at) VALUES ('sdk:unrelated', 'kept', NULL, $1)",
      [T0],
    );
    const [scope, key] = LEGACY_KEYS.watches[0];
    await sql(
      "INSERT INTO api_requests (scope, idempotency_key, watch_id, created_at) VALUES ($1, $2, $3, $4)",
      [scope, key, ids[0], T0],
    );
    await checkLegacyKeys(await open(), ids);
  });

  it("never voids another replica's leases when a replica starts", async () => {
    const first = await open();
    const [w] = await watchesOf(first, "c", [newWatch("A", { commandMessageId: "c" })], T0);
    expect(await first.claimWatches([w.id], { owner: "replica-1", now: T0, ms: 60_000 })).toHaveLength(1);
    const second = await open();
    expect(await second.claimWatches([w.id], { owner: "replica-2", now: T0 + 1, ms: 60_000 })).toEqual([]);
    expect(await second.claimDueWatches(10, T0 + 1, { owner: "replica-2", now: T0 + 1, ms: 60_000 })).toEqual(
      [],
    );
    expect(
      await second.claimWatches([w.id], { owner: "replica-2", now: T0 + 60_001, ms: 60_000 }),
    ).toHaveLength(1);
  });

  it("hands each due watch and each inbox item to exactly one of two replicas claiming at once", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    for (let i = 0; i < 60; i++) {
      // 30 tasks, two chats each; and 60 commands recorded by a replica that died.
      await a.createWatch(
        newWatch(`task-${i % 30}`, { chatId: `oc_${i}`, commandMessageId: `m${i}` }),
        T0 + i,
      );
      await a.recordInbox(`om_${i}`, `ev_${i}`, payload(`om_${i}`), { owner: "dead", now: T0 + i, ms: 1000 });
    }
    const now = T0 + 10_000;
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).claimDueWatches(3, now + 5000, { owner: `owner-${i}`, now: now, ms: LEASE_MS }),
      ),
    );
    const inbox = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).claimInbox(10, { owner: `owner-${i}`, now: now, ms: LEASE_MS }),
      ),
    );
    const watchIds = claims.flat().map((w) => w.id);
    expect(new Set(watchIds).size).toBe(watchIds.length);
    const keys = inbox.flat().map((item) => item.key);
    expect(new Set(keys).size).toBe(keys.length);
    // Whatever is left goes to the next claims, still once each.
    const rest = [
      ...(await a.claimDueWatches(100, now + 5000, { owner: "late", now: now, ms: LEASE_MS })),
      ...(await b.claimDueWatches(100, now + 5000, { owner: "late", now: now, ms: LEASE_MS })),
    ];
    expect(new Set([...watchIds, ...rest.map((w) => w.id)]).size).toBe(60);
    expect(watchIds.length + rest.length).toBe(60);
    const restInbox = await b.claimInbox(100, { owner: "late", now: now, ms: LEASE_MS });
    expect(keys.length + restInbox.length).toBe(60);
  });

  it("answers 'new' once when two replicas record one message at the same instant", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    for (let round = 0; round < 20; round++) {
      const key = `om_race_${round}`;
      const results = await Promise.all([
        a.recordInbox(key, `ev_a_${round}`, payload(key), { owner: "a", now: T0, ms: LEASE_MS }),
        b.recordInbox(key, `ev_b_${round}`, payload(key), { owner: "b", now: T0, ms: LEASE_MS }),
        a.recordInbox(key, `ev_a_${round}`, payload(key), { owner: "a", now: T0, ms: LEASE_MS }),
        b.recordInbox(key, `ev_a_${round}`, payload(key), { owner: "b", now: T0, ms: LEASE_MS }),
      ]);
      expect(results.filter((r) => r === "new")).toHaveLength(1);
    }
  });

  it("creates one watch for simultaneous identical API requests on two replicas", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const api = newWatch("77", { origin: "api", commandMessageId: null, apiClient: "k" });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).createWatch(api, T0, { scope: "k", key: "one", request: "r" }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.watch.id)).size).toBe(1);
    expect(await a.countOpenWatches()).toBe(1);
  });

  it("lets one replica at a time work on a person's tokens; the next sees what the first committed", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    await a.saveUserToken(userToken("ou_a", "v0"));
    const order: string[] = [];
    // Each replica "refreshes" 20 times: reads the current pair, waits (the call to Feishu), keeps the next one.
    const refresh = (store: Store, name: string) =>
      store.lockUserToken("", "ou_a", async (current) => {
        const n = Number(current?.accessToken.slice(1));
        order.push(`${name}:${n}`);
        await new Promise((r) => setTimeout(r, 5));
        return { keep: userToken("ou_a", `v${n + 1}`), result: n };
      });
    const seen = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? refresh(a, "a") : refresh(b, "b"))),
    );
    // Every pair was used exactly once: no two refreshes ever started from the same refresh token.
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect((await b.getUserToken("", "ou_a"))?.accessToken).toBe("v40");
    expect(new Set(order.map((o) => o.split(":")[0]))).toEqual(new Set(["a", "b"]));
  });

  it("shares one budget between replicas: never more than the burst at once, then the rate", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const bucket = { key: "tc:", rate: 5, burst: 2 };
    const other = { key: "im:", rate: 0.001, burst: 100 };
    const grants = async (now: number) => {
      const waits = await Promise.all(
        Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).takeBudget([other, bucket], now)),
      );
      return waits.filter((w) => w === 0).length;
    };
    expect(await grants(T0)).toBe(2); // the burst
    expect(await grants(T0)).toBe(0);
    expect(await grants(T0 + 1000)).toBe(2); // 5 per second, at most the burst saved up
    expect(await grants(T0 + 1200)).toBe(1);
    // All buckets or none: the generous bucket gave one permit per grant only.
    const rows = await sql("SELECT key, tokens FROM budgets ORDER BY key");
    expect(rows.find((r) => r.key === "im:")?.tokens).toBeCloseTo(100 - 5, 2);
    // A replica whose clock is behind takes nothing extra and moves nothing back.
    expect(await a.takeBudget([bucket], T0)).toBeGreaterThan(0);
    expect(Number((await sql("SELECT at FROM budgets WHERE key = 'tc:'"))[0].at)).toBe(T0 + 1200);
  });

  it("draws the budget in real time from two replicas within rate + burst", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const bucket = { key: "tc:real", rate: 20, burst: 1 };
    const granted: number[] = [];
    const start = Date.now();
    const worker = async (store: Store) => {
      while (Date.now() - start < 1500) {
        const now = Date.now();
        const wait = await store.takeBudget([bucket], now);
        if (wait === 0) granted.push(now);
        else await new Promise((r) => setTimeout(r, Math.min(wait, 20)));
      }
    };
    await Promise.all([a, a, a, b, b, b].map(worker));
    const elapsed = Date.now() - start;
    expect(granted.length).toBeLessThanOrEqual(Math.ceil((elapsed / 1000) * bucket.rate) + bucket.burst);
    expect(granted.length).toBeGreaterThan(5);
    for (const t of granted) {
      expect(granted.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(
        bucket.rate + bucket.burst,
      );
    }
  });

  it("wakes the other replica", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    let woken = 0;
    const off = b.onWake(() => woken++);
    await a.wake();
    await eventually(async () => woken > 0, 5000);
    off();
  });

  it("claims through the partial indexes (pending inbox by arrival, open watches by due time)", async () => {
    const store = await open();
    const texts: string[] = [];
    // biome-ignore lint/complexity/useLiteralKeys: a private member, read on purpose
    const pool = store["pool"] as pg.Pool;
    const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<unknown>;
    Object.assign(pool, {
      query: (config: pg.QueryConfig) => {
        texts.push(config.text);
        return query(config);
      },
    });
    await store.claimInbox(50, { owner: "me", now: T0, ms: 1000 });
    await store.claimDueWatches(5, T0, { owner: "me", now: T0, ms: 1000 });
    // The statements the store really ran, explained with the planner told to avoid sequential scans (the
    // tables are tiny here): an index the predicate does not match would not show up.
    const client = new pg.Client(db.url);
    await client.connect();
    const explain = async (text: string, values: unknown[]) =>
      (await client.query(`EXPLAIN ${text}`, values)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    let plans: string[];
    try {
      await client.query("SET enable_seqscan = off");
      plans = [
        await explain(texts[0], [T0, 50, "me", T0 + 1000]),
        await explain(texts[1], [T0, 20, 5, T0, "me", T0 + 1000]),
      ];
    } finally {
      await client.end();
    }
    expect(plans[0]).toContain("inbox_pending");
    expect(plans[1]).toContain("watches_due");
  });

  it("keeps the password out of errors", async () => {
    const url = new URL(db.url);
    url.password = "pw-that-must-not-leak";
    url.port = "1"; // nothing listens there
    const error = await PostgresStore.open(url.toString(), memoryLogger().logger).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).not.toContain("pw-that-must-not-leak");
    expect(urlPassword(url.toString())).toBe("pw-that-must-not-leak");
    // Masked in place: an error keeps its class (a lost lease stays a LeaseLostError).
    const masked = scrubbed(new Error("at postgres://u:pw-1234@h/db"), "pw-1234") as Error;
    expect(masked.message).toBe("at postgres://u:***@h/db");
    expect(scrubbed(new LeaseLostError("watch", 7), "watch")).toBeInstanceOf(LeaseLostError);
  });

  it("survives the database going away: calls fail, ping is false, then all works again by itself", async () => {
    const target = new URL(db.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const { logger, lines } = memoryLogger();
    const store = await PostgresStore.open(proxy.via(db.url), logger, { max: 4 });
    stores.push(store);
    const other = await open(); // a replica that keeps its database
    let woken = 0;
    store.onWake(() => woken++);
    try {
      const { watch } = await store.createWatch(newWatch("A"), T0);
      expect(await store.ping()).toBe(true);

      proxy.cut();
      expect(await store.ping()).toBe(false);
      await expect(store.getWatch(watch.id)).rejects.toThrow();
      await expect(store.createWatch(newWatch("B"), T0)).rejects.toThrow();
      await expect(store.takeBudget([{ key: "k", rate: 1, burst: 1 }], T0)).rejects.toThrow();
      await expect(store.claimDueWatches(10, T0, { owner: "me", now: T0, ms: LEASE_MS })).rejects.toThrow();
      await expect(store.wake()).rejects.toThrow();
      const password = urlPassword(db.url);
      if (password) expect(lines.join("\n")).not.toContain(password);

      proxy.restore();
      await eventually(() => store.ping(), 10_000);
      expect((await store.getWatch(watch.id))?.taskId).toBe("A");
      expect(
        await store.claimDueWatches(10, T0 + 1, { owner: "me", now: T0 + 1, ms: LEASE_MS }),
      ).toHaveLength(1);
      // The wake-up connection listens again too (it reconnects with a backoff of at most 5 s).
      expect(lines.some((l) => l.includes("wake-up connection dropped"))).toBe(true);
      await eventually(
        async () => lines.some((l) => l.includes("listening for PostgreSQL wake-ups again")),
        15_000,
      );
      const before = woken;
      await other.wake();
      await eventually(async () => woken > before, 5000);
    } finally {
      await proxy.close();
    }
  });

  it("survives its server crashing and restarting: fails meanwhile, then works by itself; budgets come back full", async () => {
    // A server of its own (whatever TEST_DATABASE_URL says): this test kills it.
    const server = await startEmbedded({ restartable: true });
    const { logger, lines } = memoryLogger();
    const store = await PostgresStore.open(server.url, logger, { max: 4 });
    const bucket = [{ key: "restart", rate: 0.001, burst: 1 }];
    try {
      const { watch } = await store.createWatch(newWatch("A"), T0);
      expect(await store.takeBudget(bucket, T0)).toBe(0);
      expect(await store.takeBudget(bucket, T0)).toBeGreaterThan(0); // empty for the next 1,000 s

      await server.crash();
      expect(await store.ping()).toBe(false);
      await expect(store.getWatch(watch.id)).rejects.toThrow();

      await server.start();
      await eventually(() => store.ping(), 15_000);
      // What was committed survives the crash; the budgets (UNLOGGED) start afresh, full.
      expect((await store.getWatch(watch.id))?.taskId).toBe("A");
      expect(
        await store.claimDueWatches(10, T0 + 1, { owner: "me", now: T0 + 1, ms: LEASE_MS }),
      ).toHaveLength(1);
      expect(await store.takeBudget(bucket, T0)).toBe(0);
      await eventually(
        async () => lines.some((l) => l.includes("listening for PostgreSQL wake-ups again")),
        20_000,
      );
    } finally {
      await store.close().catch(() => undefined);
      await server.stop();
    }
  }, 90_000);
});
