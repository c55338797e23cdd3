import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IncomingMessage } from "../../src/core/incoming";
import type { NewWatch } from "../../src/core/watch";
import { LEASE_MS, LeaseLostError, type Store, type StoredUserToken } from "../../src/store/roles";

export const T0 = 1_700_000_000_000;

export function message(id: string, eventId = `ev_${id}`): IncomingMessage {
  return {
    messageId: id,
    eventId,
    chatId: "oc_1",
    chatType: "p2p",
    threadId: "",
    senderOpenId: "ou_1",
    senderType: "user",
    messageType: "text",
    text: "/status 1",
    mentions: [],
  };
}

export const payload = (id: string, tenantKey = "") => ({
  kind: "message" as const,
  tenantKey,
  message: message(id),
});

export const newWatch = (taskId: string, over: Partial<NewWatch> = {}): NewWatch => ({
  tenantKey: "",
  taskId,
  origin: "command",
  chatId: "oc_1",
  chatType: "p2p",
  requesterOpenId: "ou_1",
  commandMessageId: `om_${taskId}`,
  ...over,
});

/** Records an inbox item and completes it with these watches, as a handled /status command does. */
export async function watchesOf(store: Store, key: string, watches: NewWatch[], now: number) {
  await store.recordInbox(key, `ev_${key}`, payload(key), { owner: "me", now: now, ms: LEASE_MS });
  return store.completeInbox(key, watches, { owner: "me", now: now, ms: LEASE_MS });
}

