import { helpCard, replyText } from "../cards";
import type { HandlerContext, Handlers, Intent } from "../src/core/handling";
import type { IncomingMessage } from "../src/core/incoming";
import { handleCardAction } from "./card-action";
import { list } from "./list";
import { login, logout } from "./login";
import { type Command, notForBot, parseCommand } from "./parse";
import { alreadyWatched, status } from "./status";
import { stop } from "./stop";
import { welcome } from "./welcome";

/** The bot's handlers, as the core calls them (src/core/handling.ts); app.ts hands them to the core. */
export const handlers: Handlers = {
  addressed: (message, botOpenId) => notForBot(message, botOpenId) === undefined,
  route: (message: IncomingMessage, botOpenId: string) => {
    const command = parseCommand(message, botOpenId);
    return { name: command.kind, run: (ctx) => handleCommand(ctx, command) };
  },
  alreadyWatched,
  botAdded: welcome,
  cardAction: handleCardAction,
};

/** Routes one parsed command to its handler. */
export async function handleCommand(ctx: HandlerContext, command: Command): Promise<Intent | undefined> {
  switch (command.kind) {
    case "status":
      return status(ctx, command);
    case "stop":
      await stop(ctx, command);
      break;
    case "list":
      await list(ctx);
      break;
    case "login":
      await login(ctx);
      break;
    case "logout":
      await logout(ctx);
      break;
    case "help":
      await ctx.reply({ card: helpCard({ userAuth: ctx.userAuth !== undefined }) }, "help");
      break;
    case "unknown":
      await ctx.reply({ text: replyText(ctx.locale).unknownCommand(command.name) }, "unknown");
      break;
    case "ignore":
      ctx.logger.debug("message ignored", { reason: command.reason });
      break;
  }
  return undefined;
}

export { handleCardAction } from "./card-action";
export { type Command, parseCommand } from "./parse";
