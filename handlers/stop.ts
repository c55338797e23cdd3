import { replyText } from "../cards";
import type { HandlerContext } from "../src/core/handling";
import { MAX_IDS_PER_COMMAND } from "./parse";

/**
 * `/stop <taskId> ...`: ends this chat's watch of each task. Only the person who asked may stop a watch
 * (in a DM that is always you), so nobody in a group can silence someone else's notification.
 */
export async function stop(
  ctx: HandlerContext,
  args: { taskIds: string[]; invalid: string[] },
): Promise<void> {
  const t = replyText(ctx.locale);
  for (const taskId of [...args.taskIds, ...args.invalid].slice(0, MAX_IDS_PER_COMMAND)) {
    const watch = args.taskIds.includes(taskId)
      ? await ctx.watches.findOpenWatch(ctx.tenantKey, ctx.message.chatId, taskId)
      : undefined;
    let text: string;
    if (!watch) text = t.notWatching(taskId);
    else if (watch.requesterOpenId !== ctx.message.senderOpenId) text = t.onlyRequesterCanStop;
    else {
      await ctx.stopWatch(watch.id, ctx.message.senderOpenId);
      text = t.stopped(taskId);
    }
    await ctx.reply({ text }, `stop:${taskId}`);
  }
}
