import { listCard } from "../cards";
import type { HandlerContext } from "../src/core/handling";

/** `/list`: the tasks watched in this chat, with their state and who asked. */
export async function list(ctx: HandlerContext): Promise<void> {
  const watches = await ctx.watches.listWatches({
    tenantKey: ctx.tenantKey,
    chatId: ctx.message.chatId,
    openOnly: true,
    limit: 100,
  });
  const entries = watches.map((w) => ({
    taskId: w.taskId,
    state: w.state,
    requesterOpenId: w.requesterOpenId || undefined,
    startedAt: w.createdAt,
    lastCheckAt: w.lastCheckAt ?? undefined,
  }));
  await ctx.reply({ card: listCard(entries, ctx.now()) }, "list");
}
