/**
 * Events to the bot, shaped and delivered exactly as Feishu does: v2 envelopes (v1 ones for a store app's app
 * events, store-app.ts), optional {"encrypt": ...} bodies, X-Lark-* signature headers over the raw body bytes.
 * Every event is for one tenant (`header.tenant_key`).
 */
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { performance } from "node:perf_hooks";
import { encryptBody, randomHex, signBody } from "./crypto";
import type { EmulatorState } from "./state";
import type { Tenant } from "./tenant";
import type {
  BotAddedEvent,
  CardActionEvent,
  DeliverOptions,
  DeliveryResult,
  EmulatorOptions,
  EventEnvelope,
} from "./types";

export function envelope<E>(
  options: Required<EmulatorOptions>,
  eventType: string,
  event: E,
  tenantKey: string,
  eventId?: string,
) {
  const result: EventEnvelope<E> = {
    schema: "2.0",
    header: {
      event_id: eventId ?? randomHex(16),
      event_type: eventType,
      create_time: String(options.now()),
      token: options.verificationToken,
      app_id: options.appId,
      tenant_key: tenantKey,
    },
    event,
  };
  return result;
}

/**
 * The tenant an event about `chatId` (and `messageId`) is for: `tenantKey` when given (it must own the chat
 * and message, if any tenant does), else the tenant of the message or chat, else the default tenant.
 */
export function eventTenant(
  state: EmulatorState,
  who: string,
  input: { tenantKey?: string; chatId?: string; messageId?: string },
): Tenant {
  const message = input.messageId === undefined ? undefined : state.im.known.get(input.messageId);
  const chatOwner = input.chatId === undefined ? undefined : state.tenants.ownerOfChat(input.chatId);
  const known = message ? state.tenants.get(message.tenant_key) : chatOwner;
  if (input.tenantKey === undefined) return known ?? state.tenants.default;
  const tenant = state.tenants.require(input.tenantKey, who);
  for (const [what, owner] of [
    [`message ${input.messageId}`, message?.tenant_key],
    [`chat ${input.chatId}`, chatOwner?.key],
  ] as const) {
    if (owner !== undefined && owner !== tenant.key) {
      throw new Error(`${who}: ${what} belongs to tenant ${owner}, not ${tenant.key}`);
    }
  }
  return tenant;
}

export function botAddedEvent(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  input: { chatId: string; operatorOpenId: string; tenantKey?: string },
) {
  const tenant = eventTenant(state, "botAddedEvent", input);
  tenant.chat(input.chatId).botRemoved = false; // the bot is (back) in the chat
  const event: BotAddedEvent = {
    chat_id: input.chatId,
    operator_id: tenant.addUser(input.operatorOpenId),
    external: false,
    operator_tenant_key: tenant.key,
    name: "Emulated group",
  };
  return envelope(options, "im.chat.member.bot.added_v1", event, tenant.key);
}

export function cardActionEvent(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  input: {
    openMessageId: string;
    chatId: string;
    operatorOpenId: string;
    value: Record<string, unknown>;
    tenantKey?: string;
  },
) {
  const tenant = eventTenant(state, "cardActionEvent", { ...input, messageId: input.openMessageId });
  const event: CardActionEvent = {
    operator: { tenant_key: tenant.key, ...tenant.addUser(input.operatorOpenId) },
    token: `c-${randomHex(16)}`,
    action: { value: input.value, tag: "button" },
    host: "im_message",
    context: { open_message_id: input.openMessageId, open_chat_id: input.chatId },
  };
  return envelope(options, "card.action.trigger", event, tenant.key);
}

/** The url_verification body Feishu POSTs when the request URL is saved. */
export function challenge(options: Required<EmulatorOptions>, token?: string): Record<string, unknown> {
  return { challenge: randomHex(16), token: token ?? options.verificationToken, type: "url_verification" };
}

/**
 * Throws unless Feishu would re-push this payload: an event envelope (v2, or a v1 event with its uuid), not a
 * challenge or card callback.
 */
export function checkRepushable(payload: object): void {
  const v1 = payload as { type?: unknown; uuid?: unknown };
  if (v1.type === "event_callback" && typeof v1.uuid === "string") return;
  const header = (payload as { header?: { event_id?: unknown; event_type?: unknown } }).header;
  if (typeof header?.event_id !== "string") {
    throw new Error(
      "repush: needs an event envelope with header.event_id (challenges are never re-pushed, nor legacy card callbacks)",
    );
  }
  if (header.event_type === "card.action.trigger") {
    throw new Error(
      "repush: Feishu never re-pushes card callbacks; use deliver() to send a duplicate anyway",
    );
  }
}

/** Builds the exact body and headers Feishu would send for `payload`. */
export function buildDelivery(
  options: Required<EmulatorOptions>,
  payload: object,
  opts: DeliverOptions = {},
) {
  const isChallenge = (payload as { type?: unknown }).type === "url_verification";
  const copy = structuredClone(payload) as Record<string, unknown>;
  const header = copy.header as Record<string, unknown> | undefined;
  if (opts.eventId !== undefined && header) header.event_id = opts.eventId;
  else if (opts.eventId !== undefined && copy.type === "event_callback") copy.uuid = opts.eventId; // v1
  if (opts.token !== undefined) {
    if (header) header.token = opts.token;
    else copy.token = opts.token;
  }
  const key = options.encryptKey;
  const encrypt = opts.encrypt ?? key !== "";
  const sign = opts.sign ?? (key !== "" && !isChallenge);
  if ((encrypt || sign) && key === "") throw new Error("deliver: encrypt/sign need an encryptKey");
  const plain = JSON.stringify(copy);
  const body = opts.rawBody ?? (encrypt ? JSON.stringify({ encrypt: encryptBody(key, plain) }) : plain);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (sign) {
    const timestamp = String(Math.floor(options.now() / 1000));
    const nonce = randomHex(8);
    headers["x-lark-request-timestamp"] = timestamp;
    headers["x-lark-request-nonce"] = nonce;
    headers["x-lark-signature"] = signBody(key, timestamp, nonce, body);
  }
  return { body, headers: { ...headers, ...opts.headers } };
}

/** POSTs `body` to targetUrl (no connection reuse) and measures the latency. */
export function post(
  targetUrl: string,
  body: string,
  headers: Record<string, string>,
): Promise<DeliveryResult> {
  const started = performance.now();
  const url = new URL(targetUrl);
  const send = url.protocol === "https:" ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const allHeaders = { "content-length": String(Buffer.byteLength(body, "utf8")), ...headers };
    const req = send(url, { method: "POST", headers: allHeaders, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try {
          parsed = text === "" ? undefined : JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text, ms: performance.now() - started });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
