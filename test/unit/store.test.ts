import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { IncomingMessage } from "../../src/feishu/message";
import { MIGRATIONS } from "../../src/store/migrations";
import { SqliteStore } from "../../src/store/sqlite";
import type { NewWatch } from "../../src/store/types";
import { tempDir } from "../support/harness";

const T0 = 1_700_000_000_000;
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function message(id: string, eventId = `ev_${id}`): IncomingMessage {
  return {
    messageId: id,
    eventId,
    chatId: "oc_1",
    chatType: "p2p",
    senderOpenId: "ou_1",
    senderType: "user",
    messageType: "text",
    text: "/status 1",
    mentions: [],
  };
}

const watch = (taskId: string, commandMessageId = `om_${taskId}`): NewWatch => ({
  taskId,
  chatId: "oc_1",
  chatType: "p2p",
  requesterOpenId: "ou_1",
  commandMessageId,
});

describe("SqliteStore", () => {
  it("records a message once, by message_id or by event_id", async () => {
    const store = new SqliteStore(":memory:");
    const payload = (m: IncomingMessage) => ({ kind: "message" as const, message: m });
    const m = message("om_a");
    expect(await store.recordInbox("om_a", "ev1", payload(m), T0, "me", 60_000)).toBe("new");
    expect(await store.recordInbox("om_a", "ev2", payload(m), T0, "me", 60_000)).toBe("duplicate"); // re-push
    expect(await store.recordInbox("om_b", "ev1", payload(m), T0, "me", 60_000)).toBe("duplicate"); // same event
    // Recorded already leased to its recorder, who handles it from memory; others only after the lease.
    expect(await store.claimInbox(T0 + 1000, 10, "other", 60_000)).toEqual([]);
    const items = await store.claimInbox(T0 + 60_001, 10, "other", 60_000);
    expect(items.map((i) => [i.key, i.attempts])).toEqual([["om_a", 2]]);
    expect(await store.claimInbox(T0 + 60_002, 10, "third", 60_000)).toEqual([]); // leased again
  });

  it("creates watches idempotently with the command's completion", async () => {
    const store = new SqliteStore(":memory:");
    const first = await store.completeInbox("om_x", [watch("1", "om_x"), watch("2", "om_x")], T0);
    const again = await store.completeInbox("om_x", [watch("1", "om_x")], T0 + 5);
    expect(again[0].id).toBe(first[0].id);
    expect(await store.countOpenWatches()).toBe(2);
  });

  it("claims due tasks oldest first, coalesces a task's watches, and leases them exclusively", async () => {
    const store = new SqliteStore(":memory:");
    const [a] = await store.completeInbox("c1", [watch("A", "c1")], T0 + 3000);
    const [b] = await store.completeInbox("c2", [watch("B", "c2")], T0 + 1000);
    const [b2] = await store.completeInbox("c3", [watch("B", "c3")], T0 + 1500);
    const [c] = await store.completeInbox("c4", [watch("C", "c4")], T0 + 2000);
    // One task per round: the oldest due is B, and its second watch (due 0.5 s later) comes along.
    const now = T0 + 5000;
    const claimed = await store.claimDueWatches(now, 1, "me", 60_000, now + 5000);
    expect(claimed.map((w) => w.id).sort()).toEqual([b.id, b2.id].sort());
    const next = await store.claimDueWatches(now, 10, "other", 60_000, now);
    expect(next.map((w) => w.id)).toEqual([c.id, a.id]);
    expect(await store.claimDueWatches(now, 10, "third", 60_000, now)).toEqual([]);
    // After the lease expires, anyone may claim again.
    expect((await store.claimDueWatches(now + 61_000, 10, "third", 60_000, now)).length).toBe(4);
  });

  it("applies changes only for the lease owner", async () => {
    const store = new SqliteStore(":memory:");
    const [w] = await store.completeInbox("c", [watch("A", "c")], T0);
    await store.claimWatches([w.id], T0, "me", 60_000);
    await store.updateWatch(w.id, { state: "success" }, "intruder", true, T0);
    expect((await store.getWatch(w.id))?.state).toBe("running");
    await store.updateWatch(w.id, { state: "success", cardDisabled: true }, "me", true, T0);
    expect(await store.getWatch(w.id)).toMatchObject({ state: "success", cardDisabled: true });
  });

  it("records a stop request without a lease, only for an open watch", async () => {
    const store = new SqliteStore(":memory:");
    const [w] = await store.completeInbox("c", [watch("A", "c")], T0);
    await store.claimWatches([w.id], T0, "me", 60_000);
    expect(await store.requestStop(w.id, "ou_2", T0 + 10)).toBe(true);
    expect((await store.getWatch(w.id))?.stopRequestedBy).toBe("ou_2");
    await store.updateWatch(w.id, { phase: "done" }, "me", true, T0);
    expect(await store.requestStop(w.id, "ou_2", T0 + 20)).toBe(false);
  });

  it("keeps delivery records for the retention window, then purges them", async () => {
    const store = new SqliteStore(":memory:");
    const payload = { kind: "message" as const, message: message("om_p") };
    await store.recordInbox("om_p", "ev_p", payload, T0, "me", 0);
    await store.completeInbox("om_p", [], T0);
    expect(await store.purge(T0 - 1)).toBe(0);
    expect(await store.purge(T0 + 1)).toBe(2); // the seen event and the handled inbox row
    expect(await store.recordInbox("om_p", "ev_p", payload, T0 + 2, "me", 0)).toBe("new");
  });

  it("migrates a file once, reopens it, voids a dead owner's leases, and refuses a newer schema", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.dir, "nested", "bot.sqlite");
    const first = new SqliteStore(path);
    const [w] = await first.completeInbox("c", [watch("A", "c")], T0);
    await first.claimWatches([w.id], T0, "dead-process", 60_000);
    await first.close();

    const second = new SqliteStore(path);
    expect((await second.claimWatches([w.id], T0 + 1, "me", 60_000)).length).toBe(1);
    await second.close();

    const raw = new Database(path);
    expect(raw.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(/newer than this bot/);
  });
});

