/**
 * Seeded hostile webhook requests for test/fuzz.test.ts. Everything random comes from one mulberry32 stream,
 * so a seed replays the same inputs (only AES IVs, nonces and timestamps differ between runs).
 * No event built here may make the bot reply: every valid base is one the bot ignores or refuses, and no
 * mutation can turn it into a command (no mention of the bot, never a user's p2p text message).
 */
import { encryptBody, signBody, signLegacyBody } from "@taskbot/feishu-emulator";

export type Rng = () => number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Secrets {
  encryptKey: string;
  verificationToken: string;
  appId: string;
}
export type WebhookPath = "/webhook/event" | "/webhook/card";
export interface FuzzCase {
  kind: string;
  path: WebhookPath;
  body: string | Buffer;
  headers: Array<[string, string]>;
  /** Statuses allowed for this case (the test's global set when absent). */
  expect?: number[];
}

/** mulberry32: 32-bit state, good enough to pick fuzz inputs. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
/** Log-uniform integer: as many small values as large ones (nesting depths, sizes). */
export const logInt = (rng: Rng, lo: number, hi: number) => Math.floor(lo * (hi / lo) ** rng());
export const bytes = (rng: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => int(rng, 0, 255)));
export const hex = (rng: Rng, n: number) =>
  bytes(rng, Math.ceil(n / 2))
    .toString("hex")
    .slice(0, n);

/** `depth` levels of arrays or objects around a leaf, as text (built without recursion). */
export function nested(rng: Rng, depth: number, closed = true, obj = rng() < 0.5): string {
  const [open, close] = obj ? ['{"a":', "}"] : ["[", "]"];
  return open.repeat(depth) + (closed ? `1${close.repeat(depth)}` : "");
}

/**
 * JSON.stringify recurses and overflows the stack on a few thousand levels, so a deep value inside a
 * payload is a marker string, expanded into nested text after serialisation.
 */
const nestMarker = (depth: number, obj: boolean) => `@@nest:${depth}:${obj ? "o" : "a"}@@`;
const expandNests = (rng: Rng, text: string) =>
  text.replace(/"@@nest:(\d+):([oa])@@"/g, (_, depth: string, kind: string) =>
    nested(rng, Number(depth), true, kind === "o"),
  );

const STRANGE_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "😀".repeat(50),
  "<script>",
  "%s%n",
  "__proto__",
  "1e999",
];

/** A value of any JSON type (shallow), for type flips and extra fields. */
export function randomValue(rng: Rng): Json {
  switch (int(rng, 0, 7)) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
      return pick(rng, [0, -1, 1.5, 2 ** 53 + 1, 1e308, -0, Number("7360595374803812356")]);
    case 3:
      return pick(rng, STRANGE_STRINGS);
    case 4:
      return hex(rng, int(rng, 1, 40));
    case 5:
      return [randomValue(rng), hex(rng, 4)];
    case 6: // objects that break String(x) / Number(x), and a "__proto__" own key (JSON.parse makes one)
      return pick<Json>(rng, [
        { [hex(rng, 6)]: hex(rng, 6) },
        { toString: 1, valueOf: 1 },
        { ["__proto__"]: { admin: true } },
      ]);
    default:
      return "x".repeat(10_240);
  }
}

/** Same meaning, another JSON type: a string never flips into a string, so an enum never gets a new value. */
export function flipType(rng: Rng, value: Json): Json {
  const others: Json[] = [null, 5, true, [], {}, "5"];
  const same = (v: Json) => typeof v === typeof value && Array.isArray(v) === Array.isArray(value);
  const choices = others.filter((v) => !same(v) && !(typeof value === "string" && typeof v === "string"));
  if (typeof value === "string") choices.push([value], { value });
  return pick(rng, choices);
}

/** Every [container, key] pair in a JSON tree (the root excluded). */
function slots(root: Json): Array<[Record<string, Json> | Json[], string | number]> {
  const out: Array<[Record<string, Json> | Json[], string | number]> = [];
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Json;
    if (node === null || typeof node !== "object") continue;
    for (const key of Array.isArray(node) ? node.keys() : Object.keys(node)) {
      out.push([node, key]);
      stack.push((node as Record<string, Json>)[key]);
    }
  }
  return out;
}

const MUTATIONS = ["delete", "flip", "long", "value", "nest", "extra"] as const;

