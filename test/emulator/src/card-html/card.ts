/** The card itself, text and post messages: see index.ts. */
import { headerColors, tagColors } from "./colors";
import { asArray, elementsHtml, isObject, textOf } from "./components";
import { escapeHtml, safeSpacing, safeUrl } from "./escape";
import { inlineToHtml, type RenderContext } from "./inline";

export interface CardHtmlOptions {
  /** default "en_us" */
  locale?: string;
  /** open_id → display name, for `<at>` and `<person>` */
  names?: Readonly<Record<string, string>>;
  /** IANA zone for `<local_datetime>` (default: the runtime's own, the reader's in a browser) */
  timeZone?: string;
}

function contextOf(options: CardHtmlOptions): RenderContext {
  return { locale: options.locale ?? "en_us", names: options.names ?? {}, timeZone: options.timeZone };
}

/** Header tags: `i18n_text_tag_list[locale]` wins over `text_tag_list`; at most 3 shown (§2). */
function headerTags(header: Record<string, unknown>, locale: string): string {
  const byLocale = header.i18n_text_tag_list;
  const list =
    isObject(byLocale) && Array.isArray(byLocale[locale])
      ? asArray(byLocale[locale])
      : asArray(header.text_tag_list);
  return list
    .filter(isObject)
    .slice(0, 3)
    .map((tag) => {
      const c = tagColors(tag.color);
      return `<span class="fc-tag" style="background:${c.background};color:${c.text}">${escapeHtml(textOf(tag.text, locale))}</span>`;
    })
    .join("");
}

function headerHtml(card: Record<string, unknown>, ctx: RenderContext): string {
  const i18nHeader = isObject(card.i18n_header) ? card.i18n_header[ctx.locale] : undefined; // 1.0 cards
  const header = isObject(card.header) ? card.header : isObject(i18nHeader) ? i18nHeader : undefined;
  if (!header) return "";
  const colors = headerColors(header.template);
  // A subtitle without a title is drawn as the title (§2).
  const titleNode = textOf(header.title, ctx.locale) ? header.title : header.subtitle;
  const subtitleNode = titleNode === header.title ? header.subtitle : undefined;
  const title =
    isObject(titleNode) && titleNode.tag === "lark_md"
      ? inlineToHtml(textOf(titleNode, ctx.locale), ctx)
      : escapeHtml(textOf(titleNode, ctx.locale));
  const subtitle = textOf(subtitleNode, ctx.locale);
  const css = `background:${colors.background};color:${colors.title};padding:${safeSpacing(header.padding, "12px")}`;
  return (
    `<div class="fc-header fc-header-${colors.name}" style="${css}">` +
    `<div class="fc-title-row"><div class="fc-title">${title}</div>${headerTags(header, ctx.locale)}</div>` +
    (subtitle ? `<div class="fc-subtitle">${escapeHtml(subtitle)}</div>` : "") +
    "</div>"
  );
}

const WIDTHS: Readonly<Record<string, string>> = { compact: "400px", fill: "100%" };

/** One card as an HTML fragment: `<div class="fc-card">` with its header and body. */
export function renderCardHtml(card: unknown, options: CardHtmlOptions = {}): string {
  const ctx = contextOf(options);
  const c = isObject(card) ? card : {};
  const config = isObject(c.config) ? c.config : {};
  const body = isObject(c.body) ? c.body : {};
  const elements =
    asArray(body.elements).length > 0
      ? body.elements
      : asArray(c.elements).length > 0
        ? c.elements
        : isObject(c.i18n_elements)
          ? c.i18n_elements[ctx.locale]
          : [];
  const width = WIDTHS[String(config.width_mode)] ?? "600px";
  const direction = body.direction === "horizontal" ? "row" : "column";
  const bodyCss =
    `padding:${safeSpacing(body.padding, "12px")};flex-direction:${direction};` +
    `gap:${safeSpacing(direction === "row" ? body.horizontal_spacing : body.vertical_spacing, "12px")}`;
  const bodyHtml = elementsHtml(elements, ctx);
  return (
    `<div class="fc-card" style="max-width:${width}">` +
    headerHtml(c, ctx) +
    (bodyHtml ? `<div class="fc-body" style="${bodyCss}">${bodyHtml}</div>` : "") +
    "</div>"
  );
}

/**
 * A text message as the client shows it: `<at user_id="ou_…">Name</at>` as a mention (the name the tag
 * carries, else the known one), new lines kept, everything else plain text.
 */
export function renderTextHtml(text: string, options: CardHtmlOptions = {}): string {
  const ctx = contextOf(options);
  const parts = text.split(/(<at\b[^>]*>[^<]*<\/at>)/i);
  return parts
    .map((part, i) => {
      if (i % 2 === 0) return escapeHtml(part).replace(/\n/g, "<br>");
      const m = /<at\b([^>]*)>([^<]*)<\/at>/i.exec(part);
      const id = /(?:user_id|open_id|id)\s*=\s*["']?([^"'\s>]+)/i.exec(m?.[1] ?? "")?.[1] ?? "";
      const label =
        id === "all"
          ? ctx.locale.startsWith("zh")
            ? "所有人"
            : "all"
          : m?.[2]?.trim() || ctx.names[id] || id;
      return `<span class="fc-at" data-id="${escapeHtml(id)}">@${escapeHtml(label)}</span>`;
    })
    .join("");
}

/** A rich-text (`post`) message body `{title, content: [[element…]…]}` → HTML. */
export function renderPostHtml(post: unknown, options: CardHtmlOptions = {}): string {
  const ctx = contextOf(options);
  const p = isObject(post) ? post : {};
  const title =
    typeof p.title === "string" && p.title ? `<div class="fc-post-title">${escapeHtml(p.title)}</div>` : "";
  const paragraphs = asArray(p.content).map((line) =>
    asArray(line)
      .filter(isObject)
      .map((el) => postElement(el, ctx))
      .join(""),
  );
  return title + paragraphs.map((html) => `<div class="fc-post-p">${html || "<br>"}</div>`).join("");
}

function postElement(el: Record<string, unknown>, ctx: RenderContext): string {
  const styles = asArray(el.style);
  const wrap = (html: string) => {
    let out = html;
    if (styles.includes("bold")) out = `<strong>${out}</strong>`;
    if (styles.includes("italic")) out = `<em>${out}</em>`;
    if (styles.includes("underline")) out = `<u>${out}</u>`;
    if (styles.includes("lineThrough")) out = `<s>${out}</s>`;
    return out;
  };
  const text = typeof el.text === "string" ? el.text : "";
  switch (el.tag) {
    case "text":
      return wrap(escapeHtml(text).replace(/\n/g, "<br>"));
    case "a": {
      const url = safeUrl(el.href);
      const label = escapeHtml(text);
      return wrap(
        url
          ? `<a class="fc-link" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${label}</a>`
          : label,
      );
    }
    case "at": {
      const name = typeof el.user_name === "string" ? el.user_name : String(el.user_id ?? "");
      return `<span class="fc-at">@${escapeHtml(name)}</span>`;
    }
    case "code_block":
      return `<pre class="fc-md-pre"><code>${escapeHtml(text)}</code></pre>`;
    case "hr":
      return '<hr class="fc-md-hr">';
    case "md":
      return inlineToHtml(text, ctx);
    case "emotion":
      return `<span class="fc-emotion">[${escapeHtml(String(el.emoji_type ?? ""))}]</span>`;
    default:
      return `<span class="fc-unsupported-tag">‹${escapeHtml(String(el.tag ?? "?"))}›</span>`;
  }
}
