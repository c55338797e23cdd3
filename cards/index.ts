/** The cards module: pure builders of card JSON 2.0 and plain-text messages, and their strings. */
export { buildCard, isFinalState, stateTagColor } from "./build-card";
export { escapeMarkdown, MAX_SHOWN_CHARS, markdownValue, plainValue, safeOpenId, truncate } from "./escape";
export { type HelpOptions, helpCard, MAX_IDS_PER_STATUS, welcomeCard } from "./help-card";
export { LIST_BYTES, LIST_ESCAPED_ID_CHARS, listCard, MAX_LIST_ENTRIES } from "./list-card";
export { loginCard } from "./login-card";
export { notificationText } from "./notification";
export { replyText } from "./replies";
export {
  DEFAULT_LOCALE,
  EXAMPLE_ID,
  LOCALES,
  type ReplyTexts,
  STRINGS,
  type Strings,
} from "./strings";
export { floorToMinute, formatDuration, minutesBetween } from "./time-format";
export type { AuthorizeLink, CardJson, CardState, CardView, ListEntry, Locale } from "./types";