/** Applies one mutation somewhere in `root` (in place) and names it. */
export function mutate(rng: Rng, root: Json): string {
  const all = slots(root);
  if (all.length === 0) return "none";
  const [container, key] = pick(rng, all);
  const c = container as Record<string, Json>;
  const op = pick(rng, MUTATIONS);
  const where = String(key);
  switch (op) {
    case "delete":
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete c[key];
      break;
    case "flip":
      c[key] = flipType(rng, c[key]);
      break;
    case "long":
      c[key] =
        typeof c[key] === "string" ? (c[key] as string).repeat(2) + "y".repeat(10_240) : "z".repeat(10_240);
      break;
    case "value":
      c[key] = randomValue(rng);
      break;
    case "nest":
      c[key] = nestMarker(logInt(rng, 10, 5_000), rng() < 0.5);
      break;
    case "extra":
      if (c[key] !== null && typeof c[key] === "object" && !Array.isArray(c[key])) {
        (c[key] as Record<string, Json>)[`x_${hex(rng, 4)}`] = randomValue(rng);
      }
      break;
  }
  return `${op}:${where}`;
}

/** Feishu's signature headers over the exact body. */
export function signedHeaders(rng: Rng, s: Secrets, body: string): Array<[string, string]> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = hex(rng, 16);
  const signature = signBody(s.encryptKey, timestamp, nonce, body);
  return [
    ["x-lark-request-timestamp", timestamp],
    ["x-lark-request-nonce", nonce],
    ["x-lark-signature", signature],
  ];
}

/** A payload as Feishu would send it: JSON, maybe {"encrypt"}-wrapped, always validly signed. */
export function sealed(rng: Rng, s: Secrets, payload: Json, path: WebhookPath, kind: string): FuzzCase {
  const text = expandNests(rng, rng() < 0.2 ? JSON.stringify(payload, null, 2) : JSON.stringify(payload));
  const body = rng() < 0.5 ? JSON.stringify({ encrypt: encryptBody(s.encryptKey, text) }) : text;
  return { kind, path, body, headers: signedHeaders(rng, s, body) };
}

export const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/octet-stream",
  "garbage",
  "",
];

type Obj = Record<string, Json>;
const o = (v: Json) => v as Obj;
const ids = (rng: Rng) => ({
  open_id: `ou_${hex(rng, 32)}`,
  union_id: `on_${hex(rng, 32)}`,
  user_id: hex(rng, 8),
});
const header = (rng: Rng, s: Secrets, eventType: string): Obj => ({
  event_id: hex(rng, 32),
  event_type: eventType,
  create_time: String(Date.now()),
  token: s.verificationToken,
  app_id: s.appId,
  tenant_key: "tenant_fuzz",
});

/** A message the bot records and then ignores: a group message that does not mention the bot, a p2p
 *  message sent by an app, or a p2p image. */
function ignoredMessage(rng: Rng, s: Secrets): Obj {
  const variant = int(rng, 0, 2);
  const text = pick(rng, ["/status 7360595374803812356", "/help", "7360595374803812356", "/stop 1"]);
  const mentions = variant === 0 ? [{ key: "@_user_1", id: ids(rng), name: "Alice", tenant_key: "t" }] : [];
  const message: Obj = {
    message_id: `om_${hex(rng, 32)}`,
    root_id: "",
    parent_id: "",
    create_time: String(Date.now()),
    chat_id: `oc_${hex(rng, 32)}`,
    chat_type: variant === 0 ? "group" : "p2p",
    message_type: variant === 2 ? "image" : "text",
    content: JSON.stringify(
      variant === 2 ? { image_key: `img_${hex(rng, 8)}` } : { text: `@_user_1 ${text}` },
    ),
    mentions,
  };
  const sender = { sender_id: ids(rng), sender_type: variant === 1 ? "app" : "user", tenant_key: "t" };
  return { schema: "2.0", header: header(rng, s, "im.message.receive_v1"), event: { sender, message } };
}

/** One random rich-text element: the tags Feishu sends, some with wrong or missing fields. */
function postElement(rng: Rng): Json {
  const text = pick(rng, [
    "/status 7360595374803812356",
    "/help",
    "@_user_1",
    "",
    "<at id=all></at>",
    hex(rng, 8),
  ]);
  switch (int(rng, 0, 8)) {
    case 0:
      return { tag: "text", text, style: pick(rng, [["bold"], [], "bold", null]) };
    case 1:
      return { tag: "a", text, href: pick(rng, ["https://example.com", "javascript:alert(1)", 5]) };
    case 2:
      return {
        tag: "at",
        user_id: pick(rng, ["@_user_1", "@_all", `ou_${hex(rng, 32)}`, 7, ""]),
        user_name: "A",
      };
    case 3:
      return { tag: "code_block", language: "js", text };
    case 4:
      return { tag: "md", text };
    case 5:
      return { tag: pick(rng, ["img", "emotion", "media", "hr"]), image_key: `img_${hex(rng, 8)}` };
    case 6:
      return { tag: pick(rng, ["TEXT", "", "unknown_tag", 3]), text };
    case 7:
      return pick(rng, [null, 5, "text", [], { text }]);
    default:
      return randomValue(rng);
  }
}

