/**
 * The deep card JSON 2.0 rules, applied by the emulator to every 2.0 card it receives (validate.ts) and used
 * directly by card tests. Feishu rejects unknown fields in 2.0, so each object may carry only the fields
 * listed here, taken from the official 2.0 docs (card structure, title, rich text, plain text, divider,
 * column set, button, multi-language). Returns one message per problem; [] means valid. Deliberately
 * narrower than Feishu: a component or field not listed here counts as unknown (add it to the tables below).
 */
import { CARD_MAX_BYTES, CARD_MAX_COMPONENTS } from "./constants";

export const MAX_COMPONENTS = CARD_MAX_COMPONENTS;
export const MAX_CARD_BYTES = CARD_MAX_BYTES;

/** Space-separated lists keep the tables below short enough to read at a glance. */
const names = (list: string): readonly string[] => list.split(" ");

export const CARD_FIELDS = names("schema config card_link header body");
export const CONFIG_FIELDS = names(
  "streaming_mode streaming_config summary locales enable_forward update_multi width_mode " +
    "use_custom_translation enable_forward_interaction style",
);
export const SUMMARY_FIELDS = names("content i18n_content");
export const HEADER_FIELDS = names("title subtitle text_tag_list i18n_text_tag_list template icon padding");
export const BODY_FIELDS = names(
  "direction padding horizontal_spacing horizontal_align vertical_spacing vertical_align elements",
);
export const TEXT_FIELDS = names("tag content i18n_content text_size text_color text_align lines");
export const TEXT_TAG_FIELDS = names("tag element_id text color");
export const CALLBACK_BEHAVIOR_FIELDS = names("type value");
export const OPEN_URL_BEHAVIOR_FIELDS = names("type default_url pc_url ios_url android_url");

/** Component fields by tag. The button's legacy `url`, `multi_url` and `value` are left out on purpose. */
export const COMPONENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  markdown: names("tag element_id margin content i18n_content text_size text_align icon"),
  div: names("tag element_id margin width text icon"),
  hr: names("tag element_id margin"),
  column_set: names(
    "tag element_id margin horizontal_spacing horizontal_align flex_mode background_style action columns",
  ),
  column: names(
    "tag element_id background_style width weight horizontal_spacing horizontal_align vertical_align " +
      "vertical_spacing direction padding margin elements action",
  ),
  button: names(
    "tag element_id margin type size width text icon hover_tips disabled disabled_tips confirm behaviors",
  ),
};

export const HEADER_TEMPLATES = names(
  "blue wathet turquoise green yellow orange red carmine violet purple indigo grey default",
);
export const TEXT_TAG_COLORS = names(
  "neutral blue turquoise lime orange violet indigo wathet green yellow red purple carmine",
);
export const BUTTON_TYPES = names(
  "default primary danger text primary_text danger_text primary_filled danger_filled laser",
);
export const LOCALE_CODES = names(
  "zh_cn en_us ja_jp zh_hk zh_tw id_id vi_vn th_th pt_br es_es ko_kr de_de fr_fr it_it ru_ru ms_my",
);
/** Letters, digits and underscores, starting with a letter, at most 20 characters. */
const ELEMENT_ID = /^[A-Za-z][A-Za-z0-9_]{0,19}$/;
const MAX_HEADER_TAGS = 3;

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function validateCard(card: unknown): string[] {
  if (!isObj(card)) return ["card: must be an object"];
  const check = new CardChecker();
  check.card(card);
  const bytes = Buffer.byteLength(JSON.stringify(card), "utf8");
  if (bytes > MAX_CARD_BYTES) check.errors.push(`card: ${bytes} bytes, more than ${MAX_CARD_BYTES}`);
  if (check.components > MAX_COMPONENTS) {
    check.errors.push(`card: ${check.components} components, more than ${MAX_COMPONENTS}`);
  }
  return check.errors;
}

class CardChecker {
  readonly errors: string[] = [];
  /** Every object with a `tag` counts towards the 200 limit, text elements included (2.0 structure docs). */
  components = 0;
  private readonly ids = new Set<string>();

