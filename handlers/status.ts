import { buildCard, replyText } from "../cards";
import type { HandlerContext } from "./context";
import { MAX_IDS_PER_COMMAND } from "./parse";

/**
 * `/status <id> [<id> ...]`: one live card per task, since each task ends at its own time. A task already
 * watched in this chat is not watched twice: the asker is pointed to the existing card instead.
 */
export async function status(
  ctx: HandlerContext,
  args: { taskIds: string[]; invalid: string[]; dropped: number },
): Promise<void> {
  const now = ctx.now();
  const t = replyText(ctx.locale);
  for (const raw of args.invalid) {
    const card = buildCard({ taskId: raw, state: "invalid", startedAt: now, finishedAt: now }, now);
    await ctx.reply({ card }, `invalid:${raw}`);
  }
  if (args.dropped > 0) await ctx.reply({ text: t.tooMany(MAX_IDS_PER_COMMAND, args.dropped) }, "too-many");
  const fresh: string[] = [];
  for (const taskId of args.taskIds) {
    const existing = await ctx.store.findOpenWatch(ctx.tenantKey, ctx.message.chatId, taskId);
    if (existing && existing.commandMessageId !== ctx.message.messageId) {
      await ctx.reply({ text: t.alreadyWatching(taskId) }, `already:${taskId}`);
    } else {
      fresh.push(taskId);
    }
  }
  ctx.watch(fresh);
}
