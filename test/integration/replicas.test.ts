import type { Emulator, EventEnvelope, MessageReceiveEvent } from "@taskbot/feishu-emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PG_MIGRATIONS } from "../../src/store/postgres/migrations";
import { API_TOKEN, watchApi } from "../support/api";
import { startTestEmulator } from "../support/bot";
import { mulberry32 } from "../support/fuzz-bodies";
import { freshDatabase, type TestDatabase } from "../support/postgres";
import { startEmbedded } from "../support/postgres-server";
import {
  deliverUntilAccepted,
  type Fleet,
  pick,
  queryDatabase,
  startFleet,
  within,
} from "../support/replicas";
import { maxPerSlidingSecond } from "../support/sliding-window";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

/**
 * The built bot as a deployment of replicas on one PostgreSQL database behind the emulator, which spreads
 * events across them as Feishu does (any replica, re-pushes to another, sometimes two at once). Every
 * guarantee must hold for the deployment as a whole, whichever replica dies.
 */
const RPS = 2;
const CHATS = ["oc_replica_chat_a", "oc_replica_chat_b", "oc_replica_chat_c"];
const USERS = ["ou_replica_user_1", "ou_replica_user_2"];

let emu: Emulator;
let db: TestDatabase;
let fleet: Fleet | undefined;
let proxy: TcpProxy | undefined;
let stopServer: (() => Promise<void>) | undefined;

beforeEach(async () => {
  emu = await startTestEmulator();
  db = await freshDatabase();
});

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  await proxy?.close();
  proxy = undefined;
  await stopServer?.();
  stopServer = undefined;
  await emu.close();
  await db.drop();
});

type Envelope = EventEnvelope<MessageReceiveEvent>;
const idOf = (e: Envelope) => e.event.message.message_id;

function command(text: string, chatId: string, user: string): Envelope {
  return emu.messageEvent({ chatType: "group", chatId, text, senderOpenId: user, mentionBot: true });
}

const cards = (id: string) => emu.repliesTo(id).filter((m) => m.msg_type === "interactive");
const texts = (id: string) => emu.repliesTo(id).filter((m) => m.msg_type === "text");

async function openWatches(url = db.url): Promise<number> {
  const rows = await queryDatabase(url, "SELECT count(*) AS n FROM watches WHERE phase <> 'done'");
  return Number(rows[0].n);
}

