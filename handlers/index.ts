import { helpCard, replyText } from "../cards";
import type { HandlerContext } from "./context";
import { list } from "./list";
import type { Command } from "./parse";
import { status } from "./status";
import { stop } from "./stop";

export { type CallbackAnswer, type CardActionContext, handleCardAction } from "./card-action";
export type { HandlerContext } from "./context";
export { type Command, parseCommand } from "./parse";

/** Routes one parsed command to its handler. */
export async function handleCommand(ctx: HandlerContext, command: Command): Promise<void> {
  switch (command.kind) {
    case "status":
      return status(ctx, command);
    case "stop":
      return stop(ctx, command);
    case "list":
      return list(ctx);
    case "help":
      return ctx.reply({ card: helpCard() }, "help");
    case "unknown":
      return ctx.reply({ text: replyText(ctx.locale).unknownCommand(command.name) }, "unknown");
    case "ignore":
      ctx.logger.debug("message ignored", { reason: command.reason });
      return;
  }
}