describe("group commit of inbox records", () => {
  it("records a burst in one transaction, each caller told its own result, duplicates inside the burst too", async () => {
    const store = new SqliteStore(":memory:");
    const payload = (id: string) => ({ kind: "message" as const, message: message(id) });
    const results = await Promise.all([
      store.recordInbox("om_1", "e1", payload("om_1"), T0, "me", 0),
      store.recordInbox("om_2", "e2", payload("om_2"), T0, "me", 0),
      store.recordInbox("om_1", "e3", payload("om_1"), T0, "me", 0), // re-push with a new event_id, same turn
      store.recordInbox("om_3", "e2", payload("om_3"), T0, "me", 0), // same event_id, same turn
    ]);
    expect(results).toEqual(["new", "new", "duplicate", "duplicate"]);
    expect((await store.claimInbox(T0 + 1, 10, "me", 1000)).map((i) => i.key)).toEqual(["om_1", "om_2"]);
  });

  it("commits what is pending when the store closes", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.dir, "bot.sqlite");
    const store = new SqliteStore(path);
    const payload = { kind: "message" as const, message: message("om_c") };
    const recorded = store.recordInbox("om_c", "ec", payload, T0, "dying-process", 60_000);
    await store.close();
    expect(await recorded).toBe("new");
    // Reopened by its successor: the dead recorder's lease is void, so the item is claimed at once.
    const reopened = new SqliteStore(path);
    expect((await reopened.claimInbox(T0 + 1, 10, "me", 1000)).map((i) => i.key)).toEqual(["om_c"]);
    await reopened.close();
  });
});

describe("query plans", () => {
  it("claims the inbox through the pending-only index, not by walking the day of handled rows", () => {
    const raw = new Database(":memory:");
    for (const sql of MIGRATIONS) raw.exec(sql);
    // The claim exactly as SqliteStore.claimInbox runs it, bound parameters included (they change the plan).
    const plan = raw
      .prepare(
        `EXPLAIN QUERY PLAN UPDATE inbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
         WHERE message_id IN (
           SELECT message_id FROM inbox
           WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
           ORDER BY received_at LIMIT ?)
         RETURNING message_id, payload, received_at, attempts`,
      )
      .all("me", 1, 1, 1, 1, 50) as Array<{ detail: string }>;
    const details = plan.map((p) => p.detail).join("; ");
    expect(details).toContain("inbox_pending");
    expect(details).not.toContain("inbox_received");
    raw.close();
  });
});