/** A rich-text message the bot records and then ignores: a group post not mentioning it, or an app's post. */
function ignoredPost(rng: Rng, s: Secrets): Obj {
  const base = ignoredMessage(rng, s);
  const message = msg(base);
  const paragraphs = Array.from({ length: int(rng, 0, 4) }, () =>
    Array.from({ length: int(rng, 0, 5) }, () => postElement(rng)),
  );
  const content = pick<Json>(rng, [
    { title: hex(rng, 6), content: paragraphs },
    { zh_cn: { title: "", content: paragraphs } },
    { content: paragraphs.length ? paragraphs[0] : "x" },
    { title: "only a title" },
  ]);
  message.message_type = "post";
  message.content = JSON.stringify(content);
  if (message.chat_type === "p2p") o(o(base.event).sender).sender_type = "app"; // never a user's DM
  return base;
}

/** A click on a card the bot does not know (no watch has this id yet). */
function cardAction(rng: Rng, s: Secrets): Obj {
  const value = { action: pick(rng, ["stop", "refresh", "explode"]), watch_id: int(rng, -2, 1000) };
  const event = {
    operator: { tenant_key: "t", ...ids(rng) },
    token: `c-${hex(rng, 16)}`,
    action: { value, tag: "button" },
    host: "im_message",
    context: { open_message_id: `om_${hex(rng, 32)}`, open_chat_id: `oc_${hex(rng, 32)}` },
  };
  return { schema: "2.0", header: header(rng, s, "card.action.trigger"), event };
}

const OTHER_TYPES = [
  "drive.file.title_updated_v1",
  "im.message.reaction.created_v1",
  "contact.user.created_v3",
  "",
];

/** A valid base payload (what a mutation starts from) and where Feishu would send it. */
export function basePayload(rng: Rng, s: Secrets): { payload: Obj; path: WebhookPath; name: string } {
  const r = rng();
  if (r < 0.4) return { payload: ignoredMessage(rng, s), path: "/webhook/event", name: "message" };
  if (r < 0.55) return { payload: ignoredPost(rng, s), path: "/webhook/event", name: "post" };
  if (r < 0.8) return { payload: cardAction(rng, s), path: "/webhook/card", name: "card" };
  if (r < 0.92) {
    const payload = {
      schema: "2.0",
      header: header(rng, s, pick(rng, OTHER_TYPES)),
      event: { x: hex(rng, 8) },
    };
    return { payload, path: "/webhook/event", name: "other-type" };
  }
  const v1 = { uuid: hex(rng, 32), token: s.verificationToken, ts: "1.0", type: "event_callback" };
  return { payload: { ...v1, event: { type: "message", text: "hi" } }, path: "/webhook/event", name: "v1" };
}

const msg = (p: Obj) => o(o(p.event).message);
/** The wrong shapes the brief lists, each applied to an otherwise valid ignored message. */
export const WRONG_SHAPES: Array<[string, (p: Obj, rng: Rng) => void]> = [
  ["header-string", (p) => (p.header = "header")],
  ["header-array", (p) => (p.header = [p.header])],
  ["header-number", (p) => (p.header = 42)],
  ["event_type-object", (p) => (o(p.header).event_type = { type: "im.message.receive_v1" })],
  ["event_type-number", (p) => (o(p.header).event_type = 1)],
  ["event_id-number", (p) => (o(p.header).event_id = 1)],
  ["event-array", (p) => (p.event = [p.event])],
  ["content-number", (p) => (msg(p).content = 5)],
  ["content-object", (p) => (msg(p).content = { text: "/status 1" })],
  ["content-not-json", (p) => (msg(p).content = '{"text": "/status')],
  ["content-json-null", (p) => (msg(p).content = "null")],
  ["content-huge", (p) => (msg(p).content = JSON.stringify({ text: "a".repeat(40_000) }))],
  ["content-deep", (p, rng) => (msg(p).content = nested(rng, logInt(rng, 10, 40_000)))],
  ["mentions-string", (p) => (msg(p).mentions = "@_user_1")],
  ["mentions-object", (p) => (msg(p).mentions = { key: "@_user_1" })],
  ["mentions-mixed", (p) => (msg(p).mentions = [1, null, "x", { key: 5 }, { key: "@_user_1", id: "ou_x" }])],
  [
    "mentions-null-id",
    (p) =>
      (msg(p).mentions = [
        { key: "@_user_1", id: null },
        { key: "", id: { open_id: 5 } },
      ]),
  ],
  ["chat_type-unknown", (p, rng) => (msg(p).chat_type = pick(rng, ["topic", "P2P", "", "group "]))],
  ["chat_type-number", (p) => (msg(p).chat_type = 1)],
  ["message_id-number", (p) => (msg(p).message_id = Number("7360595374803812356"))],
  ["message_id-empty", (p) => (msg(p).message_id = "")],
  ["message_id-huge", (p) => (msg(p).message_id = `om_${"9".repeat(30_000)}`)],
  ["sender-string", (p) => (o(p.event).sender = "ou_x")],
  ["sender_id-array", (p) => (o(o(p.event).sender).sender_id = [])],
  ["schema-number", (p) => (p.schema = 2)],
  ["token-number", (p) => (o(p.header).token = 1)],
];

