/**
 * Message content validation, as strict as Feishu where it matters to the bot:
 * content is a JSON string; text needs a non-empty "text"; a post needs paragraphs; cards are objects,
 * and every JSON 2.0 card must pass the deep 2.0 rules (card-rules.ts) and may only `<at>` known users.
 * Cards > 30 KB get 230025, rejected cards 230099 with a sub-code (CARD_SUBCODES) in the ext.
 */
import { validateCard } from "./card-rules";
import {
  CARD_MAX_BYTES,
  CARD_MAX_COMPONENTS,
  CARD_SUBCODES,
  CODES,
  HTTP,
  IM_BAD_PARAM_MSG,
  TEXT_MAX_BYTES,
} from "./constants";
import type { CardJson } from "./types";

export interface ContentError {
  ok: false;
  status: number;
  code: number;
  msg: string;
}
export type ContentCheck = { ok: true; card?: CardJson; text?: string } | ContentError;

/** What content validation needs to know about the tenant. */
export interface ContentContext {
  /** Whether an `<at>` id (open_id, user_id or union_id, never "all") names a user the tenant has. */
  isKnownUser(id: string): boolean;
}

const EVERYONE_KNOWN: ContentContext = { isKnownUser: () => true };

/** msg_types accepted with only a "content is a JSON object" check (the bot does not send them). */
const OTHER_MSG_TYPES = new Set(["image", "file", "audio", "media", "sticker", "share_chat", "share_user"]);
/** Top-level fields of a JSON 2.0 card; anything else is an error in 2.0. */
const CARD2_FIELDS = new Set(["schema", "config", "card_link", "header", "body"]);

export function badParam(ext: string): ContentError {
  return {
    ok: false,
    status: HTTP.IM_ERROR,
    code: CODES.IM_BAD_PARAM,
    msg: `${IM_BAD_PARAM_MSG}, ext=${ext}`,
  };
}

type SubCode = (typeof CARD_SUBCODES)[keyof typeof CARD_SUBCODES];

function cardError(why: string, subCode: SubCode = CARD_SUBCODES.MALFORMED, where = "card"): ContentError {
  return {
    ok: false,
    status: HTTP.IM_ERROR,
    code: CODES.IM_CARD_INVALID,
    msg: `Failed to create card content, ext=ErrCode: ${subCode}; ErrMsg: ${why}; ErrorValue: ${where}; `,
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

/** The top-level shape every card needs, 1.0 or 2.0. */
function checkShape(card: Record<string, unknown>, previous: unknown): ContentError | undefined {
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
  const invalid = (why: string) => cardError(why, CARD_SUBCODES.INVALID);
  for (const key of Object.keys(card)) {
    if (!CARD2_FIELDS.has(key)) return invalid(`unknown field "${key}" in a JSON 2.0 card`);
  }
  if (card.header !== undefined && !isObject(card.header)) return invalid("header must be an object");
  if (card.config !== undefined && !isObject(card.config)) return invalid("config must be an object");
  if (isObject(card.config) && card.config.update_multi === false) {
    return invalid("JSON 2.0 cards only support config.update_multi = true");
  }
  if (!isObject(card.body) || !Array.isArray(card.body.elements)) {
    return invalid("a JSON 2.0 card needs body.elements (an array)");
  }
  const elements: unknown[] = card.body.elements;
  if (elements.length > CARD_MAX_COMPONENTS) {
    return cardError(`more than ${CARD_MAX_COMPONENTS} components`, CARD_SUBCODES.TOO_MANY_COMPONENTS);
  }
  const bad = elements.findIndex((e) => !isObject(e) || typeof e.tag !== "string");
  return bad >= 0 ? invalid(`body.elements[${bad}] needs a string "tag"`) : undefined;
}

/** `<at id=...>`, `<at user_id="...">`, `<at open_id='...'>` in any string of the card. */
const AT_TAG = /<at\s+(?:id|user_id|open_id)\s*=\s*["']?([^"'\s>]+)["']?[^>]*>/g;

function unknownMention(node: unknown, path: string, ctx: ContentContext): ContentError | undefined {
  if (typeof node === "string") {
    for (const m of node.matchAll(AT_TAG)) {
      const id = m[1];
      if (id !== "all" && !ctx.isKnownUser(id)) {
        return cardError(`the user in ${m[0]} is not known`, CARD_SUBCODES.UNKNOWN_USER, path);
      }
    }
    return undefined;
  }
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      const found = unknownMention(item, `${path}[${i}]`, ctx);
      if (found) return found;
    }
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      const found = unknownMention(value, path ? `${path}.${key}` : key, ctx);
      if (found) return found;
    }
  }
  return undefined;
}

/** Validates a parsed card; `previous` is the card being replaced by a patch, if any. */
export function checkCard(
  card: unknown,
  previous?: unknown,
  ctx: ContentContext = EVERYONE_KNOWN,
): ContentError | undefined {
  if (!isObject(card)) return cardError("card must be a JSON object");
  const shape = checkShape(card, previous);
  if (shape) return shape;
  if (card.schema === "2.0") {
    const [first, ...more] = validateCard(card);
    if (first !== undefined) {
      const why = more.length > 0 ? `${first} (and ${more.length} more)` : first;
      const sub = /components, more than/.test(first)
        ? CARD_SUBCODES.TOO_MANY_COMPONENTS
        : CARD_SUBCODES.INVALID;
      return cardError(why, sub, first.split(":")[0]);
    }
  }
  return unknownMention(card, "", ctx);
}

/** Validates msg_type + content of a reply/create/patch body. */
export function checkContent(
  msgType: unknown,
  content: unknown,
  previousCard?: unknown,
  ctx: ContentContext = EVERYONE_KNOWN,
): ContentCheck {
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
    return checkCard(parsed.value, previousCard, ctx) ?? { ok: true, card: parsed.value as CardJson };
  }
  if (msgType === "post") {
    if (bytes > CARD_MAX_BYTES) return tooLong(CARD_MAX_BYTES);
    const parsed = parse(content);
    return parsed.ok && isPost(parsed.value) ? { ok: true } : badParam("invalid message content.");
  }
  if (OTHER_MSG_TYPES.has(msgType)) {
    if (bytes > CARD_MAX_BYTES) return tooLong(CARD_MAX_BYTES);
    const parsed = parse(content);
    return parsed.ok && isObject(parsed.value) ? { ok: true } : badParam("invalid message content.");
  }
  return badParam(`invalid msg_type ${JSON.stringify(msgType)}.`);
}

/**
 * A post to send: `{"zh_cn": {"title", "content": [[...]]}}`, one body per locale (create_json docs), or one
 * flat `{"title", "content"}` body [?]; content is an array of paragraphs, each an array of tagged elements.
 */
function isPost(value: unknown): boolean {
  if (!isObject(value)) return false;
  const bodies = Array.isArray(value.content) ? [value] : Object.values(value);
  const paragraph = (p: unknown) =>
    Array.isArray(p) && p.every((e) => isObject(e) && typeof e.tag === "string");
  return (
    bodies.length > 0 &&
    bodies.every((b) => isObject(b) && Array.isArray(b.content) && b.content.every(paragraph))
  );
}
