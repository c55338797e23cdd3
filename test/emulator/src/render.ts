/**
 * Cards and text messages as a person would read them in a terminal: pure functions, no I/O.
 *
 *   renderCard(card, { names: { ou_1: "Alice" } })  →  ["┌────…┐", "│ Drive task 7360…   [Running] │", …]
 *
 * Card JSON 2.0 (and the common 1.0 shapes): header title, state tag and subtitle, then every markdown element
 * with Feishu's rich-text tags turned into plain words (`<at>` → `@name`, `<local_datetime>` → `10:42`,
 * `<text_tag>X</text_tag>` → `[X]`, entities decoded, `**` and backticks dropped), dividers, and buttons as
 * `[ Refresh now ] [ Stop watching ]`. Texts come from `i18n_content[locale]` when the card carries it.
 */

import { decodeEntities } from "./card-html/escape";
import { asArray, isObject, textOf } from "./card-html/text";

type Json = Record<string, unknown>;

export interface RenderOptions {
  /** Total width of the box in terminal columns (default 60). */
  width?: number;
  /** Which `i18n_content` to show (default en_us). */
  locale?: string;
  /** open_id (or user_id) → display name, for `<at>` and `<person>` tags. */
  names?: Readonly<Record<string, string>>;
  /** Colour the header with ANSI escapes by `header.template` (default false: only for a TTY). */
  color?: boolean;
}

const DEFAULT_WIDTH = 60;
const MIN_WIDTH = 24;

/** ANSI colours for `header.template` (Feishu's header colour names). */
const TEMPLATE_COLORS: Readonly<Record<string, string>> = {
  blue: "34",
  wathet: "36",
  turquoise: "36",
  green: "32",
  yellow: "33",
  orange: "38;5;208",
  red: "31",
  carmine: "31",
  violet: "35",
  purple: "35",
  indigo: "34",
  grey: "90",
  default: "39",
};

// ---------- display width ----------

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) || // combining marks
    (cp >= 0x200b && cp <= 0x200f) ||
    cp === 0x2060 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    cp === 0xfeff
  );
}

/** Emoji shown two columns wide by default (Emoji_Presentation, BMP part), as most terminals do. */
const WIDE_BMP_EMOJI = new Set([
  0x231a, 0x231b, 0x23e9, 0x23ea, 0x23eb, 0x23ec, 0x23f0, 0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615, 0x267f,
  0x2693, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26d4, 0x26ea, 0x26f2, 0x26f3,
  0x26f5, 0x26fa, 0x26fd, 0x2705, 0x270a, 0x270b, 0x2728, 0x274c, 0x274e, 0x2753, 0x2754, 0x2755, 0x2757,
  0x2795, 0x2796, 0x2797, 0x27b0, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b55,
]);

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f000 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd) ||
    WIDE_BMP_EMOJI.has(cp)
  );
}

/** Terminal columns a string takes (East Asian wide characters and emoji count 2, combining marks 0). */
export function displayWidth(text: string): number {
  let width = 0;
  let previous = 0;
  for (const ch of stripAnsi(text)) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0xfe0f && previous === 1) width += 1; // "⚠" + VS16 is shown as a wide emoji
    if (isZeroWidth(cp)) {
      previous = 0;
      continue;
    }
    previous = isWide(cp) ? 2 : 1;
    width += previous;
  }
  return width;
}

export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** Word-wraps one line to `width` columns; words longer than a line are cut. */
export function wrap(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  const indent = /^(• |\s+)/.exec(line)?.[0] ?? "";
  const hanging = " ".repeat(displayWidth(indent));
  const out: string[] = [];
  let current = "";
  const push = () => {
    out.push(current.trimEnd());
    current = hanging;
  };
  for (const word of line.split(/(?<= )/)) {
    if (displayWidth(current + word.trimEnd()) <= width) {
      current += word;
      continue;
    }
    if (current.trim() !== "") push();
    let rest = word;
    while (displayWidth(current + rest.trimEnd()) > width) {
      let cut = "";
      for (const ch of rest) {
        if (displayWidth(current + cut + ch) > width) break;
        cut += ch;
      }
      if (cut === "") cut = Array.from(rest)[0] ?? "";
      current += cut;
      rest = rest.slice(cut.length);
      push();
    }
    current += rest;
  }
  if (current.trim() !== "") out.push(current.trimEnd());
  return out;
}

