/**
 * Card JSON 2.0 components → HTML (cards-v2-rendering.md §3, §5). Every component our cards use and the
 * common ones beside them; anything else becomes a visible placeholder naming its tag, never nothing.
 * Buttons carry what a click needs (`data-element-id`, `data-behaviors`, `data-confirm`) for the console.
 */
import { backgroundColor, enumColor } from "./colors";
import { escapeHtml, safePx, safeSpacing, safeUrl } from "./escape";
import { avatarHtml, inlineToHtml, markdownToHtml, type RenderContext } from "./markdown";

type Json = Record<string, unknown>;

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

function sizeStyle(raw: unknown): string {
  const px = typeof raw === "string" ? TEXT_SIZES[raw] : undefined;
  return px === undefined || px === 14 ? "" : `font-size:${px}px;line-height:${px <= 12 ? 18 : px + 8}px;`;
}

function alignStyle(raw: unknown): string {
  return raw === "center" || raw === "right" ? `text-align:${raw};` : "";
}

function marginStyle(node: Json): string {
  return node.margin === undefined ? "" : `margin:${safeSpacing(node.margin, "0")};`;
}

function idAttr(node: Json): string {
  return typeof node.element_id === "string" ? ` data-element-id="${escapeHtml(node.element_id)}"` : "";
}

function style(css: string): string {
  return css === "" ? "" : ` style="${css}"`;
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  zh: "请升级至最新版本客户端，以查看内容",
  en: "Please upgrade to the latest version to view the content.",
};

/** What the client shows for a component it cannot draw (§6), with the tag named so nothing hides. */
function placeholder(tag: string, ctx: RenderContext): string {
  const words = ctx.locale.startsWith("zh") ? UNSUPPORTED.zh : UNSUPPORTED.en;
  return `<div class="fc-unsupported" data-tag="${escapeHtml(tag)}"><span class="fc-unsupported-tag">‹${escapeHtml(tag || "?")}›</span> ${escapeHtml(words ?? "")}</div>`;
}

function markdownEl(node: Json, ctx: RenderContext): string {
  const css = sizeStyle(node.text_size) + alignStyle(node.text_align) + marginStyle(node);
  return `<div class="fc-markdown"${idAttr(node)}${style(css)}>${markdownToHtml(textOf(node, ctx.locale), ctx)}</div>`;
}

