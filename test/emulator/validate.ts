/**
 * Message content validation, as strict as Feishu where it matters to the bot:
 * content is a JSON string; text needs a non-empty "text"; cards are objects, JSON 2.0 cards need
 * body.elements and reject unknown top-level fields; cards > 30 KB get 230025, malformed cards 230099.
 */
import { CARD_MAX_BYTES, CODES, HTTP, IM_BAD_PARAM_MSG, TEXT_MAX_BYTES } from "./constants";

export interface ContentError {
  ok: false;
  status: number;
  code: number;
  msg: string;
}
export type ContentCheck = { ok: true; card?: unknown; text?: string } | ContentError;

/** msg_types accepted with only a "content is a JSON object" check (the bot does not send them). */
const OTHER_MSG_TYPES = new Set([
  "post",
  "image",
  "file",
  "audio",
  "media",
  "sticker",
  "share_chat",
  "share_user",
]);
/** Top-level fields of a JSON 2.0 card; anything else is an error in 2.0. */
const CARD2_FIELDS = new Set(["schema", "config", "card_link", "header", "body"]);
const MAX_CARD2_ELEMENTS = 200;

export function badParam(ext: string): ContentError {
  return {
    ok: false,
    status: HTTP.IM_ERROR,
    code: CODES.IM_BAD_PARAM,
    msg: `${IM_BAD_PARAM_MSG}, ext=${ext}`,
  };
}

function cardError(ext: string): ContentError {
  return {
    ok: false,
    status: HTTP.IM_ERROR,
    code: CODES.IM_CARD_INVALID,
    msg: `Failed to create card content, ext=${ext}`,
  };
}

function tooLong(limit: number): ContentError {
  return {
    ok: false,
    status: HTTP.IM_ERROR,
    code: CODES.IM_TOO_LONG,
    msg: `The length of the message content reaches its limit (${limit} bytes).`,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parse(content: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(content) };
  } catch {
    return { ok: false };
  }
}

/** Validates a parsed card; `previous` is the card being replaced by a patch, if any. */
export function checkCard(card: unknown, previous?: unknown): ContentError | undefined {
  if (!isObject(card)) return cardError("card must be a JSON object");
  const wasV2 = isObject(previous) && previous.schema === "2.0";
  if (card.schema === undefined) {
    if (wasV2) return cardError("a JSON 2.0 card cannot be updated to a JSON 1.0 card");
    if (card.header !== undefined && !isObject(card.header)) return cardError("header must be an object");
    const ok =
      Array.isArray(card.elements) ||
      isObject(card.i18n_elements) ||
      (card.type === "template" && isObject(card.data));
    return ok ? undefined : cardError("card needs elements, i18n_elements or a template");
  }
  if (card.schema !== "2.0") return cardError(`unsupported card schema ${JSON.stringify(card.schema)}`);
  for (const key of Object.keys(card)) {
    if (!CARD2_FIELDS.has(key)) return cardError(`unknown field "${key}" in a JSON 2.0 card`);
  }
  if (card.header !== undefined && !isObject(card.header)) return cardError("header must be an object");
  if (card.config !== undefined && !isObject(card.config)) return cardError("config must be an object");
  if (isObject(card.config) && card.config.update_multi === false) {
    return cardError("JSON 2.0 cards only support config.update_multi = true");
  }
  if (!isObject(card.body) || !Array.isArray(card.body.elements)) {
    return cardError("a JSON 2.0 card needs body.elements (an array)");
  }
  const elements: unknown[] = card.body.elements;
  if (elements.length > MAX_CARD2_ELEMENTS) return cardError(`more than ${MAX_CARD2_ELEMENTS} components`);
  const bad = elements.findIndex((e) => !isObject(e) || typeof e.tag !== "string");
  return bad >= 0 ? cardError(`body.elements[${bad}] needs a string "tag"`) : undefined;
}

/** Validates msg_type + content of a reply/create/patch body. */
export function checkContent(msgType: unknown, content: unknown, previousCard?: unknown): ContentCheck {
  if (typeof msgType !== "string" || msgType === "") return badParam("msg_type is required.");
  if (typeof content !== "string") return badParam("content must be a string holding JSON.");
  const bytes = Buffer.byteLength(content, "utf8");
  if (msgType === "text") {
    if (bytes > TEXT_MAX_BYTES) return tooLong(TEXT_MAX_BYTES);
    const parsed = parse(content);
    const text = parsed.ok && isObject(parsed.value) ? parsed.value.text : undefined;
    if (typeof text !== "string" || text.trim() === "") return badParam("invalid message content.");
    return { ok: true, text };
  }
  if (msgType === "interactive") {
    if (bytes > CARD_MAX_BYTES) return tooLong(CARD_MAX_BYTES);
    const parsed = parse(content);
    if (!parsed.ok) return cardError("card content is not valid JSON");
    return checkCard(parsed.value, previousCard) ?? { ok: true, card: parsed.value };
  }
  if (OTHER_MSG_TYPES.has(msgType)) {
    if (bytes > CARD_MAX_BYTES) return tooLong(CARD_MAX_BYTES);
    const parsed = parse(content);
    return parsed.ok && isObject(parsed.value) ? { ok: true } : badParam("invalid message content.");
  }
  return badParam(`invalid msg_type ${JSON.stringify(msgType)}.`);
}
