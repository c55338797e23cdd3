import { describe, expect, it } from "vitest";
import type { FeishuClient } from "../../src/feishu/client";
import { PacedFeishu } from "../../src/feishu/paced";
import { createMetrics } from "../../src/metrics";
import { SqliteStore } from "../../src/store/sqlite";
import { maxPerSlidingSecond } from "../support/sliding-window";

describe("the outbound pacer", () => {
  it("keeps a chat's calls apart even when they waited together for the shared message budget", async () => {
    const store = new SqliteStore(":memory:");
    const sent: Array<{ chat: string; at: number }> = [];
    const client = {
      reply: async (_tenant: string, messageId: string) => {
        const chat = messageId.split("/")[0];
        sent.push({ chat, at: Date.now() });
        return { messageId: `om_sent_${sent.length}`, chatId: chat };
      },
    } as unknown as FeishuClient;
    const feishu = new PacedFeishu(client, store, {
      taskCheckRps: 5,
      metrics: createMetrics(() => store.countOpenWatches()),
    });
    const reply = (chat: string, i: number) =>
      feishu.reply(
        "",
        { messageId: `${chat}/${i}`, chatId: chat },
        { text: "hi" },
        `uuid-${chat}-${i}`,
        "reply",
      );
    // 45 calls to as many chats take the burst of the message budget (30), 15 queue behind it (about a second
    // at 16/s); then 8 calls to one chat, which allows 4.5/s, wait in that queue too.
    const calls = Array.from({ length: 45 }, (_, i) => reply(`oc_other_${i}`, i));
    calls.push(...Array.from({ length: 8 }, (_, i) => reply("oc_busy", i)));
    await Promise.all(calls);
    await store.close();

    expect(sent).toHaveLength(53);
    // Feishu's limit is 5 messages per second per chat.
    const busy = sent.filter((s) => s.chat === "oc_busy").map((s) => s.at);
    expect(maxPerSlidingSecond(busy)).toBeLessThanOrEqual(5);
  }, 20_000);
});
