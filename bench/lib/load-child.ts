/**
 * Child process of bench/completion-load.ts: the real bot (startServer: SQLite file, paced SDK client,
 * node-cron scheduler) alone in its process, against the parent's emulator. Before the bot starts, the
 * child writes the fleet's watches into the bot's database through the store, as /status commands would
 * have created them, each with its creation time in the past (so the adaptive schedule and the card's
 * freshness steps are those of a watch of that age); their first cards are still to be posted, which the
 * bot does in its first rounds, as after a restart.
 * argv[2]: JSON LoadSpec. Answers "started" once the bot runs; "metrics" → "metrics"; "stop".
 */
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite";
import { type RunningBot, startBot, tempDir } from "./bot";
import { serve, tell } from "./child";

export interface LoadWatch {
  taskId: string;
  chatId: string;
  senderOpenId: string;
  messageId: string;
  /** How long before the bot starts the watch was created. */
  createdAgoMs: number;
}

export interface LoadSpec {
  emulatorUrl: string;
  watches: LoadWatch[];
  env: Record<string, string>;
}

/** The bot's feishu_message_calls_total, by `api/purpose/result` (empty for code that has no such metric). */
export type LoadMetrics = { type: "metrics"; byPurpose: Record<string, number> };

async function main(spec: LoadSpec): Promise<void> {
  const tmp = tempDir();
  const db = join(tmp.dir, "bot.sqlite");
  const store = new SqliteStore(db);
  const now = Date.now();
  for (const w of spec.watches) {
    await store.createWatch(
      {
        tenantKey: "",
        taskId: w.taskId,
        origin: "command",
        chatId: w.chatId,
        chatType: "group",
        requesterOpenId: w.senderOpenId,
        commandMessageId: w.messageId,
      },
      now - w.createdAgoMs,
    );
  }
  await store.close();
  let bot: RunningBot | undefined;
  const fail = serve(
    {
      metrics: async () => {
        const byPurpose: Record<string, number> = {};
        for (const v of (await bot?.app.metrics.messageCalls.get())?.values ?? []) {
          byPurpose[`${v.labels.api}/${v.labels.purpose}/${v.labels.result}`] = v.value;
        }
        tell({ type: "metrics", byPurpose });
      },
    },
    async () => {
      await bot?.stop();
      tmp.remove();
    },
  );
  try {
    bot = await startBot(spec.emulatorUrl, db, spec.env);
    tell({ type: "started", createdAt: now });
  } catch (error) {
    tmp.remove();
    fail(error);
  }
}

void main(JSON.parse(process.argv[2] ?? "{}") as LoadSpec);
