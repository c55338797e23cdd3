import { MAX_IDS_PER_STATUS } from "../cards";
import type { IncomingMessage } from "../src/core/incoming";
import { DRIVE_TASK_ID } from "../src/core/task-id";

/** Most task ids one command takes (`/status`, `/stop`): the help card states the same limit. */
export const MAX_IDS_PER_COMMAND = MAX_IDS_PER_STATUS;

/** What a chat message asks of the bot. */
export type Command =
  | { kind: "status"; taskIds: string[]; invalid: string[]; dropped: number }
  | { kind: "stop"; taskIds: string[]; invalid: string[] }
  | { kind: "list" }
  | { kind: "login" }
  | { kind: "logout" }
  | { kind: "help" }
  | { kind: "unknown"; name: string }
  | { kind: "ignore"; reason: string };

/**
 * Task ids are long decimal numbers today (e.g. 7360595374803812356). We accept letters, digits, "_" and "-"
 * up to 64 characters, so a future format is still passed to Feishu, and reject anything else as absurd.
 */
const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A bare number in a DM is taken as `/status <number>`. */
const BARE_TASK_ID = DRIVE_TASK_ID;

/**
 * Why a message cannot be for the bot, or undefined when it may be: the bot answers users' text and rich-text
 * messages in a DM, and elsewhere only when mentioned. `botOpenId` undefined (not learnt yet in this tenant): a
 * message that mentions anyone may be for the bot. The one rule for both the parser and the ingest, which
 * stores nothing of a message that cannot be for the bot.
 */
export function notForBot(message: IncomingMessage, botOpenId: string | undefined): string | undefined {
  if (message.senderType !== "user") return "not sent by a user";
  if (message.messageType !== "text" && message.messageType !== "post")
    return `message type ${message.messageType}`;
  if (message.chatType === "p2p") return undefined;
  const mentioned =
    botOpenId === undefined
      ? message.mentions.length > 0
      : message.mentions.some((m) => m.openId === botOpenId);
  return mentioned ? undefined : "group message that does not mention the bot";
}

/**
 * Reads a message into a command, from a text or a rich-text (`post`) message alike (message.ts gives both as
 * plain text). Pure: the bot's own open_id is passed in. Outside a DM (a group, a topic group, a chat type
 * Feishu adds later) the bot acts only when it is mentioned.
 */
export function parseCommand(message: IncomingMessage, botOpenId: string): Command {
  const reason = notForBot(message, botOpenId);
  if (reason) return { kind: "ignore", reason };
  const text = normalizeText(
    message.text,
    message.mentions.map((m) => m.key),
  );
  const [head = "", ...args] = text.split(" ").filter(Boolean);

  if (!head.startsWith("/")) {
    if (message.chatType === "p2p" && BARE_TASK_ID.test(head) && args.length === 0) return statusOf([head]);
    return { kind: "help" };
  }
  const name = head.slice(1).toLowerCase();
  switch (name) {
    case "status":
      return args.length === 0 ? { kind: "help" } : statusOf(args);
    case "stop": {
      const { valid, invalid } = splitIds(args);
      return args.length === 0 ? { kind: "help" } : { kind: "stop", taskIds: valid, invalid };
    }
    case "list":
      return { kind: "list" };
    case "login":
    case "logout":
      return { kind: name };
    case "help":
    case "start":
      return { kind: "help" };
    default:
      return { kind: "unknown", name: name.slice(0, 32) };
  }
}

function statusOf(args: string[]): Command {
  const { valid, invalid } = splitIds(args);
  const dropped = Math.max(0, valid.length - MAX_IDS_PER_COMMAND);
  return {
    kind: "status",
    taskIds: valid.slice(0, MAX_IDS_PER_COMMAND),
    invalid: invalid.slice(0, 3),
    dropped,
  };
}

function splitIds(args: string[]): { valid: string[]; invalid: string[] } {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const raw of args) {
    const id = raw.replace(/^[<`"'「]+|[>`"'」,，。.;；]+$/g, "");
    if (TASK_ID.test(id)) {
      if (!valid.includes(id)) valid.push(id);
    } else if (!invalid.includes(raw)) {
      invalid.push(raw);
    }
  }
  return { valid, invalid };
}

/**
 * Removes mention placeholders (@_user_1, @_all), folds full-width forms (／status, ｓｔａｔｕｓ, full-width
 * digits and spaces) with NFKC, and collapses every kind of white space to one space.
 */
export function normalizeText(text: string, mentionKeys: string[]): string {
  let out = text.normalize("NFKC");
  // Longest first, so @_user_1 does not eat the start of @_user_10.
  for (const key of [...mentionKeys].sort((a, b) => b.length - a.length)) {
    if (key) out = out.split(key).join(" ");
  }
  out = out.replace(/@_user_\d+|@_all/g, " ");
  return out.replace(/(?:\s|\u200b|\u200c|\u200d|\ufeff)+/g, " ").trim();
}
