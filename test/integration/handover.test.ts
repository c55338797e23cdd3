import { join } from "node:path";
import type { CardCallbackAnswer, Emulator, SentMessage } from "@taskbot/feishu-emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually, type RunningBot, startBot, startTestEmulator, tempDir } from "../support/harness";
import { freshDatabase, type TestDatabase } from "../support/postgres";

/**
 * Two replicas in one process on one PostgreSQL database: a click or a command that lands on replica B for a
 * watch replica A is stepping is done as soon as A's step ends (B records it and wakes A), not when A's
 * 20-second lease runs out, nor at the watch's next scheduled check (5 minutes away here).
 */
const TASK = "7360595374803812401";
const ALICE = "ou_alice_handover_0000000000000001";

let emu: Emulator;
let db: TestDatabase;
let tmp: ReturnType<typeof tempDir>;
const bots: RunningBot[] = [];

beforeEach(async () => {
  tmp = tempDir();
  db = await freshDatabase();
  emu = await startTestEmulator();
});

afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop();
  await emu.close();
  await db.drop();
  tmp.remove();
});

const replica = async () => {
  const bot = await startBot(emu, join(tmp.dir, "unused.sqlite"), {
    DATABASE_URL: db.url,
    POLL_INTERVAL_SECONDS: "300",
  });
  bots.push(bot);
  return bot;
};

/** Replica A watches the task, then is caught in a slow task_check (it holds the watch's lease). */
async function heldByA(): Promise<{ a: RunningBot; card: SentMessage; commandId: string; watchId: string }> {
  const a = await replica();
  emu.setTask(TASK, ["process"]);
  const event = emu.messageEvent({ chatType: "p2p", text: `/status ${TASK}`, senderOpenId: ALICE });
  expect((await emu.deliver(a.eventUrl, event)).status).toBe(200);
  const commandId = event.event.message.message_id;
  const card = await emu.waitFor(() => emu.repliesTo(commandId)[0], 5000);
  const watchId = /"watch_id":"(\d+)"/.exec(JSON.stringify(card.card))?.[1] ?? "";
  // The next check hangs for 2.5 s: make it due now, and wait until A is inside it.
  emu.inject({ route: "task_check", delayMs: 2500, taskId: TASK });
  await a.app.store.requestCheck(Number(watchId), Date.now());
  await emu.waitFor(() => emu.requestsFor("task_check").some((r) => r.status === 0), 5000);
  return { a, card, commandId, watchId };
}

describe("prompt hand-over between replicas", () => {
  it("a Refresh click on B for a watch A is stepping is checked right after A's step, not after the lease", async () => {
    const { card, watchId } = await heldByA();
    const b = await replica();
    const checks = emu.taskCheckCount(TASK); // A's slow check included
    const click = emu.cardActionEvent({
      openMessageId: card.message_id,
      chatId: card.chat_id,
      operatorOpenId: ALICE,
      value: { action: "refresh", watch_id: watchId },
    });
    const started = Date.now();
    const answer = await emu.deliver(`${b.url}/webhook/card`, click);
    expect(answer.status).toBe(200);
    expect((answer.body as CardCallbackAnswer).toast).toBeDefined();
    // A's slow check ends (~2.5 s) and A schedules the next one 5 minutes away; the click keeps the watch due,
    // so it is checked again within a beat or two of A letting go.
    await emu.waitFor(() => emu.taskCheckCount(TASK) > checks, 10_000);
    expect(Date.now() - started).toBeLessThan(8_000); // far from the 20 s lease and the 5 min schedule
  });

  it("/stop on B for a watch A is stepping ends it right after A's step, quietly", async () => {
    const { card, commandId } = await heldByA();
    const b = await replica();
    const stop = emu.messageEvent({ chatType: "p2p", text: `/stop ${TASK}`, senderOpenId: ALICE });
    expect((await emu.deliver(b.eventUrl, stop)).status).toBe(200);
    await eventually(async () => (await b.app.store.countOpenWatches()) === 0, 10_000);
    await emu.waitFor(() => JSON.stringify(emu.message(card.message_id)?.card).includes('"grey"'), 5000);
    expect(emu.repliesTo(commandId).filter((m) => m.msg_type === "text")).toHaveLength(0);
  });
});
