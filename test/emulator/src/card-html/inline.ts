/**
 * Inline card markdown → HTML: emphasis, code spans, http(s) links and Feishu's own tags (`<at>`, `<person>`,
 * `<local_datetime>`, `<font>`, `<text_tag>`, `<link>`, `<a>`, `<number_tag>`, `<br>`, `<hr>`); other `<xxx>`
 * tags disappear, as in the client; HTML entities are its escapes (cards-v2-rendering.md §4). Pure.
 *
 * Inline text is cut into slots (private-use markers hold finished HTML) so that escaping the remaining text
 * happens exactly once, after emphasis has been read from the raw text (an escaped `&#42;` is never a `*`).
 */
import { enumColor, tagColors } from "./colors";
import { formatLocalDatetime } from "./datetime";
import { attr, decodeEntities, escapeHtml, safeUrl } from "./escape";

export interface RenderContext {
  /** Which `i18n_content` to show and the words of `<local_datetime>`, `@all`, placeholders. */
  locale: string;
  /** open_id (or user_id) → display name, for `<at>` and `<person>`. */
  names: Readonly<Record<string, string>>;
  /** IANA zone for `<local_datetime>`; undefined = the runtime's own (the reader's, in a browser). */
  timeZone?: string;
}

const OPEN = "\uE000";
const CLOSE = "\uE001";
const MARKERS = /[\uE000\uE001]/g;

class Slots {
  private readonly items: string[] = [];
  put(html: string): string {
    return `${OPEN}${this.items.push(html) - 1}${CLOSE}`;
  }
  fill(text: string): string {
    let out = text;
    for (let depth = 0; depth < 8 && out.includes(OPEN); depth++) {
      out = out.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => this.items[Number(i)] ?? "");
    }
    return out.replace(MARKERS, "");
  }
}

const zh = (ctx: RenderContext) => ctx.locale.startsWith("zh");

/** A person's name for `<at>`/`<person>`: known name, else Feishu's "unknown user". */
function nameOf(id: string | undefined, ctx: RenderContext): string {
  if (id !== undefined && ctx.names[id]) return ctx.names[id] ?? id;
  return zh(ctx) ? "未知用户" : "Unknown user";
}

function mentionHtml(attrs: string, ctx: RenderContext): string {
  const id = attr(attrs, "id") ?? attr(attrs, "open_id") ?? attr(attrs, "user_id") ?? attr(attrs, "email");
  const ids = attr(attrs, "ids");
  const one = (who: string | undefined) => {
    const label = who === "all" ? (zh(ctx) ? "所有人" : "all") : nameOf(who, ctx);
    return `<span class="fc-at" data-id="${escapeHtml(who ?? "")}">@${escapeHtml(label)}</span>`;
  };
  if (ids !== undefined)
    return ids
      .split(",")
      .map((s) => one(s.trim()))
      .join(" ");
  return one(id);
}

export function avatarHtml(name: string, size: number): string {
  const initial = Array.from(name.trim())[0] ?? "?";
  return `<span class="fc-avatar" style="width:${size}px;height:${size}px;font-size:${Math.round(size * 0.5)}px">${escapeHtml(initial.toUpperCase())}</span>`;
}

function personHtml(attrs: string, ctx: RenderContext): string {
  const name = nameOf(attr(attrs, "id"), ctx);
  const showAvatar = attr(attrs, "show_avatar") !== "false";
  const showName = attr(attrs, "show_name") !== "false";
  const capsule = attr(attrs, "style") === "capsule" ? " fc-person-capsule" : "";
  return `<span class="fc-person${capsule}">${showAvatar ? avatarHtml(name, 20) : ""}${showName ? `<span class="fc-person-name">${escapeHtml(name)}</span>` : ""}</span>`;
}

function linkHtml(url: string | undefined, inner: string): string {
  if (!url) return inner;
  return `<a class="fc-link" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${inner}</a>`;
}

const PAIRED = ["at", "font", "text_tag", "link", "a", "person", "local_datetime", "number_tag"];

