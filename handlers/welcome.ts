import { welcomeCard } from "../cards";
import type { ChatContext } from "../src/core/handling";

/** Added to a group: a short welcome card with the commands (in a topic group it opens a topic of its own). */
export async function welcome(ctx: ChatContext): Promise<void> {
  await ctx.post({ card: welcomeCard({ userAuth: ctx.userAuth }) }, "welcome");
  ctx.logger.info("welcomed a new group", { chat_id: ctx.chatId });
}