function divEl(node: Json, ctx: RenderContext): string {
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
function noteEl(node: Json, ctx: RenderContext): string {
  const parts = asArray(node.elements).map((e) =>
    isObject(e) && e.tag === "img" ? "" : `<span>${textHtml(e, ctx)}</span>`,
  );
  return `<div class="fc-note"${idAttr(node)}>${parts.join(" ")}</div>`;
}

const BUTTON_TYPES = new Set([
  "default",
  "primary",
  "danger",
  "text",
  "primary_text",
  "danger_text",
  "primary_filled",
  "danger_filled",
  "laser",
]);

function buttonEl(node: Json, ctx: RenderContext): string {
  const type = typeof node.type === "string" && BUTTON_TYPES.has(node.type) ? node.type : "default";
  const size = ["tiny", "small", "medium", "large"].includes(String(node.size))
    ? String(node.size)
    : "medium";
  const behaviors: Json[] = asArray(node.behaviors).filter(isObject);
  // 1.0 buttons: `url`/`multi_url` open a page, `value` calls back.
  if (behaviors.length === 0 && safeUrl(node.url))
    behaviors.push({ type: "open_url", default_url: node.url });
  if (behaviors.length === 0 && isObject(node.value)) behaviors.push({ type: "callback", value: node.value });
  const open = behaviors.find((b) => b.type === "open_url");
  const url = open ? safeUrl(open.pc_url ?? open.default_url ?? open.url) : undefined;
  const confirm = isObject(node.confirm)
    ? `${textOf(node.confirm.title, ctx.locale)}\n${textOf(node.confirm.text, ctx.locale)}`.trim()
    : "";
  const width =
    node.width === "fill"
      ? "width:100%;"
      : safePx(node.width, 100, 999)
        ? `width:${safePx(node.width, 100, 999)};`
        : "";
  const attrs = [
    `class="fc-button fc-button-${type} fc-button-${size}"`,
    'type="button"',
    idAttr(node).trim(),
    // What a click does, for the console: it looks the callback value up in the card itself by element_id.
    behaviors.some((b) => b.type === "callback") ? 'data-callback="true"' : "",
    url ? `data-url="${escapeHtml(url)}"` : "",
    confirm ? `data-confirm="${escapeHtml(confirm)}"` : "",
    node.disabled === true ? "disabled" : "",
    typeof node.hover_tips === "object" ? `title="${escapeHtml(textOf(node.hover_tips, ctx.locale))}"` : "",
  ].filter(Boolean);
  return `<button ${attrs.join(" ")}${style(width + marginStyle(node))}>${escapeHtml(textOf(node.text, ctx.locale) || " ")}</button>`;
}

function columnSetEl(node: Json, ctx: RenderContext): string {
  const mode = typeof node.flex_mode === "string" ? node.flex_mode : "none";
  const gap = safeSpacing(node.horizontal_spacing, "8px");
  const bg = backgroundColor(node.background_style);
  const justify = { center: "center", right: "flex-end" }[String(node.horizontal_align)] ?? "flex-start";
  const css = `gap:${gap};justify-content:${justify};${bg ? `background:${bg};` : ""}${marginStyle(node)}`;
  const columns = asArray(node.columns)
    .filter(isObject)
    .map((c) => columnEl(c, mode, ctx))
    .join("");
  return `<div class="fc-column-set fc-flex-${escapeHtml(mode)}${bg ? " fc-filled" : ""}"${idAttr(node)}${style(css)}>${columns}</div>`;
}

function columnEl(node: Json, mode: string, ctx: RenderContext): string {
  const weight = typeof node.weight === "number" ? Math.max(1, Math.min(5, Math.trunc(node.weight))) : 1;
  const px = mode === "none" ? safePx(node.width, 16, 600) : undefined;
  const flex =
    mode === "stretch"
      ? "flex:1 1 100%;"
      : node.width === "weighted"
        ? `flex:${weight} 1 0;min-width:0;`
        : px
          ? `flex:0 0 ${px};width:${px};`
          : "flex:0 1 auto;min-width:0;";
  const bg = backgroundColor(node.background_style);
  const valign = { center: "center", bottom: "flex-end" }[String(node.vertical_align)] ?? "flex-start";
  const css =
    flex +
    `justify-content:${valign};gap:${safeSpacing(node.vertical_spacing, "8px")};` +
    (node.padding === undefined ? "" : `padding:${safeSpacing(node.padding, "0")};`) +
    (bg ? `background:${bg};` : "");
  return `<div class="fc-column"${idAttr(node)}${style(css)}>${elementsHtml(node.elements, ctx)}</div>`;
}

const IMG_SIZES: Readonly<Record<string, string>> = {
  large: "160px",
  medium: "80px",
  small: "40px",
  tiny: "16px",
};

/** Images live in Feishu's storage, not in the card: a box of the right size with its alt text. */
function imgEl(node: Json, ctx: RenderContext): string {
  const side = typeof node.size === "string" ? IMG_SIZES[node.size] : undefined;
  const css = side ? `width:${side};height:${side};` : "width:100%;height:120px;";
  const alt = textOf(node.alt, ctx.locale) || (typeof node.img_key === "string" ? node.img_key : "image");
  return `<div class="fc-img"${idAttr(node)} role="img" aria-label="${escapeHtml(alt)}"${style(css + marginStyle(node))}>🖼 ${escapeHtml(alt)}</div>`;
}

const PERSON_SIZES: Readonly<Record<string, number>> = { extra_small: 20, small: 24, medium: 32, large: 40 };

function personEl(node: Json, ctx: RenderContext): string {
  const ids =
    node.tag === "person_list" ? asArray(node.persons).map((p) => (isObject(p) ? p.id : p)) : [node.user_id];
  const size = PERSON_SIZES[String(node.size)] ?? 32;
  const people = ids.map((id) => {
    const name =
      (typeof id === "string" && ctx.names[id]) ||
      (ctx.locale.startsWith("zh") ? "未知用户" : "Unknown user");
    const showName = node.show_name === true || node.tag === "person_list";
    return `<span class="fc-person">${node.show_avatar === false ? "" : avatarHtml(name, size)}${showName ? `<span class="fc-person-name">${escapeHtml(name)}</span>` : ""}</span>`;
  });
  return `<div class="fc-person-block"${idAttr(node)}>${people.join("")}</div>`;
}

function panelEl(node: Json, ctx: RenderContext): string {
  const header = isObject(node.header) ? node.header : {};
  const open = node.expanded === true ? " open" : "";
  const border = isObject(node.border)
    ? ` style="border:1px solid ${enumColor(node.border.color) ?? "#DEE0E3"}"`
    : "";
  return `<details class="fc-panel"${idAttr(node)}${open}${border}><summary class="fc-panel-title">${textHtml(header.title, ctx)}</summary><div class="fc-panel-body">${elementsHtml(node.elements, ctx)}</div></details>`;
}

function containerEl(node: Json, ctx: RenderContext): string {
  const bg = backgroundColor(node.background_style);
  const css =
    `padding:${safeSpacing(node.padding, "4px 12px")};` +
    (node.has_border === true ? `border:1px solid ${enumColor(node.border_color) ?? "#DEE0E3"};` : "") +
    (bg ? `background:${bg};` : "") +
    marginStyle(node);
  const behaviors = asArray(node.behaviors).filter(isObject);
  const open = behaviors.find((b) => b.type === "open_url");
  const url = open ? safeUrl(open.pc_url ?? open.default_url) : undefined;
  const data =
    (behaviors.some((b) => b.type === "callback") ? ' data-callback="true"' : "") +
    (url ? ` data-url="${escapeHtml(url)}"` : "");
  return `<div class="fc-container${behaviors.length ? " fc-clickable" : ""}"${idAttr(node)}${data}${style(css)}>${elementsHtml(node.elements, ctx)}</div>`;
}

function tableEl(node: Json, ctx: RenderContext): string {
  const columns = asArray(node.columns).filter(isObject);
  const head = columns.map((c) => `<th>${escapeHtml(String(c.display_name ?? c.name ?? ""))}</th>`).join("");
  const rows = asArray(node.rows)
    .filter(isObject)
    .map((row) => {
      const cells = columns.map((c) => {
        const value = row[String(c.name)];
        const text = typeof value === "string" || typeof value === "number" ? String(value) : "";
        return `<td>${c.data_type === "lark_md" || c.data_type === "markdown" ? inlineToHtml(text, ctx) : escapeHtml(text)}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    });
  return `<table class="fc-table"${idAttr(node)}><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The `tag`s this renderer draws (everything else is a placeholder); the emulator README lists them. */
export const SUPPORTED_TAGS = [
  "markdown",
  "div",
  "plain_text",
  "lark_md",
  "hr",
  "column_set",
  "column",
  "button",
  "action",
  "note",
  "img",
  "person",
  "person_list",
  "collapsible_panel",
  "interactive_container",
  "form",
  "table",
] as const;

export function elementHtml(element: unknown, ctx: RenderContext): string {
  if (!isObject(element)) return placeholder("", ctx);
  const tag = typeof element.tag === "string" ? element.tag : "";
  switch (tag) {
    case "markdown":
    case "lark_md":
      return markdownEl(element, ctx);
    case "div":
      return divEl(element, ctx);
    case "plain_text":
      return `<div class="fc-div">${textHtml(element, ctx)}</div>`;
    case "hr":
      return `<hr class="fc-hr"${idAttr(element)}${style(marginStyle(element))}>`;
    case "column_set":
      return columnSetEl(element, ctx);
    case "column":
      return columnEl(element, "none", ctx);
    case "button":
      return buttonEl(element, ctx);
    case "action":
      return `<div class="fc-actions">${asArray(element.actions)
        .map((a) => elementHtml(a, ctx))
        .join("")}</div>`;
    case "note":
      return noteEl(element, ctx);
    case "img":
      return imgEl(element, ctx);
    case "person":
    case "person_list":
      return personEl(element, ctx);
    case "collapsible_panel":
      return panelEl(element, ctx);
    case "interactive_container":
      return containerEl(element, ctx);
    case "form":
      return `<div class="fc-form"${idAttr(element)}>${elementsHtml(element.elements, ctx)}</div>`;
    case "table":
      return tableEl(element, ctx);
    default:
      return placeholder(tag, ctx);
  }
}

export function elementsHtml(elements: unknown, ctx: RenderContext): string {
  return asArray(elements)
    .map((e) => elementHtml(e, ctx))
    .join("");
}