  card(card: Obj): void {
    this.fields(card, CARD_FIELDS, "card");
    if (card.schema !== "2.0") this.fail('card.schema: must be "2.0"');
    if (card.config !== undefined) this.config(card.config);
    if (card.header !== undefined) this.header(card.header);
    if (!this.object(card.body, "card.body")) return;
    this.fields(card.body, BODY_FIELDS, "body");
    this.list(card.body.elements, "body.elements", (item, at) => this.component(item, at));
  }

  private config(value: unknown): void {
    if (!this.object(value, "config")) return;
    this.fields(value, CONFIG_FIELDS, "config");
    if (value.update_multi !== undefined && value.update_multi !== true)
      this.fail("config.update_multi: not true");
    if (value.locales !== undefined) {
      this.list(value.locales, "config.locales", (locale, at) => this.oneOf(locale, LOCALE_CODES, at));
    }
    if (value.summary === undefined || !this.object(value.summary, "config.summary")) return;
    this.fields(value.summary, SUMMARY_FIELDS, "config.summary");
    if (value.summary.i18n_content !== undefined) this.i18n(value.summary.i18n_content, "config.summary");
  }

  private header(value: unknown): void {
    if (!this.object(value, "header")) return;
    this.fields(value, HEADER_FIELDS, "header");
    this.text(value.title, "header.title");
    if (value.subtitle !== undefined) this.text(value.subtitle, "header.subtitle");
    if (value.template !== undefined) this.oneOf(value.template, HEADER_TEMPLATES, "header.template");
    if (value.text_tag_list !== undefined) this.textTags(value.text_tag_list, "header.text_tag_list");
    const perLocale = value.i18n_text_tag_list;
    if (perLocale === undefined || !this.object(perLocale, "header.i18n_text_tag_list")) return;
    for (const [locale, tags] of Object.entries(perLocale)) {
      this.oneOf(locale, LOCALE_CODES, "header.i18n_text_tag_list locale");
      this.textTags(tags, `header.i18n_text_tag_list.${locale}`);
    }
  }

  private textTags(value: unknown, path: string): void {
    if (Array.isArray(value) && value.length > MAX_HEADER_TAGS) this.fail(`${path}: more than 3 tags`);
    this.list(value, path, (tag, at) => {
      if (!this.object(tag, at)) return;
      this.tagged(tag, at);
      this.fields(tag, TEXT_TAG_FIELDS, at);
      this.oneOf(tag.tag, ["text_tag"], `${at}.tag`);
      if (tag.color !== undefined) this.oneOf(tag.color, TEXT_TAG_COLORS, `${at}.color`);
      this.text(tag.text, `${at}.text`);
    });
  }

  private component(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    const allowed = typeof value.tag === "string" ? COMPONENT_FIELDS[value.tag] : undefined;
    this.tagged(value, path);
    if (allowed) this.fields(value, allowed, path);
    else this.fail(`${path}: unknown component tag ${JSON.stringify(value.tag)}`);
    switch (value.tag) {
      case "markdown":
        if (typeof value.content !== "string") this.fail(`${path}: markdown needs a string content`);
        else this.inlineTags(value.content, `${path}.content`);
        if (value.i18n_content !== undefined) this.i18n(value.i18n_content, path);
        if (isObj(value.i18n_content)) {
          for (const [locale, text] of Object.entries(value.i18n_content)) {
            if (typeof text === "string") this.inlineTags(text, `${path}.i18n_content.${locale}`);
          }
        }
        break;
      case "div":
        if (value.text !== undefined) this.text(value.text, `${path}.text`);
        break;
      case "column_set":
        this.list(value.columns, `${path}.columns`, (column, at) => {
          if (isObj(column) && column.tag === "column") this.component(column, at);
          else this.fail(`${at}: a column_set holds only columns`);
        });
        break;
      case "column":
        this.list(value.elements ?? [], `${path}.elements`, (item, at) => this.component(item, at));
        break;
      case "button":
        this.button(value, path);
        break;
    }
  }

