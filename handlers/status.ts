import { buildCard } from "../cards";
import type { HandlerContext } from "./context";
import { MAX_IDS_PER_COMMAND } from "./parse";
import { TEXTS } from "./texts";

/** `/status <id> [<id> ...]`: one live card per task (each task can end at its own time). */
export async function status(
  ctx: HandlerContext,
  args: { taskIds: string[]; invalid: string[]; dropped: number },
): Promise<void> {
  const now = ctx.now();
  for (const raw of args.invalid) {
    const card = buildCard({ taskId: raw, state: "invalid", startedAt: now, finishedAt: now }, now);
    await ctx.reply({ card }, `invalid:${raw}`);
  }
  if (args.dropped > 0) {
    await ctx.reply({ text: TEXTS[ctx.locale].tooMany(MAX_IDS_PER_COMMAND, args.dropped) }, "too-many");
  }
  ctx.watch(args.taskIds);
}
