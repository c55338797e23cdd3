/**
 * What the composer's words become, as the Feishu client sends them: plain words are a `text` message; words
 * with formatting (`**bold**`, `*italic*`, `~~strike~~`, `[label](https://…)`) are rich text (`post`), whose
 * paragraphs are lines and whose elements carry the styles.
 */
import type { PostElement, PostStyle } from "../types";

const FORMATTING =
  /\*\*[^*\n]+\*\*|(^|[^*])\*[^*\s][^*\n]*\*(?!\*)|~~[^~\n]+~~|\[[^\]\n]+\]\(https?:\/\/[^)\s]+\)/;

export function hasFormatting(text: string): boolean {
  return FORMATTING.test(text);
}

const INLINE = /\*\*([^*\n]+)\*\*|\*([^*\s][^*\n]*)\*|~~([^~\n]+)~~|\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g;

/** One line → post elements: styled runs and links between plain text. */
export function lineToElements(line: string): PostElement[] {
  const out: PostElement[] = [];
  const plain = (text: string, style?: PostStyle[]) => {
    if (text) out.push(style ? { tag: "text", text, style } : { tag: "text", text });
  };
  let last = 0;
  for (const m of line.matchAll(INLINE)) {
    plain(line.slice(last, m.index));
    if (m[1] !== undefined) plain(m[1], ["bold"]);
    else if (m[2] !== undefined) plain(m[2], ["italic"]);
    else if (m[3] !== undefined) plain(m[3], ["lineThrough"]);
    else out.push({ tag: "a", text: m[4] ?? "", href: m[5] ?? "" });
    last = (m.index ?? 0) + m[0].length;
  }
  plain(line.slice(last));
  return out;
}

/** The post's paragraphs: one per line (an empty line is an empty paragraph). */
export function toPost(text: string): PostElement[][] {
  return text.split("\n").map(lineToElements);
}
