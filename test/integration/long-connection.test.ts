import { join } from "node:path";
import type { Emulator, EventEnvelope } from "@taskbot/feishu-emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InboxPayload } from "../../src/core/inbox-item";
import type { Lease } from "../../src/store/roles";
import { SqliteStore } from "../../src/store/sqlite";
import { eventually, type RunningBot, startBot, startTestEmulator, tempDir } from "../support/harness";

/**
 * What only the long connection has: reconnects, fragments, acks, liveness, health. Everything a command does
 * end to end runs over both transports in the other suites.
 */
const TASK = "7360595374803812371";
const USER = "ou_ws_user_000000000000000000000001";

/** A real SQLite store whose disk refuses the next `failures` records (fault injection at the boundary). */
class FailingStore extends SqliteStore {
  failures = 0;
  override recordInbox(...args: [string, string, InboxPayload, Lease]) {
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error("SQLITE_FULL: database or disk is full"));
    }
    return super.recordInbox(...args);
  }
}

let emu: Emulator;
let tmp: ReturnType<typeof tempDir>;
let bot: RunningBot;
let store: FailingStore;

beforeEach(async () => {
  tmp = tempDir();
  emu = await startTestEmulator({
    wsPingIntervalSeconds: 1,
    wsAckTimeoutMs: 1500,
    wsRepushDelaysMs: [200, 400],
  });
  store = new FailingStore(join(tmp.dir, "bot.sqlite"));
  bot = await startBot(
    emu,
    join(tmp.dir, "bot.sqlite"),
    { FEISHU_EVENT_TRANSPORT: "websocket" },
    { store, pingTimeoutSeconds: 0.6, longConnectionGraceMs: 400 },
  );
  await emu.longConnection.waitForConnections(1);
});

afterEach(async () => {
  await bot.stop();
  await emu.close();
  tmp.remove();
});

const command = (text = `/status ${TASK}`) => emu.messageEvent({ chatType: "p2p", text, senderOpenId: USER });
const repliesTo = (event: EventEnvelope<{ message: { message_id: string } }>) =>
  emu.repliesTo(event.event.message.message_id);
const health = async () => {
  const res = await fetch(`${bot.url}/healthz`);
  return { status: res.status, body: (await res.json()) as { long_connection?: { state: string } } };
};
const metric = async (pattern: RegExp) => {
  const text = await (await fetch(`${bot.url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
};

describe("the long connection", () => {
  it("acks each event once it is recorded, whatever task_check is doing", async () => {
    emu.setTask(TASK, ["process"]);
    emu.inject({ route: "task_check", delayMs: 3000, count: 5 });
    for (let i = 0; i < 5; i++) {
      const push = emu.longConnection.push(command());
      const ack = await push.acked;
      expect(ack.code).toBe(200);
      expect(push.attempts).toHaveLength(1); // answered within the ack timeout: never re-pushed
    }
    expect(await bot.app.store.countOpenWatches()).toBe(1);
    expect(await metric(/feishu_long_connection_acks_total\{code="200"\} (\d+)/)).toBe(5);
  });

  it("reconnects after a dropped socket; an event pushed meanwhile is delivered and answered once", async () => {
    emu.setTask(TASK, ["process"]);
    expect(emu.longConnection.dropConnections()).toBe(1);
    const event = command();
    const push = emu.longConnection.push(event); // waits for the bot to be back
    expect((await push.acked).code).toBe(200);
    await emu.waitFor(() => repliesTo(event)[0], 4000);
    await new Promise((r) => setTimeout(r, 800));
    expect(repliesTo(event)).toHaveLength(1);
    expect(await metric(/feishu_long_connection_reconnects_total (\d+)/)).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await health()).status === 200, 3000);
  });

  it("handles an event sent in fragments, out of order, once", async () => {
    const event = command("/help");
    const push = emu.longConnection.push(event, { fragments: 3, order: [2, 0, 1] });
    expect((await push.acked).code).toBe(200);
    await emu.waitFor(() => repliesTo(event)[0], 4000);
    expect(emu.longConnection.acksFor(push.messageId)).toHaveLength(1);
    expect(repliesTo(event)).toHaveLength(1);
  });

  it("a record that fails is acked with 500, delivered again by Feishu, and answered once", async () => {
    store.failures = 1;
    const event = command("/help");
    const push = emu.longConnection.push(event);
    const ack = await push.acked;
    expect(ack.code).toBe(200);
    expect(push.attempts.map((a) => a.outcome)).toEqual(["rejected", "acked"]);
    expect(emu.longConnection.acksFor(push.messageId).map((a) => a.code)).toEqual([500, 200]);
    await emu.waitFor(() => repliesTo(event)[0], 4000);
    await new Promise((r) => setTimeout(r, 500));
    expect(repliesTo(event)).toHaveLength(1);
  });

  it("acks garbage, unknown event types and malformed events, ignores them, and keeps serving", async () => {
    for (const kind of ["not-protobuf", "missing-required", "text", "bad-fragment"] as const) {
      expect(emu.longConnection.sendGarbage(kind)).toBe(1);
    }
    const unknown = emu.longConnection.push({
      schema: "2.0",
      header: { event_id: "ev-unknown-ws", event_type: "drive.file.title_updated_v1", tenant_key: "t" },
      event: { file_token: "x" },
    });
    expect((await unknown.acked).code).toBe(200);
    const malformed = command("/help");
    const broken = { ...malformed, event: { ...malformed.event, message: "not an object" } };
    expect((await emu.longConnection.push(broken).acked).code).toBe(200);
    expect((await emu.longConnection.push({ schema: "2.0", header: [] }).acked).code).toBe(200);
    const card = emu.longConnection.push(command("/help"), { frameType: "card" }); // the SDK drops these
    await card.acked.catch(() => undefined);
    expect(emu.longConnection.acksFor(card.messageId)).toHaveLength(0);

    const event = command("/help");
    expect((await emu.longConnection.push(event).acked).code).toBe(200);
    await emu.waitFor(() => repliesTo(event)[0], 4000);
    expect(emu.messages.filter((m) => m.msg_type === "interactive")).toHaveLength(1); // only the real one
    expect((await health()).status).toBe(200);
  });

  it("notices a half-open socket (no pong) and opens a new one", async () => {
    const [first] = emu.longConnection.connections;
    emu.longConnection.withholdPongs(true);
    await emu.waitFor(() => !emu.longConnection.connections.some((c) => c.id === first.id), 8000);
    emu.longConnection.withholdPongs(false);
    await emu.longConnection.waitForConnections(1, 8000);
    expect(emu.longConnection.connections[0].id).not.toBe(first.id);
    const event = command("/help");
    expect((await emu.longConnection.push(event).acked).code).toBe(200);
  });

  it("reports the connection in /healthz, and answers 503 once it has been down past the grace period", async () => {
    const up = await health();
    expect(up.status).toBe(200);
    expect(up.body.long_connection?.state).toBe("connected");
    emu.longConnection.refuseUpgrades(1000, 503);
    emu.longConnection.dropConnections();
    await eventually(async () => (await health()).status === 503, 5000);
    expect((await health()).body.long_connection?.state).toBe("reconnecting");
    emu.clearFaults();
    await emu.longConnection.waitForConnections(1, 8000);
    await eventually(async () => (await health()).status === 200, 5000);
  });
});
