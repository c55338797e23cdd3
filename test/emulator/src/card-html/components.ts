/**
 * Card JSON 2.0 components → HTML (cards-v2-rendering.md §3, §5): the dispatcher over text.ts and layout.ts.
 * Every component our cards use and the common ones beside them; anything else becomes a visible placeholder
 * naming its tag, never nothing.
 */
import { escapeHtml } from "./escape";
import type { RenderContext } from "./inline";
import { buttonEl, columnEl, columnSetEl, containerEl, imgEl, panelEl, personEl, tableEl } from "./layout";
import { asArray, divEl, idAttr, isObject, marginStyle, markdownEl, noteEl, style, textHtml } from "./text";

export { asArray, isObject, textOf } from "./text";

const UNSUPPORTED: Readonly<Record<string, string>> = {
  zh: "请升级至最新版本客户端，以查看内容",
  en: "Please upgrade to the latest version to view the content.",
};

/** What the client shows for a component it cannot draw (§6), with the tag named so nothing hides. */
function placeholder(tag: string, ctx: RenderContext): string {
  const words = ctx.locale.startsWith("zh") ? UNSUPPORTED.zh : UNSUPPORTED.en;
  return `<div class="fc-unsupported" data-tag="${escapeHtml(tag)}"><span class="fc-unsupported-tag">‹${escapeHtml(tag || "?")}›</span> ${escapeHtml(words ?? "")}</div>`;
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
      return columnSetEl(element, ctx, elementsHtml);
    case "column":
      return columnEl(element, "none", ctx, elementsHtml);
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
      return panelEl(element, ctx, elementsHtml);
    case "interactive_container":
      return containerEl(element, ctx, elementsHtml);
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
