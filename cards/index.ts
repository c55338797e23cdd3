/** The cards module: pure builders of card JSON 2.0 and plain-text messages, and their strings. */
export { buildCard, isFinalState } from "./build-card";
export { escapeMarkdown, MAX_SHOWN_CHARS, markdownValue, plainValue, safeOpenId, truncate } from "./escape";
export { helpText, notificationText } from "./notification";
export { DEFAULT_LOCALE, LOCALES, STRINGS, type Strings } from "./strings";
export { floorToMinute, formatDuration, minutesBetween } from "./time-format";
export type { CardJson, CardState, CardView, Locale } from "./types";