const act = (p: Obj) => o(o(p.event).action);
/** Wrong shapes of a card callback (button values come back as the bot wrote them, or forged). */
export const WRONG_CARD_SHAPES: Array<[string, (p: Obj, rng: Rng) => void]> = [
  ["value-string", (p) => (act(p).value = "{not json")],
  ["value-array", (p) => (act(p).value = [1, 2])],
  ["value-null", (p) => (act(p).value = null)],
  ["verb-object", (p) => (o(act(p).value).action = { toString: 1, valueOf: 1 })],
  ["watch_id-object", (p) => (o(act(p).value).watch_id = { toString: 1, valueOf: 1 })],
  [
    "watch_id-odd",
    (p, rng) => (o(act(p).value).watch_id = pick(rng, ["1e999", "-0", "0x1", 2 ** 63, 1.5, ""])),
  ],
  ["operator-missing", (p) => delete o(p.event).operator],
  ["open_message_id-number", (p) => (o(o(p.event).context).open_message_id = 5)],
  ["action-string", (p) => (o(p.event).action = "stop")],
];

/** A wrong-shaped but validly signed (and maybe encrypted) message event or card callback. */
export function wrongShape(rng: Rng, s: Secrets): FuzzCase {
  const card = rng() < 0.3;
  const payload = card ? cardAction(rng, s) : ignoredMessage(rng, s);
  const [name, apply] = pick(rng, card ? WRONG_CARD_SHAPES : WRONG_SHAPES);
  apply(payload, rng);
  const path = card ? "/webhook/card" : pick(rng, ["/webhook/event", "/webhook/card"] as const);
  return sealed(rng, s, payload, path, `shape:${name}`);
}

/**
 * The legacy card callback (message card request URL): a flat body, never encrypted, SHA-1 signed with the
 * verification token; mutated, sometimes with a forged signature (401) or on the event path. Its watch ids
 * are unknown, so no click may act.
 */
export function legacyCallback(rng: Rng, s: Secrets): FuzzCase {
  const body: Obj = {
    open_id: `ou_${hex(rng, 32)}`,
    user_id: hex(rng, 8),
    open_message_id: `om_${hex(rng, 32)}`,
    open_chat_id: `oc_${hex(rng, 32)}`,
    tenant_key: "tenant_fuzz",
    token: `c-${hex(rng, 16)}`,
    action: {
      value: { action: pick(rng, ["stop", "refresh", "explode"]), watch_id: String(int(rng, -2, 1000)) },
      tag: "button",
    },
  };
  const ops = Array.from({ length: int(rng, 0, 2) }, () => mutate(rng, body));
  const text = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = hex(rng, 16);
  const forged = rng() < 0.3;
  const signature = forged ? hex(rng, 40) : signLegacyBody(s.verificationToken, timestamp, nonce, text);
  return {
    kind: `legacy${forged ? ":forged" : ""}${ops.length ? `:${ops.join(",")}` : ""}`,
    path: pick(rng, ["/webhook/card", "/webhook/card", "/webhook/event"] as const),
    body: text,
    headers: [
      ["x-lark-request-timestamp", timestamp],
      ["x-lark-request-nonce", nonce],
      ["x-lark-signature", signature],
    ],
    expect: forged ? [401] : undefined,
  };
}

/** A valid base with 1–3 mutations, re-signed: it reaches the parser. */
export function mutated(rng: Rng, s: Secrets): FuzzCase {
  const { payload, path, name } = basePayload(rng, s);
  const ops = Array.from({ length: int(rng, 0, 3) }, () => mutate(rng, payload));
  return sealed(rng, s, payload, path, `mutated:${name}${ops.length ? `:${ops.join(",")}` : ""}`);
}