// ---------- rich text ----------

const two = (n: number) => String(n).padStart(2, "0");

function formatLocal(ms: number, formatType: string): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "?";
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (formatType === "date_num" || formatType === "date") return date;
  if (formatType === "time" || formatType === "") return time;
  return `${date} ${time}`;
}

/** Reads `name='v'`, `name="v"` or `name=v` from a tag's attribute text. */
function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)"|([^\\s'">]+))`).exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function mention(id: string | undefined, inner: string, names: Readonly<Record<string, string>>): string {
  if (inner.trim() !== "") return `@${inner.trim()}`;
  if (id === undefined || id === "") return "@someone";
  if (id === "all") return "@all";
  return `@${names[id] ?? id}`;
}

/** HTML entities in Feishu markdown (`&#60;`, `&lt;`, …) as the characters they stand for (card-html's reading). */
export { decodeEntities } from "./card-html/escape";

/**
 * Feishu card markdown (or a text message) → plain lines: tags first (so an escaped `&#60;` never reads as a
 * tag), then `**`, backticks and links, entities last.
 */
export function richTextToPlain(text: string, names: Readonly<Record<string, string>> = {}): string {
  let out = text
    .replace(/<local_datetime\b([^>]*)>([^<]*)<\/local_datetime>/gi, (_m, attrs: string) => {
      const ms = Number(attr(attrs, "millisecond") ?? attr(attrs, "timestamp") ?? Number.NaN);
      return formatLocal(ms, attr(attrs, "format_type") ?? "");
    })
    .replace(/<at\b([^>]*)>([^<]*)<\/at>/gi, (_m, attrs: string, inner: string) =>
      mention(attr(attrs, "id") ?? attr(attrs, "user_id") ?? attr(attrs, "open_id"), inner, names),
    )
    .replace(/<person\b([^>]*)>([^<]*)<\/person>/gi, (_m, attrs: string, inner: string) =>
      mention(attr(attrs, "id"), inner, names),
    )
    .replace(/<text_tag\b[^>]*>([^<]*)<\/text_tag>/gi, (_m, inner: string) => `[${inner}]`)
    .replace(/<\/?[a-z_][a-z0-9_]*(?:\s[^<>]*)?\/?>/gi, ""); // font, link, … : keep only their text
  out = out
    .replace(/\*\*/g, "")
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, "$1 ($2)")
    .replace(/^(\s*)[-*] /gm, "$1• ");
  return decodeEntities(out);
}

// ---------- cards ----------

type Block = { kind: "text"; text: string } | { kind: "hr" } | { kind: "buttons"; labels: string[] };

function buttonLabel(node: Json, locale: string): string {
  return `[ ${textOf(node.text, locale).trim() || "button"} ]`;
}

function collectButtons(node: unknown, locale: string, into: string[]): boolean {
  if (!isObject(node)) return true;
  if (node.tag === "button") {
    into.push(buttonLabel(node, locale));
    return true;
  }
  const children = [...asArray(node.columns), ...asArray(node.elements), ...asArray(node.actions)];
  if (children.length === 0) return false;
  return children.every((child) => collectButtons(child, locale, into));
}