/**
 * The behaviour every store must have, whatever it runs on: the same tests over SQLite and PostgreSQL.
 * `open` gives a fresh, empty store each time (its own file or schema); `close` is called after each test.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it("records a message once, by message_id or by event_id, leased to its recorder", async () => {
      expect(
        await store.recordInbox("om_a", "ev1", payload("om_a"), { owner: "me", now: T0, ms: 60_000 }),
      ).toBe("new");
      expect(
        await store.recordInbox("om_a", "ev2", payload("om_a"), { owner: "me", now: T0, ms: 60_000 }),
      ).toBe("duplicate");
      expect(
        await store.recordInbox("om_b", "ev1", payload("om_b"), { owner: "me", now: T0, ms: 60_000 }),
      ).toBe("duplicate");
      expect(await store.claimInbox(10, { owner: "other", now: T0 + 1000, ms: 60_000 })).toEqual([]);
      const items = await store.claimInbox(10, { owner: "other", now: T0 + 60_001, ms: 60_000 });
      expect(items.map((i) => [i.key, i.attempts])).toEqual([["om_a", 2]]);
      expect(items[0].payload).toEqual(payload("om_a"));
      expect(await store.claimInbox(10, { owner: "third", now: T0 + 60_002, ms: 60_000 })).toEqual([]);
    });

    it("answers exactly one of many simultaneous recordings of one message 'new'", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.recordInbox("om_same", `ev_${i}`, payload("om_same"), {
            owner: `r${i}`,
            now: T0,
            ms: 60_000,
          }),
        ),
      );
      expect(results.filter((r) => r === "new")).toHaveLength(1);
    });

    it("renews the inbox leases of their holder only, all of them at once, and no longer once handled", async () => {
      for (const key of ["om_r1", "om_r2"]) {
        await store.recordInbox(key, `ev_${key}`, payload(key), { owner: "holder", now: T0, ms: 1000 });
      }
      await store.recordInbox("om_x", "ev_x", payload("om_x"), { owner: "intruder", now: T0, ms: 1000 });
      expect(await store.renewInbox({ owner: "holder", now: T0 + 900, ms: LEASE_MS })).toBe(2);
      // Held until T0 + 900 + LEASE_MS; the intruder's own item was not renewed.
      const other = (now: number) => store.claimInbox(10, { owner: "other", now, ms: 60_000 });
      expect((await other(T0 + 1500)).map((i) => i.key)).toEqual(["om_x"]);
      expect(await store.renewInbox({ owner: "intruder", now: T0 + 1600, ms: LEASE_MS })).toBe(0);
      await store.completeInbox("om_r1", [], { owner: "holder", now: T0 + 1700, ms: LEASE_MS });
      expect(await store.renewInbox({ owner: "holder", now: T0 + 1800, ms: LEASE_MS })).toBe(1);
      expect(await other(T0 + 1800 + LEASE_MS - 1)).toEqual([]);
      expect((await other(T0 + 1800 + LEASE_MS + 1)).map((i) => i.key)).toEqual(["om_r2"]);
    });

    it("claims the inbox oldest first, only items that are due", async () => {
      await store.recordInbox("om_late", "e1", payload("om_late"), { owner: "me", now: T0 + 200, ms: 0 });
      await store.recordInbox("om_early", "e2", payload("om_early"), { owner: "me", now: T0 + 100, ms: 0 });
      await store.recordInbox("om_mid", "e3", payload("om_mid"), { owner: "me", now: T0 + 150, ms: 0 });
      const claimed = await store.claimInbox(2, { owner: "me", now: T0 + 1000, ms: 1000 });
      expect(claimed.map((i) => i.key)).toEqual(["om_early", "om_mid"]);
      await store.retryInbox("om_early", T0 + 5000, false, { owner: "me", now: T0 + 1000, ms: LEASE_MS });
      expect(
        (await store.claimInbox(10, { owner: "me", now: T0 + 2001, ms: 60_000 })).map((i) => i.key),
      ).toEqual(["om_mid", "om_late"]);
      expect(
        (await store.claimInbox(10, { owner: "me", now: T0 + 5001, ms: 60_000 })).map((i) => i.key),
      ).toEqual(["om_early"]);
    });

    it("completes an item and creates its watches once, fenced by the lease", async () => {
      const first = await watchesOf(
        store,
        "om_x",
        [newWatch("1", { commandMessageId: "om_x" }), newWatch("2", { commandMessageId: "om_x" })],
        T0,
      );
      expect(first.map((w) => w.taskId)).toEqual(["1", "2"]);
      expect(first[0]).toMatchObject({
        phase: "new",
        state: "running",
        origin: "command",
        commandMessageId: "om_x",
      });
      expect(await store.countOpenWatches()).toBe(2);
      // A second completion (another process, after the lease moved on) must not act.
      await expect(
        store.completeInbox("om_x", [newWatch("1", { commandMessageId: "om_x" })], {
          owner: "me",
          now: T0 + 5,
          ms: LEASE_MS,
        }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      await store.recordInbox("om_y", "ev_y", payload("om_y"), { owner: "holder", now: T0, ms: 60_000 });
      await expect(
        store.completeInbox("om_y", [], { owner: "intruder", now: T0, ms: LEASE_MS }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      await expect(
        store.retryInbox("om_y", T0, false, { owner: "intruder", now: T0, ms: LEASE_MS }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      await store.retryInbox("om_y", T0 + 10, true, { owner: "holder", now: T0, ms: LEASE_MS });
      expect(await store.claimInbox(10, { owner: "me", now: T0 + 100_000, ms: 1000 })).toEqual([]); // failed: never claimed again
    });

    it("claims due tasks oldest first, coalesces a task's watches, and leases them exclusively", async () => {
      const [a] = await watchesOf(store, "c1", [newWatch("A", { commandMessageId: "c1" })], T0 + 3000);
      const [b] = await watchesOf(store, "c2", [newWatch("B", { commandMessageId: "c2" })], T0 + 1000);
      const [b2] = await watchesOf(
        store,
        "c3",
        [newWatch("B", { commandMessageId: "c3", chatId: "oc_2" })],
        T0 + 1500,
      );
      const [c] = await watchesOf(store, "c4", [newWatch("C", { commandMessageId: "c4" })], T0 + 2000);
      const now = T0 + 5000;
      const claimed = await store.claimDueWatches(1, now + 5000, { owner: "me", now: now, ms: 60_000 });
      expect(claimed.map((w) => w.id).sort()).toEqual([b.id, b2.id].sort());
      const next = await store.claimDueWatches(10, now, { owner: "other", now: now, ms: 60_000 });
      expect(next.map((w) => w.id)).toEqual([c.id, a.id]);
      expect(await store.claimDueWatches(10, now, { owner: "third", now: now, ms: 60_000 })).toEqual([]);
      expect(
        (await store.claimDueWatches(10, now, { owner: "third", now: now + 61_000, ms: 60_000 })).length,
      ).toBe(4);
    });

    it("coalesces every open watch of a task into its claim, however many chats watch it", async () => {
      for (let i = 0; i < 12; i++) {
        await store.createWatch(newWatch("A", { chatId: `oc_${i}`, commandMessageId: `a${i}` }), T0 + i);
      }
      await store.createWatch(newWatch("B", { commandMessageId: "b" }), T0 + 5);
      const now = T0 + 100;
      const claimed = await store.claimDueWatches(1, now, { owner: "me", now: now, ms: 60_000 });
      expect(claimed.map((w) => w.taskId)).toEqual(Array(12).fill("A"));
      expect(
        (await store.claimDueWatches(1, now, { owner: "me", now: now, ms: 60_000 })).map((w) => w.taskId),
      ).toEqual(["B"]);
    });

    it("never hands one watch or one inbox item to two simultaneous claims", async () => {
      for (let i = 0; i < 20; i++) {
        await store.createWatch(newWatch(`T${i % 10}`, { chatId: `oc_${i}`, commandMessageId: `m${i}` }), T0);
        await store.recordInbox(`om_${i}`, `ev_${i}`, payload(`om_${i}`), { owner: "gone", now: T0, ms: 10 });
      }
      const now = T0 + 1000;
      const watches = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.claimDueWatches(2, now, { owner: `o${i}`, now: now, ms: 60_000 }),
        ),
      );
      const items = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.claimInbox(5, { owner: `o${i}`, now: now, ms: 60_000 })),
      );
      const ids = watches.flat().map((w) => w.id);
      const keys = items.flat().map((item) => item.key);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(keys).size).toBe(keys.length);
      expect(ids.length).toBeGreaterThan(0);
      expect(keys.length).toBeGreaterThan(0);
    });

    it("treats the same task id in two tenants as two tasks", async () => {
      await store.createWatch(newWatch("T", { tenantKey: "tA", commandMessageId: "m1" }), T0);
      await store.createWatch(newWatch("T", { tenantKey: "tB", commandMessageId: "m2" }), T0 + 10);
      const first = await store.claimDueWatches(1, T0 + 100, { owner: "me", now: T0 + 100, ms: 60_000 });
      expect(first.map((w) => w.tenantKey)).toEqual(["tA"]);
      const second = await store.claimDueWatches(1, T0 + 100, { owner: "me", now: T0 + 100, ms: 60_000 });
      expect(second.map((w) => w.tenantKey)).toEqual(["tB"]);
    });

    it("applies changes only for the lease owner, renews the lease on each write, and says when it was lost", async () => {
      const { watch: w } = await store.createWatch(newWatch("A"), T0);
      await store.claimWatches([w.id], { owner: "me", now: T0, ms: 1000 });
      await expect(
        store.updateWatch(w.id, { state: "success" }, { owner: "intruder", now: T0, ms: LEASE_MS }, true),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect((await store.getWatch(w.id))?.state).toBe("running");
      await store.updateWatch(
        w.id,
        { cardMessageId: "om_card" },
        { owner: "me", now: T0 + 900, ms: LEASE_MS },
        false,
      );
      // Renewed for LEASE_MS from the write, not 1 s from the claim.
      expect(await store.claimWatches([w.id], { owner: "other", now: T0 + 1500, ms: 1000 })).toEqual([]);
      await store.updateWatch(
        w.id,
        { state: "success", cardDisabled: true, endReason: "x" },
        { owner: "me", now: T0 + 1000, ms: LEASE_MS },
        true,
      );
      expect(await store.getWatch(w.id)).toMatchObject({
        state: "success",
        cardDisabled: true,
        endReason: "x",
        cardMessageId: "om_card",
      });
      expect((await store.claimWatches([w.id], { owner: "other", now: T0 + 1001, ms: 1000 })).length).toBe(1);
      await expect(
        store.updateWatch(w.id, {}, { owner: "me", now: T0 + 1002, ms: LEASE_MS }, true),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(LEASE_MS).toBeLessThan(30_000);
    });

    it("records a stop or a check request without a lease, only for an open watch", async () => {
      const { watch: w } = await store.createWatch(newWatch("A"), T0);
      await store.claimWatches([w.id], { owner: "me", now: T0, ms: 60_000 });
      await store.updateWatch(
        w.id,
        { nextCheckAt: T0 + 60_000 },
        { owner: "me", now: T0, ms: LEASE_MS },
        false,
      );
      expect(await store.requestCheck(w.id, T0 + 5)).toBe(true);
      expect((await store.getWatch(w.id))?.nextCheckAt).toBe(T0 + 5);
      expect(await store.requestStop(w.id, "ou_2", T0 + 10)).toBe(true);
      expect((await store.getWatch(w.id))?.stopRequestedBy).toBe("ou_2");
      await store.updateWatch(w.id, { phase: "done" }, { owner: "me", now: T0, ms: LEASE_MS }, true);
      expect(await store.requestStop(w.id, "ou_2", T0 + 20)).toBe(false);
      expect(await store.requestCheck(w.id, T0 + 20)).toBe(false);
    });

    it("keeps a watch due when a check or stop is asked while its holder steps it", async () => {
      const { watch: w } = await store.createWatch(newWatch("A"), T0);
      await store.claimWatches([w.id], { owner: "holder", now: T0, ms: 60_000 });
      expect(await store.requestStop(w.id, "ou_2", T0 + 10)).toBe(true); // asked on another replica
      await store.updateWatch(
        w.id,
        { nextCheckAt: T0 + 300_000 },
        { owner: "holder", now: T0 + 20, ms: LEASE_MS },
        true,
      );
      expect((await store.getWatch(w.id))?.nextCheckAt).toBe(T0 + 20); // not pushed 5 minutes away
      // Claimed again, the request is taken: later steps schedule as usual.
      expect(
        await store.claimDueWatches(10, T0 + 30, { owner: "other", now: T0 + 30, ms: 60_000 }),
      ).toHaveLength(1);
      await store.updateWatch(
        w.id,
        { nextCheckAt: T0 + 300_000 },
        { owner: "other", now: T0 + 40, ms: LEASE_MS },
        true,
      );
      expect((await store.getWatch(w.id))?.nextCheckAt).toBe(T0 + 300_000);
    });

    it("finds and lists watches per tenant and chat", async () => {
      await store.createWatch(newWatch("A", { commandMessageId: "m1" }), T0);
      await store.createWatch(newWatch("A", { tenantKey: "t2", commandMessageId: "m2" }), T0 + 1);
      await store.createWatch(newWatch("B", { chatId: "oc_2", commandMessageId: "m3" }), T0 + 2);
      expect((await store.findOpenWatch("", "oc_1", "A"))?.commandMessageId).toBe("m1");
      expect((await store.findOpenWatch("t2", "oc_1", "A"))?.commandMessageId).toBe("m2");
      expect(await store.findOpenWatch("t3", "oc_1", "A")).toBeUndefined();
      const list = await store.listWatches({ tenantKey: "", chatId: "oc_1", openOnly: true, limit: 10 });
      expect(list.map((w) => w.commandMessageId)).toEqual(["m1"]);
      expect((await store.listWatches({ tenantKey: "", openOnly: true, limit: 10 })).length).toBe(2);
    });

    it("keeps one open watch per task and chat, whichever command or script asks, also at the same instant", async () => {
      const ask = (commandMessageId: string) => newWatch("88", { commandMessageId });
      const [first] = await watchesOf(store, "c1", [ask("c1")], T0);
      const [second] = await watchesOf(store, "c2", [ask("c2")], T0 + 1);
      expect(second.id).toBe(first.id); // the second command points to the first one's watch
      const elsewhere = await watchesOf(
        store,
        "c3",
        [ask("c3")].map((w) => ({ ...w, chatId: "oc_2" })),
        T0,
      );
      expect(elsewhere[0].id).not.toBe(first.id);
      const racing = await Promise.all(
        ["r1", "r2", "r3", "r4"].map(async (key) => {
          await store.recordInbox(key, `ev_${key}`, payload(key), { owner: "me", now: T0, ms: LEASE_MS });
          return store.completeInbox(key, [newWatch("99", { commandMessageId: key })], {
            owner: "me",
            now: T0,
            ms: LEASE_MS,
          });
        }),
      );
      expect(new Set(racing.map(([w]) => w.id)).size).toBe(1);
      // Once the watch has ended, the task may be watched again in that chat.
      await store.claimWatches([first.id], { owner: "me", now: T0, ms: 60_000 });
      await store.updateWatch(first.id, { phase: "done" }, { owner: "me", now: T0, ms: LEASE_MS }, true);
      const [again] = await watchesOf(store, "c4", [ask("c4")], T0 + 2);
      expect(again.id).not.toBe(first.id);
    });

    it("creates an API watch once per idempotency key, even for simultaneous requests", async () => {
      const api = newWatch("77", {
        origin: "api",
        commandMessageId: null,
        note: "nightly move",
        apiClient: "k1",
      });
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          store.createWatch(api, T0, { scope: "k1", key: "idem-1", request: "r1" }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.watch.id)).size).toBe(1);
      expect(results[0].watch).toMatchObject({
        origin: "api",
        note: "nightly move",
        commandMessageId: null,
        apiClient: "k1",
      });
      // The key's record keeps the digest of the request that made it, whatever a later request says.
      expect(await store.createWatch(api, T0, { scope: "k1", key: "idem-1", request: "r2" })).toMatchObject({
        created: false,
        existing: "key",
        request: "r1",
        watch: { id: results[0].watch.id },
      });
      // Another key for the same task and chat: the chat's open watch answers (one card per task and chat),
      // and the key answers that watch from then on.
      const other = await store.createWatch(api, T0, { scope: "k2", key: "idem-1", request: "r3" });
      expect(other).toMatchObject({
        created: false,
        existing: "open_watch",
        watch: { id: results[0].watch.id },
      });
      expect(await store.createWatch(api, T0, { scope: "k2", key: "idem-1", request: "r3" })).toMatchObject({
        existing: "key",
        request: "r3",
        watch: { id: results[0].watch.id },
      });
      expect((await store.createWatch(api, T0)).existing).toBe("open_watch");
      // Direct messages by open_id have no chat yet: they do not collide.
      const dm = { ...api, chatId: "", receiveOpenId: "ou_9" };
      expect((await store.createWatch(dm, T0)).created).toBe(true);
      expect((await store.createWatch(dm, T0, { scope: "k3", key: "idem-1", request: "r4" })).created).toBe(
        true,
      );
      expect(await store.countOpenWatches()).toBe(3);
    });

    it("pins the first content of a message uuid", async () => {
      expect(await store.pinContent("u1", "first", T0)).toBe("first");
      expect(await store.pinContent("u1", "second", T0 + 1)).toBe("first");
      expect(await store.pinContent("u2", "other", T0)).toBe("other");
    });

    it("keeps values until they expire", async () => {
      await store.setValue("k", "v1", null, T0);
      await store.setValue("k", "v2", T0 + 100, T0);
      expect(await store.getValue("k", T0 + 99)).toBe("v2");
      expect(await store.getValue("k", T0 + 100)).toBeUndefined();
      await store.setValue("k", "v3", null, T0);
      await store.deleteValue("k");
      expect(await store.getValue("k", T0)).toBeUndefined();
    });

    it("keeps a person's (sealed) tokens per tenant, replaces and forgets them", async () => {
      const token = userToken("ou_a", "sealed-1");
      await store.saveUserToken(token);
      await store.saveUserToken(userToken("ou_a", "other-tenant", { tenantKey: "t2" }));
      expect(await store.getUserToken("", "ou_a")).toEqual(token);
      await store.saveUserToken({
        ...token,
        accessToken: "sealed-2",
        refreshToken: null,
        refreshExpiresAt: null,
      });
      expect(await store.getUserToken("", "ou_a")).toMatchObject({
        accessToken: "sealed-2",
        refreshToken: null,
      });
      expect(await store.deleteUserToken("", "ou_a")).toBe(true);
      expect(await store.deleteUserToken("", "ou_a")).toBe(false);
      expect(await store.getUserToken("", "ou_a")).toBeUndefined();
      expect((await store.getUserToken("t2", "ou_a"))?.accessToken).toBe("other-tenant");
    });

    it("runs work on one person's tokens one at a time, keeping what each leaves before the next starts", async () => {
      await store.saveUserToken(userToken("ou_a", "v0"));
      const seen: string[] = [];
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const first = store.lockUserToken("", "ou_a", async (current) => {
        seen.push(`first saw ${current?.accessToken}`);
        await gate;
        return { keep: userToken("ou_a", "v1"), result: 1 };
      });
      const second = store.lockUserToken("", "ou_a", async (current) => {
        seen.push(`second saw ${current?.accessToken}`);
        return { keep: null, result: 2 };
      });
      // Another person is not held up meanwhile.
      expect(await store.lockUserToken("", "ou_b", async (current) => ({ result: current }))).toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual(["first saw v0"]);
      release();
      expect(await Promise.all([first, second])).toEqual([1, 2]);
      expect(seen).toEqual(["first saw v0", "second saw v1"]);
      expect(await store.getUserToken("", "ou_a")).toBeUndefined();
      // Work that fails keeps nothing and lets the next one in.
      await store.saveUserToken(userToken("ou_a", "v2"));
      await expect(
        store.lockUserToken("", "ou_a", async () => {
          throw new Error("refresh failed");
        }),
      ).rejects.toThrow("refresh failed");
      expect(await store.lockUserToken("", "ou_a", async (c) => ({ result: c?.accessToken }))).toBe("v2");
    });

    it("hands an OAuth state out once, and only before it expires", async () => {
      const state = {
        id: "st_1",
        tenantKey: "t1",
        openId: "ou_a",
        watchId: 7,
        createdAt: T0,
        expiresAt: T0 + 600_000,
      };
      await store.createAuthState(state);
      await store.createAuthState({ ...state, id: "st_old", expiresAt: T0 + 10 });
      await store.createAuthState({ ...state, id: "st_login", watchId: null });
      expect(await store.takeAuthState("st_1", T0 + 1)).toEqual(state);
      expect(await store.takeAuthState("st_1", T0 + 2)).toBeUndefined();
      expect(await store.takeAuthState("st_old", T0 + 10)).toBeUndefined();
      expect(await store.takeAuthState("nope", T0)).toBeUndefined();
      expect(await store.purge(T0 - 1, T0 + 600_000)).toBeGreaterThanOrEqual(1);
      expect(await store.takeAuthState("st_login", T0 + 1)).toBeUndefined(); // purged: it had expired by then
    });

    it("makes due the watches checked as a person, and those waiting for their authorization", async () => {
      const [mine, waiting, others] = await watchesOf(
        store,
        "cmd",
        [newWatch("A"), newWatch("B"), newWatch("C", { requesterOpenId: "ou_2" })],
        T0,
      );
      const lease = { owner: "me", now: T0, ms: LEASE_MS };
      await store.claimWatches([mine.id, waiting.id, others.id], lease);
      await store.updateWatch(mine.id, { asUser: "ou_1", nextCheckAt: T0 + 60_000 }, lease, true);
      await store.updateWatch(
        waiting.id,
        { authUntil: T0 + 600_000, nextCheckAt: T0 + 600_000 },
        lease,
        true,
      );
      await store.updateWatch(others.id, { asUser: "ou_2", nextCheckAt: T0 + 60_000 }, lease, true);
      expect(await store.requestChecksOf("", "ou_1", T0 + 5)).toBe(2);
      expect(await store.requestChecksOf("other-tenant", "ou_2", T0 + 5)).toBe(0);
      const due = await store.claimDueWatches(10, T0 + 5, { owner: "me", now: T0 + 5, ms: LEASE_MS });
      expect(due.map((w) => w.taskId).sort()).toEqual(["A", "B"]);
      expect(due.find((w) => w.taskId === "A")).toMatchObject({ asUser: "ou_1", authUntil: null });
      expect(due.find((w) => w.taskId === "B")).toMatchObject({ asUser: null, authUntil: T0 + 600_000 });
    });

    it("forgets an uninstalled tenant's tokens and pending states with its watches", async () => {
      await store.saveUserToken(userToken("ou_a", "gone", { tenantKey: "gone" }));
      await store.saveUserToken(userToken("ou_a", "kept", { tenantKey: "kept" }));
      const state = {
        id: "st",
        tenantKey: "gone",
        openId: "ou_a",
        watchId: null,
        createdAt: T0,
        expiresAt: T0 + 1e6,
      };
      await store.createAuthState(state);
      await store.setTenantStatus("gone", "uninstalled", "uninstalled", T0);
      expect(await store.getUserToken("gone", "ou_a")).toBeUndefined();
      expect(await store.takeAuthState("st", T0)).toBeUndefined();
      expect((await store.getUserToken("kept", "ou_a"))?.accessToken).toBe("kept");
    });

    it("ends an uninstalled tenant's watches quietly and purges them after the retention", async () => {
      const { watch: a } = await store.createWatch(
        newWatch("A", { tenantKey: "gone", commandMessageId: "m1" }),
        T0,
      );
      const { watch: b } = await store.createWatch(
        newWatch("A", { tenantKey: "kept", commandMessageId: "m2" }),
        T0,
      );
      expect(await store.setTenantStatus("gone", "uninstalled", "uninstalled", T0 + 10)).toBe(1);
      expect(await store.getWatch(a.id)).toMatchObject({
        phase: "done",
        notify: false,
        endReason: "uninstalled",
      });
      expect((await store.getWatch(b.id))?.phase).toBe("new");
      // A tenant that comes back before the retention keeps its watches.
      const { watch: c } = await store.createWatch(
        newWatch("A", { tenantKey: "back", commandMessageId: "m3" }),
        T0,
      );
      expect(await store.setTenantStatus("back", "uninstalled", "x", T0)).toBe(1);
      expect(await store.setTenantStatus("back", "active", "x", T0 + 1)).toBe(0);
      expect(await store.purgeUninstalledTenants(T0)).toBe(0);
      expect(await store.purgeUninstalledTenants(T0 + 11)).toBe(1);
      expect(await store.getWatch(a.id)).toBeUndefined();
      expect(await store.getWatch(b.id)).toBeDefined();
      expect(await store.getWatch(c.id)).toBeDefined();
      expect(await store.purgeUninstalledTenants(T0 + 1_000_000)).toBe(0);
      expect(await store.purgeUninstalledTenants(T0 + 100)).toBe(0);
    });

    it("hands out budget permits at the rate, all buckets at once or none, and keeps a reserve", async () => {
      const a = { key: "a", rate: 2, burst: 2 };
      const b = { key: "b", rate: 1, burst: 1 };
      expect(await store.takeBudget([a, b], T0)).toBe(0);
      expect(await store.takeBudget([a, b], T0)).toBeGreaterThan(0); // b is empty: a keeps its permit
      expect(await store.takeBudget([a], T0)).toBe(0);
      expect(await store.takeBudget([a], T0)).toBeGreaterThan(0);
      expect(await store.takeBudget([a], T0 + 500)).toBe(0); // 2/s: one more after 0.5 s
      const wait = await store.takeBudget([b], T0 + 500);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(500);
      const c = { key: "c", rate: 10, burst: 10 };
      const reserved = { ...c, reserve: 0.5 };
      for (let i = 0; i < 5; i++) expect(await store.takeBudget([reserved], T0)).toBe(0);
      expect(await store.takeBudget([reserved], T0)).toBeGreaterThan(0); // 5 left: under the reserve of 5 + 1
      expect(await store.takeBudget([c], T0)).toBe(0);
    });

    it("grants simultaneous takes no more than the burst", async () => {
      const bucket = { key: "tc:", rate: 5, burst: 3 };
      const waits = await Promise.all(Array.from({ length: 12 }, () => store.takeBudget([bucket], T0)));
      expect(waits.filter((w) => w === 0)).toHaveLength(3);
      expect(Math.min(...waits.filter((w) => w > 0))).toBeGreaterThan(0);
    });

    it("tells every listener when some process wakes the store", async () => {
      let woken = 0;
      const off = store.onWake(() => woken++);
      await store.wake();
      for (let i = 0; i < 50 && woken === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(woken).toBeGreaterThan(0);
      off();
    });

    it("keeps delivery records for the retention window, then purges them", async () => {
      await store.recordInbox("om_p", "ev_p", payload("om_p"), { owner: "me", now: T0, ms: 60_000 });
      await store.completeInbox("om_p", [], { owner: "me", now: T0, ms: LEASE_MS });
      await store.pinContent("u", "c", T0);
      expect(await store.purge(T0 - 1, T0)).toBe(0);
      expect(await store.purge(T0 + 1, T0 + 1)).toBe(3); // the seen event, the handled item, the pinned content
      expect(
        await store.recordInbox("om_p", "ev_p", payload("om_p"), { owner: "me", now: T0 + 2, ms: 0 }),
      ).toBe("new");
      // An item never handled is work, not a record: it stays however old it is.
      expect(await store.purge(T0 + 10_000, T0 + 10_000)).toBe(1); // only its seen event
      expect(
        (await store.claimInbox(10, { owner: "me", now: T0 + 10_000, ms: 1000 })).map((i) => i.key),
      ).toEqual(["om_p"]);
      expect(await store.ping()).toBe(true);
    });
  });
}

/** A stored user token as the bot would keep it (the strings stand for sealed values). */
export function userToken(
  openId: string,
  access: string,
  over: Partial<StoredUserToken> = {},
): StoredUserToken {
  return {
    tenantKey: "",
    openId,
    accessToken: access,
    accessExpiresAt: T0 + 7_200_000,
    refreshToken: `refresh-of-${access}`,
    refreshExpiresAt: T0 + 604_800_000,
    scope: "offline_access drive:drive.metadata:readonly",
    authorizedAt: T0,
    updatedAt: T0,
    ...over,
  };
}

