/**
 * bench/lib/load-child.ts for the code of commit 3c8de7e ("before"): the same fleet written into the bot's
 * database through that commit's store (completeInbox, one watch per call so each gets its own creation
 * time), then that commit's real bot (createApp through its bench/lib/bot.ts startBot) against the parent's
 * emulator. Copied into a temporary worktree of that commit and compiled there by bench/lib/before.ts; not
 * part of this tree's typecheck. That code has no metric of message calls by purpose: "metrics" answers an
 * empty set and the parent classifies the emulator's request log.
 */
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite";
import { type RunningBot, startBot, tempDir } from "./bot";
import { serve, tell } from "./child";

/** As in bench/lib/load-child.ts. */
interface LoadWatch {
  taskId: string;
  chatId: string;
  senderOpenId: string;
  messageId: string;
  createdAgoMs: number;
}

interface LoadSpec {
  emulatorUrl: string;
  watches: LoadWatch[];
  env: Record<string, string>;
}

async function main(spec: LoadSpec): Promise<void> {
  const tmp = tempDir();
  const db = join(tmp.dir, "bot.sqlite");
  const store = new SqliteStore(db);
  const now = Date.now();
  for (const w of spec.watches) {
    await store.completeInbox(
      `bench-fill-${w.messageId}`,
      [
        {
          taskId: w.taskId,
          chatId: w.chatId,
          chatType: "group",
          requesterOpenId: w.senderOpenId,
          commandMessageId: w.messageId,
        },
      ],
      now - w.createdAgoMs,
    );
  }
  await store.close();
  let bot: RunningBot | undefined;
  const fail = serve(
    {
      metrics: () => tell({ type: "metrics", byPurpose: {} }),
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