/** One pass over the innermost paired tags (a tag whose content holds no tag of the same name). */
function pairedTags(text: string, slots: Slots, ctx: RenderContext): string {
  let out = text;
  for (let pass = 0; pass < 6; pass++) {
    let changed = false;
    for (const name of PAIRED) {
      const re = new RegExp(`<${name}\\b([^<>]*)>((?:(?!<${name}\\b)[\\s\\S])*?)<\\/${name}\\s*>`, "gi");
      out = out.replace(re, (_m, attrs: string, inner: string) => {
        changed = true;
        return slots.put(tagHtml(name, attrs, inner, slots, ctx));
      });
    }
    if (!changed) break;
  }
  return out;
}

function tagHtml(name: string, attrs: string, inner: string, slots: Slots, ctx: RenderContext): string {
  const content = () => inlineRaw(inner, slots, ctx);
  switch (name) {
    case "at":
      return mentionHtml(attrs, ctx);
    case "person":
      return personHtml(attrs, ctx);
    case "local_datetime": {
      const ms = Number(attr(attrs, "millisecond") ?? attr(attrs, "timestamp") ?? Number.NaN);
      const shown = formatLocalDatetime(ms, attr(attrs, "format_type"), ctx.locale, ctx.timeZone);
      return `<span class="fc-datetime">${escapeHtml(shown)}</span>`;
    }
    case "font": {
      const color = enumColor(attr(attrs, "color"));
      return color ? `<span style="color:${color}">${content()}</span>` : content();
    }
    case "text_tag": {
      const c = tagColors(attr(attrs, "color"));
      return `<span class="fc-tag" style="background:${c.background};color:${c.text}">${content()}</span>`;
    }
    case "link":
      return linkHtml(safeUrl(attr(attrs, "url") ?? attr(attrs, "pc_url")), content());
    case "a":
      return linkHtml(safeUrl(attr(attrs, "href")), content());
    default: {
      const n = Math.max(0, Math.min(99, Math.trunc(Number(decodeEntities(inner)) || 0)));
      return `<span class="fc-number-tag">${n}</span>`;
    }
  }
}

/** Inline markdown → text with slots (not yet filled). */
function inlineRaw(text: string, slots: Slots, ctx: RenderContext): string {
  let out = text.replace(MARKERS, "");
  out = out.replace(/`([^`\n]+)`/g, (_m, code: string) =>
    slots.put(`<code class="fc-code-inline">${escapeHtml(code)}</code>`),
  );
  out = pairedTags(out, slots, ctx);
  out = out.replace(/<br\s*\/?>/gi, () => slots.put("<br>"));
  out = out.replace(/<hr\s*\/?>/gi, () => slots.put('<hr class="fc-md-hr">'));
  out = out.replace(/<\/?[a-z_][a-z0-9_]*(?:\s[^<>]*)?\/?>/gi, ""); // unknown tags disappear, as in Feishu
  out = out.replace(/\[([^\]\n]*)\]\(([^)\s]*)\)/g, (whole, label: string, href: string) => {
    const url = safeUrl(href);
    return url ? slots.put(linkHtml(url, slots.fill(inlineRaw(label, slots, ctx)))) : whole;
  });
  const wrap = (open: string, close: string) => (_m: string, inner: string) =>
    `${slots.put(open)}${inner}${slots.put(close)}`;
  out = out
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, wrap("<strong>", "</strong>"))
    .replace(/__(?=\S)([\s\S]*?\S)__/g, wrap("<strong>", "</strong>"))
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, wrap("<s>", "</s>"))
    .replace(/(^|[^*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?!\*)/g, (_m, before: string, inner: string) => {
      return `${before}${slots.put("<em>")}${inner}${slots.put("</em>")}`;
    });
  // What is left is text: entities decoded (they are Feishu's escapes), then escaped once for HTML.
  return out
    .split(/(\uE000\d+\uE001)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeHtml(decodeEntities(part).replace(MARKERS, ""))))
    .join("");
}

/** One line of inline markdown → HTML. */
export function inlineToHtml(text: string, ctx: RenderContext): string {
  const slots = new Slots();
  return slots.fill(inlineRaw(text, slots, ctx));
}