describe("replicas on one PostgreSQL database", () => {
  it("answer each command once, post one card per task and chat, notify each completion once, stay within " +
    "the deployment's budgets, and lose nothing when one of them is killed", async () => {
    const seed = Date.now() % 100_000;
    const random = mulberry32(seed);
    const label = `seed ${seed}`;
    fleet = await startFleet(emu, db.url, 3, { TASK_CHECK_RPS: String(RPS) });
    const [, , victim] = fleet.replicas;
    const f = fleet;

    // The victim dies the moment it asks Feishu to post its first card: Feishu posts it, the victim never hears.
    const statusCommands: Array<{ id: string; chat: string; task: string }> = [];
    let victimCard = "";
    const killed = new Promise<void>((resolve) => {
      const off = emu.onRequest((r) => {
        if (r.route !== "reply" || f.replicaOf(r) !== victim) return;
        const card = statusCommands.find((c) => r.path.includes(c.id));
        if (!card || !JSON.stringify(r.body).includes("interactive")) return;
        off();
        victimCard = card.id;
        void f.kill(victim).then(resolve);
      });
    });

    const otherCommands: string[] = [];
    // The victim may die in the middle of any request to it: re-pushes and simultaneous deliveries, which
    // must be answered 200, go to the survivors; a first delivery to the victim may fail and go elsewhere.
    const survivors = f.replicas.filter((r) => r !== victim);
    const send = async (envelope: Envelope, first = pick(f.live(), random)) => {
      const { replica } = await deliverUntilAccepted(emu, f, envelope, random, first);
      if (random() < 0.25) {
        // A re-push to another replica, answered 200 and ignored there.
        const other = pick(
          survivors.filter((r) => r !== replica),
          random,
        );
        expect((await emu.repush(other.bot.eventUrl, envelope)).status, label).toBe(200);
      }
    };
    const status = async (task: string, chat: string, first?: (typeof f.replicas)[number]) => {
      emu.setTask(task, ["process"]);
      const envelope = command(`/status ${task}`, chat, pick(USERS, random));
      statusCommands.push({ id: idOf(envelope), chat, task });
      await send(envelope, first);
    };

    // Wave 1: the victim gets the first two commands (another replica's round may claim a new watch first);
    // the rest go anywhere, one to two replicas at once.
    await status("7360000000000000101", CHATS[0], victim);
    await status("7360000000000000102", CHATS[1], victim);
    for (let i = 3; i <= 5; i++) await status(`736000000000000010${i}`, pick(CHATS, random));
    const twice = command("/status 7360000000000000106", CHATS[1], USERS[0]);
    emu.setTask("7360000000000000106", ["process"]);
    statusCommands.push({ id: idOf(twice), chat: CHATS[1], task: "7360000000000000106" });
    const both = await Promise.all(survivors.map((r) => emu.deliver(r.bot.eventUrl, twice)));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const help = command("/help", CHATS[2], USERS[1]);
    otherCommands.push(idOf(help));
    await send(help);
    await within(killed, 60_000, `the victim posted no card within 60 s (${label})`);

    // Wave 2, while the victim's leases run out: deliveries to it fail and go to another replica.
    for (let i = 7; i <= 9; i++) await status(`736000000000000010${i}`, pick(CHATS, random), victim);
    const list = command("/list", CHATS[0], USERS[0]);
    otherCommands.push(idOf(list));
    await send(list, victim);

    // Every card is posted, the victim's too (after its lease ran out, by another replica).
    await emu.waitFor(() => statusCommands.every((c) => cards(c.id).length > 0), 90_000);
    // Asked again in the same chat: pointed to the existing card, no second card.
    const again = command(`/status ${statusCommands[0].task}`, statusCommands[0].chat, USERS[1]);
    await send(again);
    await emu.waitFor(() => texts(idOf(again)).length > 0, 30_000);

    for (const [i, c] of statusCommands.entries()) emu.setTaskStatus(c.task, i % 3 ? "success" : "fail");
    await emu.waitFor(() => statusCommands.every((c) => texts(c.id).length > 0), 90_000);
    for (let deadline = Date.now() + 60_000; (await openWatches()) > 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000)); // room for a late duplicate to show up

    expect(await openWatches(), `no watch stuck (${label})`).toBe(0);
    for (const c of statusCommands) {
      expect(cards(c.id), `one card for ${c.task} (${label})`).toHaveLength(1);
      expect(texts(c.id), `one notice for ${c.task} (${label})`).toHaveLength(1);
      expect(texts(c.id)[0].text).toContain(c.task);
      const inChat = emu.messages.filter(
        (m) =>
          m.chat_id === c.chat &&
          m.msg_type === "interactive" &&
          statusCommands.some((s) => s.id === m.reply_to) &&
          m.content.includes(c.task),
      );
      expect(inChat, `one card per task and chat (${label})`).toHaveLength(1);
    }
    for (const id of otherCommands) expect(emu.repliesTo(id), label).toHaveLength(1);
    expect(cards(idOf(again)), label).toHaveLength(0);
    expect(texts(idOf(again)), label).toHaveLength(1);

    expect(emu.violations(), label).toEqual([]);
    const checks = emu.requestsFor("task_check").map((r) => r.at);
    expect(maxPerSlidingSecond(checks), `task_check per second (${label})`).toBeLessThanOrEqual(RPS + 1);
    // The victim's first card was taken over by a survivor, with the same uuid: Feishu kept one card.
    const firstCard = emu
      .requestsFor("reply")
      .filter((r) => r.path.includes(victimCard) && JSON.stringify(r.body).includes("interactive"));
    expect(new Set(firstCard.map((r) => f.replicaOf(r))).size, label).toBeGreaterThanOrEqual(2);
    // Work really was spread: every replica made Feishu calls.
    for (const r of f.replicas) {
      expect(
        emu.requests.some((q) => f.replicaOf(q) === r),
        `${r.name} did work (${label})`,
      ).toBe(true);
    }
  }, 240_000);

  it("post one card when the same task is asked in one chat on two replicas at the same instant", async () => {
    fleet = await startFleet(emu, db.url, 2);
    const task = "7360595374803812395";
    emu.setTask(task, ["process"]);
    for (const [i, chat] of CHATS.entries()) {
      const first = command(`/status ${task}`, chat, USERS[0]);
      const second = command(`/status ${task}`, chat, USERS[1]);
      const [r0, r1] = i % 2 === 0 ? fleet.replicas : [...fleet.replicas].reverse();
      const answers = await Promise.all([
        emu.deliver(r0.bot.eventUrl, first),
        emu.deliver(r1.bot.eventUrl, second),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      // One card between the two commands; the other command gets a pointer to it.
      await emu.waitFor(() => cards(idOf(first)).length + cards(idOf(second)).length > 0, 10_000);
      await emu.waitFor(() => texts(idOf(first)).length + texts(idOf(second)).length > 0, 10_000);
    }
    await new Promise((r) => setTimeout(r, 1500));
    for (const chat of CHATS) {
      const inChat = emu.messages.filter((m) => m.chat_id === chat);
      expect(
        inChat.filter((m) => m.msg_type === "interactive"),
        chat,
      ).toHaveLength(1);
      expect(
        inChat.filter((m) => m.msg_type === "text" && m.text?.includes(task)),
        chat,
      ).toHaveLength(1);
    }
    expect(await openWatches()).toBe(CHATS.length);
  }, 60_000);

  it("make one watch and post one card when a script's request reaches two replicas at the same instant", async () => {
    fleet = await startFleet(emu, db.url, 2, { API_TOKENS: API_TOKEN });
    const task = "7360595374803812396";
    const chat = CHATS[0];
    emu.setTask(task, ["process"]);
    const body = { task_id: task, chat_id: chat, note: "nightly move" };
    const [a, b, c, d] = await Promise.all([
      watchApi(fleet.replicas[0].bot.url).create(body, "move-42"),
      watchApi(fleet.replicas[1].bot.url).create(body, "move-42"),
      // Without a key: the one open watch of the task in the chat answers.
      watchApi(fleet.replicas[0].bot.url).create(body),
      watchApi(fleet.replicas[1].bot.url).create(body),
    ]);
    expect([a, b, c, d].map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set([a, b, c, d].map((r) => r.body.watch_id)).size).toBe(1);
    await emu.waitFor(
      () => emu.messages.some((m) => m.chat_id === chat && m.msg_type === "interactive"),
      10_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(emu.messages.filter((m) => m.chat_id === chat && m.msg_type === "interactive")).toHaveLength(1);
    expect(await openWatches()).toBe(1);
  }, 60_000);

  it("start together on an empty database: both migrate it safely, serve, and stop cleanly", async () => {
    fleet = await startFleet(emu, db.url, 2);
    const versions = await queryDatabase(db.url, "SELECT version FROM schema_migrations ORDER BY version");
    expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    const random = mulberry32(1);
    const envelope = command("/help", CHATS[0], USERS[0]);
    await deliverUntilAccepted(emu, fleet, envelope, random, fleet.replicas[1]);
    await emu.waitFor(() => emu.repliesTo(idOf(envelope)).length > 0, 10_000);
    for (const r of fleet.replicas) expect((await fetch(`${r.bot.url}/healthz`)).status).toBe(200);
    // SIGTERM: the store (pool and wake-up connection) closes and the process exits 0.
    for (const r of fleet.replicas) r.bot.child.kill("SIGTERM");
    expect(await Promise.all(fleet.replicas.map((r) => r.bot.exited))).toEqual([0, 0]);
  }, 60_000);

  /** The two ways a database goes away under running replicas. */
  const OUTAGES = {
    /** The network path cut (a failover, a firewall): the server and its data carry on. */
    "the connection cut": async () => {
      const target = new URL(db.url);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const p = proxy;
      // A password in the URL (the test server may trust any): it must reach no log line.
      const url = new URL(proxy.via(db.url));
      if (!url.password) url.password = "pw-never-logged-5831";
      return { url: url.toString(), direct: db.url, down: async () => p.cut(), up: async () => p.restore() };
    },
    /** The server itself crashing and restarting (a server of its own, whatever TEST_DATABASE_URL says). */
    "the server crashed and restarted": async () => {
      const server = await startEmbedded({ restartable: true });
      stopServer = () => server.stop();
      return { url: server.url, direct: server.url, down: () => server.crash(), up: () => server.start() };
    },
  };

  it.each(Object.keys(OUTAGES) as Array<keyof typeof OUTAGES>)(
    "ride out a database outage (%s): 503 while it lasts (so Feishu re-pushes), then recover by themselves " +
      "and answer every accepted command once",
    async (kind) => {
      const outage = await OUTAGES[kind]();
      const password = decodeURIComponent(new URL(outage.url).password);
      fleet = await startFleet(emu, outage.url, 2, { TASK_CHECK_RPS: String(RPS) });
      const f = fleet;
      const random = mulberry32(7);
      const task = "7360000000000000201";
      emu.setTask(task, ["process"]);

      const before = command(`/status ${task}`, CHATS[0], USERS[0]);
      await deliverUntilAccepted(emu, f, before, random);
      await emu.waitFor(() => cards(idOf(before)).length > 0, 20_000);

      await outage.down();
      const refused: Envelope[] = [];
      for (const r of f.replicas) {
        const health = await fetch(`${r.bot.url}/healthz`);
        expect(health.status).toBe(503);
        expect(((await health.json()) as { store: string }).store).toBe("unavailable");
        const envelope = command("/help", CHATS[1], USERS[1]);
        const answer = await emu.deliver(r.bot.eventUrl, envelope);
        expect(answer.status).not.toBe(200);
        refused.push(envelope);
      }
      emu.setTaskStatus(task, "success"); // the task ends while the bots cannot write it down
      await new Promise((r) => setTimeout(r, 3000));

      await outage.up();
      for (const r of f.replicas) {
        const deadline = Date.now() + 30_000;
        while ((await fetch(`${r.bot.url}/healthz`)).status !== 200) {
          if (Date.now() > deadline) throw new Error(`${r.name} did not recover`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      // Feishu re-pushes what was refused; each is now answered, once.
      for (const envelope of refused) await deliverUntilAccepted(emu, f, envelope, random);
      await emu.waitFor(() => refused.every((e) => emu.repliesTo(idOf(e)).length > 0), 30_000);
      await emu.waitFor(() => texts(idOf(before)).length > 0, 60_000);
      await new Promise((r) => setTimeout(r, 2000));

      for (const e of refused) expect(emu.repliesTo(idOf(e))).toHaveLength(1);
      expect(cards(idOf(before))).toHaveLength(1);
      expect(texts(idOf(before))).toHaveLength(1);
      expect(await openWatches(outage.direct)).toBe(0);
      expect(emu.violations()).toEqual([]);
      const output = f.replicas.flatMap((r) => r.bot.output);
      expect(output.some((line) => line.includes("wake-up connection dropped"))).toBe(true);
      expect(output.filter((line) => line.includes(password))).toEqual([]);
    },
    180_000,
  );
});
