/**
 * Making card content safe to put in HTML: every text is escaped, every attribute quoted and escaped, links
 * only http(s), and CSS values only from the shapes Feishu documents (px lengths, tokens, colour names,
 * `#hex`, `rgb()`/`rgba()` of numbers). A card may carry anything a chat user typed, so nothing passes raw.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Text (or an attribute value) safe inside HTML. U+E000 and U+E001 are dropped: the markdown reader uses them
 * as its own markers, so no text may carry them into a page.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[\uE000\uE001]/g, "").replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** HTML entities Feishu markdown uses as escapes (`&#60;`, `&#x3c;`, `&lt;`) → the characters they stand for. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,6});/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const cp =
        body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** An http(s) URL as given, or undefined: `javascript:`, `data:` and relative links never become links. */
export function safeUrl(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const url = decodeEntities(raw.trim());
  return /^https?:\/\/[^\s"'<>`]+$/i.test(url) ? url : undefined;
}

/** A spacing value: a 2.0 token (small 4, medium 8, large 12, extra_large 16) or 1–4 px values in [-99, 99]. */
export function safeSpacing(raw: unknown, fallback: string): string {
  if (typeof raw === "number" && Number.isFinite(raw)) return `${Math.max(-99, Math.min(99, raw))}px`;
  if (typeof raw !== "string") return fallback;
  const token = SPACING_TOKENS[raw];
  if (token) return token;
  const parts = raw.trim().split(/\s+/);
  if (parts.length > 4 || !parts.every((p) => /^-?\d{1,2}(px)?$/.test(p))) return fallback;
  return parts.map((p) => (p.endsWith("px") ? p : `${p}px`)).join(" ");
}

const SPACING_TOKENS: Readonly<Record<string, string>> = {
  small: "4px",
  medium: "8px",
  large: "12px",
  extra_large: "16px",
};

/** A `[16, 999]px`-style width, or undefined. */
export function safePx(raw: unknown, min: number, max: number): string | undefined {
  const m = typeof raw === "string" ? /^(\d{1,4})px$/.exec(raw.trim()) : undefined;
  if (!m) return undefined;
  return `${Math.max(min, Math.min(max, Number(m[1])))}px`;
}

/** Reads `name='v'`, `name="v"` or `name=v` from a markdown tag's attribute text. */
export function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)"|([^\\s'">]+))`, "i").exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}
