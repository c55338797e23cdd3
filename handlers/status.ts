import { buildCard, replyText } from "../cards";
import type { HandlerContext, Intent } from "../src/core/handling";
import { MAX_IDS_PER_COMMAND } from "./parse";

/**
 * `/status <id> [<id> ...]`: one live card per task, since each task ends at its own time. A task already
 * watched in this chat is not watched twice: the asker is pointed to the existing card instead.
 */
export async function status(
  ctx: HandlerContext,
  args: { taskIds: string[]; invalid: string[]; dropped: number },
): Promise<Intent> {
  const now = ctx.now();
  const t = replyText(ctx.locale);
  for (const raw of args.invalid) {
    const card = buildCard({ taskId: raw, state: "invalid", startedAt: now, finishedAt: now }, now);
    await ctx.reply({ card }, `invalid:${raw}`);
  }
  if (args.dropped > 0) await ctx.reply({ text: t.tooMany(MAX_IDS_PER_COMMAND, args.dropped) }, "too-many");
  const fresh: string[] = [];
  const watched: string[] = [];
  for (const taskId of args.taskIds) {
    const existing = await ctx.watches.findOpenWatch(ctx.tenantKey, ctx.message.chatId, taskId);
    if (existing && existing.commandMessageId !== ctx.message.messageId) watched.push(taskId);
    else fresh.push(taskId);
  }
  await alreadyWatched(ctx, watched);
  return { watch: fresh };
}

/** Points the asker to the card of each task this chat already watches. */
export async function alreadyWatched(ctx: HandlerContext, taskIds: string[]): Promise<void> {
  for (const taskId of taskIds) {
    await ctx.reply({ text: replyText(ctx.locale).alreadyWatching(taskId) }, `already:${taskId}`);
  }
}
