/**
 * The Feishu console: a web page where a person chats with the bot through the emulator, sees its cards drawn
 * as Feishu draws them and updated live, clicks their buttons, starts Drive tasks, inspects every call and
 * event, and switches faults on. `startConsole(emu, { bot: { eventUrl } })` serves it; see the README.
 */

export { hasFormatting, lineToElements, toPost } from "./composer";
export type { ConsoleApp } from "./console-app";
export type { MessageView } from "./conversation";
export { type BotTarget, type Delivered, deliverToBot } from "./delivery";
export { ConsoleError } from "./errors";
export { FAULT_SWITCHES, type FaultName } from "./faults";
export { findButton } from "./find-button";
export type { JournalEntry } from "./journal";
export { REDACTED, redact } from "./redact";
export { type ConsoleOptions, type RunningConsole, startConsole } from "./server";
export { CHATS, type ConsoleChat, dmChatId, PEOPLE, type Person } from "./world";
