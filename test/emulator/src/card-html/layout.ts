/**
 * Interactive and layout components: buttons (every type and size, their behaviours for the console), column
 * sets and columns, images (a box: the image lives in Feishu), people, collapsible panels, interactive
 * containers, tables. A container draws its children with `children` (components.ts's dispatcher).
 */
import { backgroundColor, enumColor } from "./colors";
import { escapeHtml, safePx, safeSpacing, safeUrl } from "./escape";
import { avatarHtml, inlineToHtml, type RenderContext } from "./inline";
import { asArray, idAttr, isObject, type Json, marginStyle, style, textHtml, textOf } from "./text";

export type Children = (elements: unknown, ctx: RenderContext) => string;

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

export function buttonEl(node: Json, ctx: RenderContext): string {
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

export function columnSetEl(node: Json, ctx: RenderContext, children: Children): string {
  const mode = typeof node.flex_mode === "string" ? node.flex_mode : "none";
  const gap = safeSpacing(node.horizontal_spacing, "8px");
  const bg = backgroundColor(node.background_style);
  const justify = { center: "center", right: "flex-end" }[String(node.horizontal_align)] ?? "flex-start";
  const css = `gap:${gap};justify-content:${justify};${bg ? `background:${bg};` : ""}${marginStyle(node)}`;
  const columns = asArray(node.columns)
    .filter(isObject)
    .map((c) => columnEl(c, mode, ctx, children))
    .join("");
  return `<div class="fc-column-set fc-flex-${escapeHtml(mode)}${bg ? " fc-filled" : ""}"${idAttr(node)}${style(css)}>${columns}</div>`;
}

export function columnEl(node: Json, mode: string, ctx: RenderContext, children: Children): string {
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
  return `<div class="fc-column"${idAttr(node)}${style(css)}>${children(node.elements, ctx)}</div>`;
}

const IMG_SIZES: Readonly<Record<string, string>> = {
  large: "160px",
  medium: "80px",
  small: "40px",
  tiny: "16px",
};

/** Images live in Feishu's storage, not in the card: a box of the right size with its alt text. */
export function imgEl(node: Json, ctx: RenderContext): string {
  const side = typeof node.size === "string" ? IMG_SIZES[node.size] : undefined;
  const css = side ? `width:${side};height:${side};` : "width:100%;height:120px;";
  const alt = textOf(node.alt, ctx.locale) || (typeof node.img_key === "string" ? node.img_key : "image");
  return `<div class="fc-img"${idAttr(node)} role="img" aria-label="${escapeHtml(alt)}"${style(css + marginStyle(node))}>🖼 ${escapeHtml(alt)}</div>`;
}

const PERSON_SIZES: Readonly<Record<string, number>> = { extra_small: 20, small: 24, medium: 32, large: 40 };

export function personEl(node: Json, ctx: RenderContext): string {
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

export function panelEl(node: Json, ctx: RenderContext, children: Children): string {
  const header = isObject(node.header) ? node.header : {};
  const open = node.expanded === true ? " open" : "";
  const border = isObject(node.border)
    ? ` style="border:1px solid ${enumColor(node.border.color) ?? "#DEE0E3"}"`
    : "";
  return `<details class="fc-panel"${idAttr(node)}${open}${border}><summary class="fc-panel-title">${textHtml(header.title, ctx)}</summary><div class="fc-panel-body">${children(node.elements, ctx)}</div></details>`;
}

export function containerEl(node: Json, ctx: RenderContext, children: Children): string {
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
  return `<div class="fc-container${behaviors.length ? " fc-clickable" : ""}"${idAttr(node)}${data}${style(css)}>${children(node.elements, ctx)}</div>`;
}

export function tableEl(node: Json, ctx: RenderContext): string {
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
