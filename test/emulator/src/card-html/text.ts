/**
 * Text components and what every component shares: a text in the reader's locale, `markdown`, `div` (with
 * 1.0 `fields`), the 1.0 `note`; sizes (`text_size`, PC px, §4), alignment, `margin`, `element_id`.
 */
import { enumColor } from "./colors";
import { escapeHtml, safeSpacing } from "./escape";
import type { RenderContext } from "./inline";
import { markdownToHtml } from "./markdown";

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A text's words in the reader's locale: `i18n_content[locale]`, else `content` (§1 i18n). */
export function textOf(node: unknown, locale: string): string {
  if (typeof node === "string") return node;
  if (!isObject(node)) return "";
  const i18n = node.i18n_content ?? node.i18n;
  if (isObject(i18n) && typeof i18n[locale] === "string") return i18n[locale] as string;
  if (typeof node.content === "string") return node.content;
  if (node.text !== undefined) return textOf(node.text, locale);
  return "";
}

/** A text object → HTML: `lark_md`/`markdown` read as markdown, `plain_text` escaped (new lines kept). */
export function textHtml(node: unknown, ctx: RenderContext): string {
  const words = textOf(node, ctx.locale);
  const tag = isObject(node) ? node.tag : undefined;
  if (tag === "lark_md" || tag === "markdown") return markdownToHtml(words, ctx);
  return escapeHtml(words).replace(/\n/g, "<br>");
}

/** `text_size` → PC px (§4); unknown sizes are `normal`. */
const TEXT_SIZES: Readonly<Record<string, number>> = {
  "heading-0": 30,
  "heading-1": 24,
  "heading-2": 20,
  "heading-3": 18,
  "heading-4": 16,
  heading: 16,
  normal: 14,
  notation: 12,
  "xxxx-large": 30,
  "xxx-large": 24,
  "xx-large": 20,
  "x-large": 18,
  large: 16,
  medium: 14,
  small: 12,
  "x-small": 10,
};

export function sizeStyle(raw: unknown): string {
  const px = typeof raw === "string" ? TEXT_SIZES[raw] : undefined;
  return px === undefined || px === 14 ? "" : `font-size:${px}px;line-height:${px <= 12 ? 18 : px + 8}px;`;
}

export function alignStyle(raw: unknown): string {
  return raw === "center" || raw === "right" ? `text-align:${raw};` : "";
}

export function marginStyle(node: Json): string {
  return node.margin === undefined ? "" : `margin:${safeSpacing(node.margin, "0")};`;
}

export function idAttr(node: Json): string {
  return typeof node.element_id === "string" ? ` data-element-id="${escapeHtml(node.element_id)}"` : "";
}

export function style(css: string): string {
  return css === "" ? "" : ` style="${css}"`;
}

export function markdownEl(node: Json, ctx: RenderContext): string {
  const css = sizeStyle(node.text_size) + alignStyle(node.text_align) + marginStyle(node);
  return `<div class="fc-markdown"${idAttr(node)}${style(css)}>${markdownToHtml(textOf(node, ctx.locale), ctx)}</div>`;
}

export function divEl(node: Json, ctx: RenderContext): string {
  const text = isObject(node.text) ? node.text : {};
  const color = text.tag === "plain_text" ? enumColor(text.text_color) : undefined;
  const lines = typeof text.lines === "number" && text.lines > 0 ? Math.trunc(text.lines) : 0;
  const css =
    sizeStyle(text.text_size) +
    alignStyle(text.text_align) +
    marginStyle(node) +
    (color ? `color:${color};` : "") +
    (lines ? `-webkit-line-clamp:${lines};` : "");
  const fields = asArray(node.fields)
    .filter(isObject)
    .map(
      (f) =>
        `<div class="fc-field${f.is_short === true ? " fc-field-short" : ""}">${textHtml(f.text, ctx)}</div>`,
    )
    .join("");
  const body = isObject(node.text)
    ? `<div class="fc-div-text${lines ? " fc-clamp" : ""}">${textHtml(text, ctx)}</div>`
    : "";
  return `<div class="fc-div"${idAttr(node)}${style(css)}>${body}${fields ? `<div class="fc-fields">${fields}</div>` : ""}</div>`;
}

/** A 1.0 `note` (2.0 rejects it, but old cards carry it): small grey text. */
export function noteEl(node: Json, ctx: RenderContext): string {
  const parts = asArray(node.elements).map((e) =>
    isObject(e) && e.tag === "img" ? "" : `<span>${textHtml(e, ctx)}</span>`,
  );
  return `<div class="fc-note"${idAttr(node)}>${parts.join(" ")}</div>`;
}
