/**
 * The `/list` answer: every watch of a chat in ONE markdown component (a component per entry would reach the
 * 200-component limit), kept under the 30 KB card limit whatever the ids look like. Each text is stored
 * three times (`content` plus both locales), so the card shows at most MAX_LIST_ENTRIES lines and stops
 * earlier when their bytes would pass LIST_BYTES; the rest is counted in "…and N more".
 */
import { isFinalState, stateTagColor } from "./build-card";
import {
  CARD_MAX_BYTES,
  type I18nText,
  type Json,
  joinLines,
  jsonBytes,
  markdown,
  simpleCard,
  translate,
} from "./components";
import { escapeMarkdown, markdownValue, safeOpenId } from "./escape";
import { DEFAULT_LOCALE, LOCALES, type Strings } from "./strings";
import { formatDuration, minutesBetween } from "./time-format";
import type { CardJson, ListEntry } from "./types";

/** Most lines one list card shows. */
export const MAX_LIST_ENTRIES = 50;

/**
 * A value that needs escaping cannot be a watched task id (the parser accepts only letters, digits, "_" and
 * "-", which show as a code span), and every escaped mark costs 5–6 bytes three times over: 16 characters
 * are enough to recognise it.
 */
export const LIST_ESCAPED_ID_CHARS = 16;

/**
 * Bytes the list lines may take, all copies counted. The rest of the card (header, summary, config, the
 * "more" line) stays under 2 KB; the margin covers it with room to spare.
 */
export const LIST_BYTES = CARD_MAX_BYTES - 4 * 1024;

/** The card for `/list`; `now` only moves the "watching for" durations, at minute resolution. */
export function listCard(entries: readonly ListEntry[], now: number): CardJson {
  const lines = fitLines(entries.slice(0, MAX_LIST_ENTRIES).map((entry) => listLine(entry, now)));
  const hidden = entries.length - lines.length;
  const elements: Json[] = [];
  if (entries.length === 0) {
    elements.push(
      markdown(
        "md_empty",
        translate((t) => t.list.empty(`**${escapeMarkdown("/status <taskId>")}**`)),
      ),
    );
  } else {
    elements.push(markdown("md_list", joinLines(lines)));
    if (hidden > 0)
      elements.push(
        markdown(
          "md_more",
          translate((t) => t.list.more(hidden)),
        ),
      );
  }
  return simpleCard({
    title: translate((t) => t.list.title),
    subtitle: translate((t) => t.list.count(entries.length)),
    summary: translate((t) => t.list.summary(entries.length)),
    template: entries.length === 0 ? "grey" : "blue",
    elements,
  });
}

function listLine(entry: ListEntry, now: number): I18nText {
  const end = isFinalState(entry.state) ? (entry.lastCheckAt ?? now) : now;
  const minutes = minutesBetween(entry.startedAt, end);
  const openId = safeOpenId(entry.requesterOpenId);
  return translate((t: Strings) =>
    t.list.line({
      id: markdownValue(entry.taskId, undefined, LIST_ESCAPED_ID_CHARS) || escapeMarkdown(t.empty),
      state: `<text_tag color='${stateTagColor(entry.state)}'>${escapeMarkdown(t.label[entry.state])}</text_tag>`,
      // <person> shows the name without notifying: an <at> here would ping every requester on each /list.
      who: openId ? `<person id='${openId}'></person>` : undefined,
      duration: escapeMarkdown(formatDuration(minutes, t.duration)),
    }),
  );
}

/** The longest prefix of `lines` whose copies (`content` = default locale, plus every locale) fit LIST_BYTES. */
function fitLines(lines: readonly I18nText[]): I18nText[] {
  const fitted: I18nText[] = [];
  let bytes = 0;
  for (const line of lines) {
    let cost = jsonBytes(line[DEFAULT_LOCALE]);
    for (const locale of LOCALES) cost += jsonBytes(line[locale]);
    if (bytes + cost > LIST_BYTES) break;
    bytes += cost;
    fitted.push(line);
  }
  return fitted;
}