/**
 * Idempotency-Keys recorded before they were one record: a row in api_requests and a kv value with the
 * request's digest, or (a crash between the two) the kv value alone. `seed` writes them with the store's own
 * SQL through `run`; the upgraded store must answer both keys with their watch and digest, and keep no kv
 * binding.
 */
export const LEGACY_KEYS = {
  watches: [
    ["api::0123456789ab", "k-1", "digest-1"],
    ["api:tenant_x:abcdefabcdef", "key:with:colons", "digest-2"],
  ] as const,
  binding: (scope: string, key: string) => `api-idempotency:${scope}:${key}`,
};

export async function checkLegacyKeys(store: Store, watchIds: number[]): Promise<void> {
  const api = newWatch("999999", { origin: "api", commandMessageId: null, chatId: "oc_new" });
  for (const [i, [scope, key, digest]] of LEGACY_KEYS.watches.entries()) {
    const answer = await store.createWatch(api, T0, { scope, key, request: "a new digest" });
    expect(answer).toMatchObject({
      created: false,
      existing: "key",
      request: digest,
      watch: { id: watchIds[i] },
    });
    expect(await store.getValue(LEGACY_KEYS.binding(scope, key), T0)).toBeUndefined();
  }
  expect(await store.getValue("sdk:unrelated", T0)).toBe("kept");
}
