/**
 * Feishu card markdown (the `markdown` component, and `lark_md` texts) → HTML blocks, as cards-v2-rendering.md
 * §4 lists them: paragraphs (a single new line breaks the line, a blank line leaves a gap), headings
 * 26/22/20/18/17/14 px, lists with 4 spaces a level, quotes, fenced code, `---`, pipe tables. Inline text is
 * inline.ts's. Pure.
 */
import { escapeHtml } from "./escape";
import { inlineToHtml, type RenderContext } from "./inline";

const HEADING_PX = [26, 22, 20, 18, 17, 14];
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((c) => c.trim());
}

/** A markdown text → block HTML (a sequence of `fc-md-*` blocks). */
export function markdownToHtml(source: string, ctx: RenderContext): string {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: string[] = [];
  let paragraph: string[] = [];
  let gap = false; // a blank line before the next block
  const push = (html: string) => {
    blocks.push(gap && blocks.length > 0 ? html.replace(/^<(\w+) class="/, '<$1 class="fc-gap ') : html);
    gap = false;
  };
  const flush = () => {
    if (paragraph.length === 0) return;
    push(`<div class="fc-md-p">${paragraph.map((l) => inlineToHtml(l, ctx)).join("<br>")}</div>`);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const fence = /^\s*```\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ""); i++) code.push(lines[i] ?? "");
      push(`<pre class="fc-md-pre"><code>${escapeHtml(code.join("\n"))}</code></pre>`);
      continue;
    }
    if (line.trim() === "") {
      flush();
      gap = true;
      continue;
    }
    if (/^\s*(-{3,}|\*{3,}|<hr\s*\/?>)\s*$/i.test(line)) {
      flush();
      push('<hr class="fc-md-hr">');
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const px = HEADING_PX[(heading[1]?.length ?? 1) - 1];
      push(`<div class="fc-md-h" style="font-size:${px}px">${inlineToHtml(heading[2] ?? "", ctx)}</div>`);
      continue;
    }
    if (/^>\s?/.test(line)) {
      flush();
      const quoted: string[] = [];
      for (; i < lines.length && /^>\s?/.test(lines[i] ?? ""); i++) {
        quoted.push(inlineToHtml((lines[i] ?? "").replace(/^>\s?/, ""), ctx));
      }
      i--;
      push(`<blockquote class="fc-md-quote">${quoted.join("<br>")}</blockquote>`);
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      flush();
      const level = Math.min(5, Math.floor(((item[1]?.length ?? 0) + 2) / 4));
      const marker = item[2] ?? "-";
      const bullet = /\d/.test(marker) ? escapeHtml(marker.replace(")", ".")) : "•";
      push(
        `<div class="fc-md-li" style="padding-left:${level * 16 + 18}px"><span class="fc-md-bullet">${bullet}</span>${inlineToHtml(item[3] ?? "", ctx)}</div>`,
      );
      continue;
    }
    if (line.trim().startsWith("|") && TABLE_RULE.test(lines[i + 1] ?? "")) {
      flush();
      const head = tableCells(line);
      const rows: string[][] = [];
      for (i += 2; i < lines.length && (lines[i] ?? "").trim().startsWith("|"); i++) {
        rows.push(tableCells(lines[i] ?? ""));
      }
      i--;
      const cell = (tag: string, c: string) => `<${tag}>${inlineToHtml(c, ctx)}</${tag}>`;
      push(
        `<table class="fc-md-table"><thead><tr>${head.map((c) => cell("th", c)).join("")}</tr></thead>` +
          `<tbody>${rows.map((r) => `<tr>${r.map((c) => cell("td", c)).join("")}</tr>`).join("")}</tbody></table>`,
      );
      continue;
    }
    paragraph.push(line);
  }
  flush();
  return blocks.join("");
}
