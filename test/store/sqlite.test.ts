import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LEASE_MS } from "../../src/store/roles";
import { SqliteStore } from "../../src/store/sqlite";
import { MIGRATIONS } from "../../src/store/sqlite/migrations";
import { tempDir } from "../support/bot";
import { checkLegacyKeys, LEGACY_KEYS, newWatch, payload, storeContract, T0, watchesOf } from "./contract";

storeContract("sqlite", async () => new SqliteStore(":memory:"));

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

describe("SqliteStore on its own", () => {
  it("migrates a file once, reopens it, voids a dead owner's leases, and refuses a newer schema", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.dir, "nested", "bot.sqlite");
    const first = new SqliteStore(path);
    const [w] = await watchesOf(first, "c", [newWatch("A", { commandMessageId: "c" })], T0);
    await first.claimWatches([w.id], { owner: "dead-process", now: T0, ms: 60_000 });
    await first.close();

    const second = new SqliteStore(path);
    expect((await second.claimWatches([w.id], { owner: "me", now: T0 + 1, ms: 60_000 })).length).toBe(1);
    await second.close();

    const raw = new Database(path);
    expect(raw.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(/newer than this bot/);
  });

  it("keeps the watches of a version-3 database through the upgrade", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.dir, "v3.sqlite");
    const raw = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 3)) raw.exec(sql);
    raw.pragma("user_version = 3");
    raw
      .prepare(
        `INSERT INTO watches (task_id, chat_id, chat_type, requester_open_id, command_message_id, card_message_id,
           phase, next_check_at, created_at, updated_at, last_check_at) VALUES ('7', 'oc', 'group', 'ou', 'om', 'omc', 'active', 1, 1, 1, 5)`,
      )
      .run();
    raw.close();
    const store = new SqliteStore(path);
    const [w] = await store.listWatches({ tenantKey: "", openOnly: true, limit: 10 });
    expect(w).toMatchObject({
      taskId: "7",
      chatType: "group",
      origin: "command",
      tenantKey: "",
      cardMessageId: "omc",
      shownCheckAt: 5,
    });
    const { watch: next } = await store.createWatch(newWatch("8"), T0);
    expect(next.id).toBeGreaterThan(w.id);
    await store.close();
  });

  it("upgrades the API's Idempotency-Keys to one record each, from the kv bindings of version 5", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.dir, "v5.sqlite");
    const raw = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 5)) raw.exec(sql);
    raw.pragma("user_version = 5");
    const ids = LEGACY_KEYS.watches.map(([, ,], i) => {
      const row = raw
        .prepare(
          `INSERT INTO watches (tenant_key, task_id, origin, chat_id, chat_type, requester_open_id, phase,
             next_check_at, created_at, updated_at) VALUES (?, ?, 'api', ?, 'group', '', 'new', 1, 1, 1)`,
        )
        .run(i === 0 ? "" : "tenant_x", `77777${i}`, `oc_${i}`);
      return Number(row.lastInsertRowid);
    });
    const kv = raw.prepare("INSERT INTO kv (key, value, expires_at, updated_at) VALUES (?, ?, NULL, ?)");
    for (const [i, [scope, key, digest]] of LEGACY_KEYS.watches.entries()) {
      kv.run(LEGACY_KEYS.binding(scope, key), JSON.stringify({ watchId: ids[i], request: digest }), T0);
    }
    kv.run("sdk:unrelated", "kept", T0);
    // The first key has its row too; the second only its binding (a crash came between them).
    const [scope, key] = LEGACY_KEYS.watches[0];
    raw
      .prepare("INSERT INTO api_requests (scope, idempotency_key, watch_id, created_at) VALUES (?, ?, ?, ?)")
      .run(scope, key, ids[0], T0);
    raw.close();
    const store = new SqliteStore(path);
    await checkLegacyKeys(store, ids);
    await store.close();
  });

  it("records a burst in one transaction, each caller told its own result, duplicates inside the burst too", async () => {
    const store = new SqliteStore(":memory:");
    const results = await Promise.all([
      store.recordInbox("om_1", "e1", payload("om_1"), { owner: "me", now: T0, ms: 0 }),
      store.recordInbox("om_2", "e2", payload("om_2"), { owner: "me", now: T0, ms: 0 }),
      store.recordInbox("om_1", "e3", payload("om_1"), { owner: "me", now: T0, ms: 0 }),
      store.recordInbox("om_3", "e2", payload("om_3"), { owner: "me", now: T0, ms: 0 }),
    ]);
    expect(results).toEqual(["new", "new", "duplicate", "duplicate"]);
    expect((await store.claimInbox(10, { owner: "me", now: T0 + 1, ms: 1000 })).map((i) => i.key)).toEqual([
      "om_1",
      "om_2",
    ]);
  });

  it("commits what is pending when the store closes; its successor claims it at once", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.dir, "bot.sqlite");
    const store = new SqliteStore(path);
    const recorded = store.recordInbox("om_c", "ec", payload("om_c"), {
      owner: "dying-process",
      now: T0,
      ms: LEASE_MS,
    });
    await store.close();
    expect(await recorded).toBe("new");
    const reopened = new SqliteStore(path);
    expect((await reopened.claimInbox(10, { owner: "me", now: T0 + 1, ms: 1000 })).map((i) => i.key)).toEqual(
      ["om_c"],
    );
    await reopened.close();
  });

  it("claims the inbox through the pending-only index, not by walking the day of handled rows", async () => {
    const store = new SqliteStore(":memory:");
    await store.claimInbox(50, { owner: "me", now: T0, ms: 1000 });
    // The statement the store really ran (from its statement cache), explained with its own parameters.
    // biome-ignore lint/complexity/useLiteralKeys: a private member, read on purpose
    const statements = store["d"]["statements"] as Map<string, Database.Statement>;
    const claim = [...statements.keys()].find((sql) => sql.startsWith("UPDATE inbox SET lease_owner"));
    expect(claim).toBeDefined();
    // biome-ignore lint/complexity/useLiteralKeys: a private member, read on purpose
    const db = store["d"].db;
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${claim}`).all("me", 1, 1, 1, 1, 50) as Array<{
      detail: string;
    }>;
    const details = plan.map((p) => p.detail).join("; ");
    expect(details).toContain("inbox_pending");
    expect(details).not.toContain("inbox_received");
    await store.close();
  });
});
