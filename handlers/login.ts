import { loginCard, replyText } from "../cards";
import type { HandlerContext } from "../src/core/handling";

/**
 * `/login`: a card with the sender's own Authorize button (the bot then checks Drive tasks as them when its
 * own identity cannot see one). In a group the button is still the sender's alone.
 */
export async function login(ctx: HandlerContext): Promise<void> {
  const auth = ctx.userAuth;
  if (!auth) return ctx.reply({ text: replyText(ctx.locale).userAuthOff }, "login");
  const card = loginCard(ctx.message.senderOpenId, auth.link(), await auth.authorized());
  await ctx.reply({ card }, "login");
}

/** `/logout`: revokes and forgets the sender's tokens; their watches ask to authorize again. */
export async function logout(ctx: HandlerContext): Promise<void> {
  const auth = ctx.userAuth;
  const t = replyText(ctx.locale);
  if (!auth) return ctx.reply({ text: t.userAuthOff }, "logout");
  await ctx.reply({ text: (await auth.logout()) ? t.loggedOut : t.notLoggedIn }, "logout");
}