function blocksOf(elements: unknown[], locale: string, names: Readonly<Record<string, string>>): Block[] {
  const blocks: Block[] = [];
  for (const element of elements) {
    if (!isObject(element)) continue;
    const tag = typeof element.tag === "string" ? element.tag : "";
    if (tag === "hr") {
      blocks.push({ kind: "hr" });
      continue;
    }
    if (tag === "button" || tag === "column_set" || tag === "action" || tag === "column") {
      const labels: string[] = [];
      if (collectButtons(element, locale, labels)) {
        if (labels.length > 0) blocks.push({ kind: "buttons", labels });
      } else {
        const children = [...asArray(element.columns), ...asArray(element.elements)].flatMap((c) =>
          isObject(c) && c.tag === "column" ? asArray(c.elements) : [c],
        );
        blocks.push(...blocksOf(children, locale, names));
      }
      continue;
    }
    if (tag === "markdown" || tag === "lark_md" || tag === "div" || tag === "plain_text" || tag === "note") {
      const raw =
        tag === "note"
          ? asArray(element.elements)
              .map((e) => textOf(e, locale))
              .join(" ")
          : "";
      const text = raw || textOf(element, locale);
      blocks.push({ kind: "text", text: richTextToPlain(text, names) });
      continue;
    }
    blocks.push({ kind: "text", text: `‹${tag || "element"}›` });
  }
  return blocks;
}

function headerTagsOf(header: Json, locale: string): string[] {
  const byLocale = header.i18n_text_tag_list;
  const list = isObject(byLocale) ? asArray(byLocale[locale]) : asArray(header.text_tag_list);
  return list.map((tag) => (isObject(tag) ? textOf(tag.text, locale).trim() : "")).filter(Boolean);
}

/** The card as the lines of a box, `width` columns wide. */
export function renderCard(card: unknown, options: RenderOptions = {}): string[] {
  const width = Math.max(MIN_WIDTH, options.width ?? DEFAULT_WIDTH);
  const inner = width - 4;
  const locale = options.locale ?? "en_us";
  const names = options.names ?? {};
  const c = isObject(card) ? card : {};
  const header = isObject(c.header) ? c.header : {};
  const body = isObject(c.body) ? c.body : {};
  const elements =
    asArray(body.elements).length > 0
      ? asArray(body.elements)
      : asArray(c.elements).length > 0
        ? asArray(c.elements)
        : isObject(c.i18n_elements)
          ? asArray(c.i18n_elements[locale])
          : [];

  const row = (text: string) => `│ ${padEnd(text, inner)} │`;
  const rule = (left: string, fill: string, right: string) => left + fill.repeat(width - 2) + right;
  const color = TEMPLATE_COLORS[typeof header.template === "string" ? header.template : "default"] ?? "39";
  const paint = (text: string, bold: boolean) =>
    options.color ? `\x1b[${bold ? "1;" : ""}${color}m${text}\x1b[0m` : text;

  const lines = [rule("┌", "─", "┐")];
  const title = richTextToPlain(textOf(header.title, locale), names).replace(/\s+/g, " ").trim();
  const tags = headerTagsOf(header, locale)
    .map((t) => `[${t}]`)
    .join(" ");
  const subtitle = richTextToPlain(textOf(header.subtitle, locale), names).trim();
  if (title || tags) {
    const room = tags ? inner - displayWidth(tags) - 2 : inner;
    const titleLines = title ? wrap(title, Math.max(8, room)) : [""];
    titleLines.forEach((line, i) => {
      const text = i === 0 && tags ? padEnd(line, inner - displayWidth(tags)) + tags : line;
      lines.push(`│ ${paint(padEnd(text, inner), true)} │`);
    });
    for (const line of subtitle ? subtitle.split("\n").flatMap((l) => wrap(l, inner)) : []) {
      lines.push(`│ ${paint(padEnd(line, inner), false)} │`);
    }
    lines.push(rule("├", "─", "┤"));
  }
  for (const block of blocksOf(elements, locale, names)) {
    if (block.kind === "hr") lines.push(`│${"─".repeat(width - 2)}│`);
    else if (block.kind === "buttons")
      for (const line of wrap(block.labels.join(" "), inner)) lines.push(row(line));
    else for (const line of block.text.split("\n").flatMap((l) => wrap(l, inner))) lines.push(row(line));
  }
  if (lines[lines.length - 1]?.startsWith("├")) lines.pop();
  lines.push(rule("└", "─", "┘"));
  return lines;
}

/** A text message's content (`<at user_id="…"></at>` tags included) as one readable string. */
export function renderText(text: string, names: Readonly<Record<string, string>> = {}): string {
  return richTextToPlain(text, names);
}
