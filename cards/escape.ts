/**
 * Making user-controlled strings (task ids, raw statuses, open_ids) safe to show.
 * A task id comes straight from a chat message, so it may hold markdown, card tags such as `<at id=all>`,
 * line breaks, bidi overrides or 10 KB of text. Everything here is pure.
 */

/** Longest user string a card or notice shows; real task ids are ~19 digits. */
export const MAX_SHOWN_CHARS = 64;

const ELLIPSIS = "…";

/** C0/C1 controls plus the invisible bidi and zero-width marks that can reorder or hide what a reader sees. */
function isInvisible(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

// Every ASCII punctuation mark: the card markdown gives meaning to most of them (`*_~[]()#<>:|` and
// `&` for entities), and escaping the harmless ones too keeps the rule simple and future-proof.
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

// A string made only of these can sit inside a code span untouched (Feishu markdown is CommonMark-based:
// nothing but a backtick ends a code span, and none of these is a backtick).
const CODE_SPAN_SAFE = /^[A-Za-z0-9_.-]+$/;

/** Cuts to `max` code points (never splitting a surrogate pair) and marks the cut with an ellipsis. */
export function truncate(text: string, max = MAX_SHOWN_CHARS): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max).join("") + ELLIPSIS;
}

/** Line breaks become spaces and invisible/control characters go, so a value stays on one visible line. */
export function stripInvisible(text: string): string {
  return Array.from(text.replace(/[\r\n\t]+/g, " "))
    .filter((ch) => !isInvisible(ch.codePointAt(0) ?? 0))
    .join("");
}

/**
 * Escapes text for card JSON 2.0 markdown: every ASCII punctuation mark becomes a numeric HTML entity
 * (`<` → `&#60;`, `&` → `&#38;`, …), the escape form Feishu documents for its markdown component.
 * Letters, digits, spaces and non-ASCII characters are kept as they are.
 */
export function escapeMarkdown(text: string): string {
  return stripInvisible(text).replace(ASCII_PUNCTUATION, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * A user string ready for markdown: cleaned, truncated, then shown in a code span (easy to copy) when it
 * is made of safe characters, or escaped as plain text otherwise. Entities are not decoded inside a code
 * span, so escaping and code spans never mix. An empty value gives "" (callers show a placeholder).
 * `escapedMax` caps a value that needs escaping (each punctuation mark becomes a 5–6 byte entity, and such a
 * value cannot be a real task id), for places where many values share the 30 KB card limit.
 */
export function markdownValue(raw: string, max = MAX_SHOWN_CHARS, escapedMax = max): string {
  const clean = stripInvisible(raw);
  const shown = truncate(clean, max);
  return CODE_SPAN_SAFE.test(shown) ? `\`${shown}\`` : escapeMarkdown(truncate(clean, escapedMax));
}

/**
 * A user string for plain-text places (header titles, summaries, text messages): cleaned and truncated.
 * Angle brackets are swapped for look-alikes because Feishu text messages parse `<at ...>` tags.
 */
export function plainValue(raw: string, max = MAX_SHOWN_CHARS): string {
  return truncate(stripInvisible(raw), max).replace(/</g, "‹").replace(/>/g, "›");
}

/**
 * An open_id we can safely put inside `<at id=...>`; anything else is dropped. `all` is well-formed but means
 * @everyone in card markdown, so it is dropped too.
 */
export function safeOpenId(raw: string | undefined): string | undefined {
  return raw !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(raw) && raw.toLowerCase() !== "all"
    ? raw
    : undefined;
}
