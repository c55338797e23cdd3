/**
 * Card JSON 2.0 → HTML, drawn as the Feishu client draws it (cards-v2-rendering.md): header with its
 * template colour, title, subtitle and tags; the body's components (components.ts); the reader's locale and
 * time zone. Pure string functions, no DOM and no Node: the console renders in the browser with them, the
 * demo and the README pictures on the server. `CARD_CSS` (styles.ts) styles what they return.
 *
 *   renderCardHtml(card, { locale: "zh_cn", names: { ou_1: "Alice" } })  →  '<div class="fc-card">…</div>'
 */
export { type CardHtmlOptions, renderCardHtml, renderPostHtml, renderTextHtml } from "./card";
export { SUPPORTED_TAGS } from "./components";
export { formatLocalDatetime } from "./datetime";
export { escapeHtml } from "./escape";
export type { RenderContext } from "./inline";
export { type ConversationItem, cardPage, conversationPage } from "./page";
export { CARD_CSS, CARD_FONT } from "./styles";
