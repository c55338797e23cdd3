/**
 * Events to the bot, shaped and delivered exactly as Feishu does: v2 envelopes, optional
 * {"encrypt": ...} bodies, X-Lark-* signature headers over the raw body bytes.
 */
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { performance } from "node:perf_hooks";
import { TENANT_KEY } from "./constants";
import { encryptBody, randomHex, signBody } from "./crypto";
import type { EmulatorState } from "./state";
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
      tenant_key: TENANT_KEY,
    },
    event,
  };
  return result;
}

export function botAddedEvent(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  input: { chatId: string; operatorOpenId: string },
) {
  state.tenant.chat(input.chatId).botRemoved = false; // the bot is (back) in the chat
  const event: BotAddedEvent = {
    chat_id: input.chatId,
    operator_id: state.tenant.addUser(input.operatorOpenId),
    external: false,
    operator_tenant_key: TENANT_KEY,
    name: "Emulated group",
  };
  return envelope(options, "im.chat.member.bot.added_v1", event);
}

export function cardActionEvent(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  input: { openMessageId: string; chatId: string; operatorOpenId: string; value: Record<string, unknown> },
) {
  const event: CardActionEvent = {
    operator: { tenant_key: TENANT_KEY, ...state.tenant.addUser(input.operatorOpenId) },
    token: `c-${randomHex(16)}`,
    action: { value: input.value, tag: "button" },
    host: "im_message",
    context: { open_message_id: input.openMessageId, open_chat_id: input.chatId },
  };
  return envelope(options, "card.action.trigger", event);
}

/** The url_verification body Feishu POSTs when the request URL is saved. */
export function challenge(options: Required<EmulatorOptions>, token?: string): Record<string, unknown> {
  return { challenge: randomHex(16), token: token ?? options.verificationToken, type: "url_verification" };
}

/** Throws unless Feishu would re-push this payload: an event envelope, not a challenge or card callback. */
export function checkRepushable(payload: object): void {
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