  private button(value: Obj, path: string): void {
    if (value.type !== undefined) this.oneOf(value.type, BUTTON_TYPES, `${path}.type`);
    if (value.text !== undefined) this.text(value.text, `${path}.text`);
    this.list(value.behaviors ?? [], `${path}.behaviors`, (behavior, at) => {
      if (!this.object(behavior, at)) return;
      // A click calls the app back (callback) and/or opens a page (open_url: default_url, and per platform).
      this.oneOf(behavior.type, ["callback", "open_url"], `${at}.type`);
      if (behavior.type === "open_url") {
        this.fields(behavior, OPEN_URL_BEHAVIOR_FIELDS, at);
        for (const field of ["default_url", "pc_url", "ios_url", "android_url"]) {
          const url = behavior[field];
          if (url === undefined && field !== "default_url") continue;
          if (typeof url !== "string" || !/^https?:\/\/\S+$/.test(url)) {
            this.fail(`${at}.${field}: must be an http(s) URL`);
          }
        }
        return;
      }
      this.fields(behavior, CALLBACK_BEHAVIOR_FIELDS, at);
      this.object(behavior.value, `${at}.value`);
    });
  }

  /** A text element (`plain_text` / `lark_md`): header title, subtitle, tag text, button text. */
  private text(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    this.tagged(value, path);
    this.fields(value, TEXT_FIELDS, path);
    this.oneOf(value.tag, ["plain_text", "lark_md"], `${path}.tag`);
    if (typeof value.content !== "string" && value.i18n_content === undefined)
      this.fail(`${path}: no content`);
    if (value.i18n_content !== undefined) this.i18n(value.i18n_content, path);
  }

  /** Markdown `<text_tag color='...'>` takes the same colours as a header tag (2.0 rich-text docs). */
  private inlineTags(markdown: string, path: string): void {
    for (const match of markdown.matchAll(/<text_tag\b([^>]*)>/g)) {
      const color = /^\s+color='([^']*)'\s*$/.exec(match[1] ?? "");
      if (!color) this.fail(`${path}: text_tag needs exactly color='...'`);
      else this.oneOf(color[1], TEXT_TAG_COLORS, `${path} text_tag color`);
    }
  }

  private i18n(value: unknown, path: string): void {
    if (!this.object(value, `${path}.i18n_content`)) return;
    for (const [locale, text] of Object.entries(value)) {
      this.oneOf(locale, LOCALE_CODES, `${path}.i18n_content locale`);
      if (typeof text !== "string") this.fail(`${path}.i18n_content.${locale}: must be a string`);
    }
  }

  private tagged(value: Obj, path: string): void {
    this.components += 1;
    const id = value.element_id;
    if (id === undefined) return;
    if (typeof id !== "string" || !ELEMENT_ID.test(id))
      this.fail(`${path}: bad element_id ${JSON.stringify(id)}`);
    else if (this.ids.has(id)) this.fail(`${path}: duplicate element_id "${id}"`);
    else this.ids.add(id);
  }

  /** A type guard that also records the failure, so callers can simply return when it is false. */
  private object(value: unknown, path: string): value is Obj {
    if (!isObj(value)) this.fail(`${path}: must be an object`);
    return isObj(value);
  }

  private fields(value: Obj, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(`${path}: unknown field "${key}"`);
    }
  }

  private oneOf(value: unknown, allowed: readonly string[], path: string): void {
    if (typeof value !== "string" || !allowed.includes(value))
      this.fail(`${path}: bad value ${JSON.stringify(value)}`);
  }

  private list(value: unknown, path: string, each: (item: unknown, at: string) => void): void {
    if (!Array.isArray(value)) this.fail(`${path}: must be an array`);
    else for (const [i, item] of value.entries()) each(item, `${path}[${i}]`);
  }

  private fail(message: string): void {
    this.errors.push(message);
  }
}
