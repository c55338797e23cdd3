/**
 * Short plain-text replies (text messages) and card-callback toasts. Callers pass raw values; every value
 * that came from a user goes through `plainValue` here (one line, no invisible characters, at most 64
 * characters, no `<`/`>` that a text message could read as an `<at>` tag).
 */
import { plainValue } from "./escape";
import { type ReplyTexts, STRINGS } from "./strings";
import type { Locale } from "./types";

/** A command name is echoed back; 32 characters are enough to recognise a typo. */
const MAX_COMMAND_CHARS = 32;

/** A count we print: a whole, non-negative number whatever the caller passed. */
function count(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : 0;
}

/** The replies in one locale, with user values cleaned. Written out key by key so a new key must be wired. */
export function replyText(locale: Locale): ReplyTexts {
  const t = STRINGS[locale];
  const r = t.reply;
  const id = (raw: string): string => plainValue(raw) || t.empty;
  return {
    unknownCommand: (name) => r.unknownCommand(plainValue(name, MAX_COMMAND_CHARS)),
    tooMany: (max, dropped) => r.tooMany(count(max), count(dropped)),
    alreadyWatching: (taskId) => r.alreadyWatching(id(taskId)),
    stopped: (taskId) => r.stopped(id(taskId)),
    notWatching: (taskId) => r.notWatching(id(taskId)),
    onlyRequesterCanStop: r.onlyRequesterCanStop,
    watchEnded: r.watchEnded,
    refreshed: (stateLabel) => r.refreshed(plainValue(stateLabel) || t.empty),
    refreshFailed: r.refreshFailed,
    unknownAction: r.unknownAction,
    loggedOut: r.loggedOut,
    notLoggedIn: r.notLoggedIn,
    userAuthOff: r.userAuthOff,
  };
}
