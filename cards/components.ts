/**
 * Card JSON 2.0 building blocks, limited to the fields the official component docs list (2.0 rejects
 * unknown fields). Multi-language is per component: `content` holds the default (en_us) text and
 * `i18n_content` both locales; header tags use `i18n_text_tag_list`, the title component's own i18n field.
 */
import { DEFAULT_LOCALE, LOCALES, STRINGS, type Strings } from "./strings";
import type { Locale } from "./types";

export type Json = Record<string, unknown>;

/** One text in every locale the card carries. */
export type I18nText = Readonly<Record<Locale, string>>;

/** Header colours (`header.template`) from the 2.0 title component docs. */
export type HeaderTemplate = "blue" | "green" | "red" | "orange" | "yellow" | "grey";

/** Suffix-tag colours (`text_tag.color`) from the 2.0 title component docs. */
export type TagColor = "blue" | "green" | "red" | "orange" | "yellow" | "neutral";

export type ButtonType = "primary" | "danger";

/** Renders the same text once per locale from its string table. */
export function translate(pick: (t: Strings) => string): I18nText {
  const out = {} as Record<Locale, string>;
  for (const locale of LOCALES) out[locale] = pick(STRINGS[locale]);
  return out;
}

function localized(text: I18nText): Json {
  const i18n: Json = {};
  for (const locale of LOCALES) i18n[locale] = text[locale];
  return { content: text[DEFAULT_LOCALE], i18n_content: i18n };
}

export function plainText(text: I18nText): Json {
  return { tag: "plain_text", ...localized(text) };
}

export function markdown(elementId: string, text: I18nText): Json {
  return { tag: "markdown", element_id: elementId, ...localized(text) };
}

export function divider(elementId: string): Json {
  return { tag: "hr", element_id: elementId };
}

/** One suffix tag per locale; element ids get the locale appended because they must be card-unique. */
export function headerTags(idPrefix: string, text: I18nText, color: TagColor): Json {
  const lists: Json = {};
  for (const locale of LOCALES) {
    lists[locale] = [
      {
        tag: "text_tag",
        element_id: `${idPrefix}_${locale.slice(0, 2)}`,
        text: { tag: "plain_text", content: text[locale] },
        color,
      },
    ];
  }
  return lists;
}

/** A button that calls our server back with `value` (card.action.trigger carries it in action.value). */
export function callbackButton(elementId: string, text: I18nText, type: ButtonType, value: Json): Json {
  return {
    tag: "button",
    element_id: elementId,
    type,
    text: plainText(text),
    behaviors: [{ type: "callback", value }],
  };
}

/**
 * A button that opens a page: `url` everywhere, `pcUrl` instead in the desktop client (an AppLink that opens it
 * in Feishu's sidebar). Only http(s) URLs; nothing comes back to the bot.
 */
export function openUrlButton(
  elementId: string,
  text: I18nText,
  type: ButtonType,
  url: string,
  pcUrl?: string,
): Json {
  return {
    tag: "button",
    element_id: elementId,
    type,
    text: plainText(text),
    behaviors: [{ type: "open_url", default_url: url, ...(pcUrl ? { pc_url: pcUrl } : {}) }],
  };
}

/** The "Authorize" button: the bot's own link (user authorization), in the desktop client's sidebar too. */
export function authorizeButton(link: { url: string; pcUrl?: string }): Json {
  return openUrlButton(
    "btn_authorize",
    translate((t) => t.authorizeButton),
    "primary",
    link.url,
    link.pcUrl,
  );
}

/**
 * Buttons side by side. 2.0 has no `action` module any more; a column set with auto-width columns is the
 * documented way to put components on one row.
 */
export function buttonRow(elementId: string, cells: ReadonlyArray<{ columnId: string; button: Json }>): Json {
  return {
    tag: "column_set",
    element_id: elementId,
    flex_mode: "none",
    horizontal_spacing: "8px",
    columns: cells.map(({ columnId, button }) => ({
      tag: "column",
      element_id: columnId,
      width: "auto",
      elements: [button],
    })),
  };
}

/** The 30 KB limit on a card's JSON (feishu-protocol.md §4), counted in UTF-8 bytes. */
export const CARD_MAX_BYTES = 30 * 1024;

/** UTF-8 bytes a string takes inside the card's JSON (quotes and JSON escapes included). */
export function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), "utf8");
}

/** Joins per-locale texts line by line. */
export function joinLines(texts: readonly I18nText[], separator = "\n"): I18nText {
  const out = {} as Record<Locale, string>;
  for (const locale of LOCALES) out[locale] = texts.map((text) => text[locale]).join(separator);
  return out;
}

export interface CardShell {
  title: I18nText;
  subtitle: I18nText;
  summary: I18nText;
  template: HeaderTemplate;
  elements: Json[];
}

/** A card without header tags or actions: the shape of the `/list`, `/help` and welcome cards. */
export function simpleCard(shell: CardShell): Json {
  const { content, i18n_content } = plainText(shell.summary);
  return {
    schema: "2.0",
    config: { update_multi: true, locales: [...LOCALES], summary: { content, i18n_content } },
    header: { title: plainText(shell.title), subtitle: plainText(shell.subtitle), template: shell.template },
    body: { elements: shell.elements },
  };
}
