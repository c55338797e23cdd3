/**
 * Whole HTML pages drawn by the card renderer, for what is looked at outside the console: one card alone
 * (the README pictures, the browser suite's reference screenshots) and a conversation (`npm run demo --
 * --html`). Self-contained: the styles inline, no script, nothing fetched.
 */

import { type CardHtmlOptions, renderCardHtml, renderTextHtml } from "./card";
import { escapeHtml } from "./escape";
import { CARD_CSS, CARD_FONT } from "./styles";

const PAGE_CSS = `
body { margin: 0; background: #F5F6F7; font-family: ${CARD_FONT}; color: #1F2329; font-size: 14px; }
.fc-shot { display: inline-block; padding: 16px; background: #F5F6F7; }
.fc-shot .fc-card { width: var(--card-width, 520px); }
.conv { max-width: 760px; margin: 0 auto; padding: 24px 16px 48px; }
.conv h1 { font-size: 20px; margin: 0 0 4px; }
.conv .sub { color: #646A73; margin: 0 0 16px; }
.conv h2 { font-size: 15px; margin: 28px 0 8px; color: #1F2329; }
.msg { display: flex; gap: 10px; margin: 10px 0; }
.msg .who { flex: 0 0 auto; width: 32px; height: 32px; border-radius: 50%; background: #4E83FD; color: #fff;
  display: flex; align-items: center; justify-content: center; font-weight: 600; }
.msg.bot .who { background: #1456F0; }
.msg .main { flex: 1 1 auto; min-width: 0; }
.msg .meta { color: #8F959E; font-size: 12px; margin-bottom: 2px; }
.msg .bubble { display: inline-block; background: #fff; border: 1px solid #DEE0E3; border-radius: 8px;
  padding: 6px 10px; max-width: 100%; }
.msg .fc-card { max-width: 520px; }
.note { color: #646A73; font-size: 12px; margin: 6px 0 6px 42px; }
.fc-at { color: #1456F0; }
`;

function document(title: string, body: string, lang: string): string {
  return (
    `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>` +
    `<style>${CARD_CSS}${PAGE_CSS}</style></head><body>${body}</body></html>`
  );
}

/** One card on a plain background, `width` px wide (default 520): what the pictures are taken of. */
export function cardPage(card: unknown, options: CardHtmlOptions & { width?: number } = {}): string {
  const width = options.width ?? 520;
  return document(
    "card",
    `<div class="fc-shot" style="--card-width:${Math.max(200, Math.min(1200, Math.trunc(width)))}px">${renderCardHtml(card, options)}</div>`,
    options.locale?.startsWith("zh") ? "zh-CN" : "en",
  );
}

/** One line of a conversation page. */
export type ConversationItem =
  | { kind: "heading"; text: string }
  | { kind: "note"; text: string; at: number }
  | { kind: "text"; who: string; bot: boolean; text: string; at: number }
  | { kind: "card"; who: string; bot: boolean; label?: string; card: unknown; at: number };

const clock = (at: number) => new Date(at).toISOString().slice(11, 19);

/** A conversation as a page: who said what, cards drawn as in Feishu (the demo's `--html`). */
export function conversationPage(
  title: string,
  items: readonly ConversationItem[],
  options: CardHtmlOptions = {},
): string {
  const rows = items.map((item) => {
    if (item.kind === "heading") return `<h2>${escapeHtml(item.text)}</h2>`;
    if (item.kind === "note") return `<div class="note">${clock(item.at)} · ${escapeHtml(item.text)}</div>`;
    const initial = escapeHtml(Array.from(item.who)[0] ?? "?");
    const meta = `<div class="meta">${escapeHtml(item.who)} · ${clock(item.at)}${item.kind === "card" && item.label ? ` · ${escapeHtml(item.label)}` : ""}</div>`;
    const content =
      item.kind === "text"
        ? `<div class="bubble">${renderTextHtml(item.text, options)}</div>`
        : renderCardHtml(item.card, options);
    return `<div class="msg${item.bot ? " bot" : ""}"><div class="who">${initial}</div><div class="main">${meta}${content}</div></div>`;
  });
  return document(
    title,
    `<div class="conv"><h1>${escapeHtml(title)}</h1><p class="sub">Times are UTC. Cards drawn by the emulator's card renderer.</p>${rows.join("")}</div>`,
    options.locale?.startsWith("zh") ? "zh-CN" : "en",
  );
}
