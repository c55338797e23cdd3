import { helpText } from "../cards";
import type { HandlerContext } from "./context";
import type { Command } from "./parse";
import { status } from "./status";
import { TEXTS } from "./texts";

export type { HandlerContext } from "./context";
export { type Command, parseCommand } from "./parse";

/** Routes one parsed command to its handler. */
export async function handleCommand(ctx: HandlerContext, command: Command): Promise<void> {
  switch (command.kind) {
    case "status":
      return status(ctx, command);
    case "help":
      await ctx.reply({ text: helpText(ctx.locale) }, "help");
      break;
    case "unknown":
      await ctx.reply({ text: TEXTS[ctx.locale].unknown(command.name) }, "unknown");
      break;
    case "stop":
    case "list":
      // Not built yet (issue 4): answer with the help text rather than silence.
      await ctx.reply({ text: helpText(ctx.locale) }, "help");
      break;
    case "ignore":
      ctx.logger.debug("message ignored", { reason: command.reason });
      break;
  }
}
