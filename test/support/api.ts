/** A small client of the bot's watch API for tests: plain fetch, every answer read as text and JSON. */

import type { SentMessage } from "@taskbot/feishu-emulator";
import type { ApiState } from "../../src/api/schemas";
import { apiStateOf } from "../../src/api/view";
import { type BotFixture, eventually, type StoreKind, useBot } from "./harness";

export const API_TOKEN = "test-api-token-0123456789abcdef";
export const OTHER_API_TOKEN = "other-api-token-fedcba9876543210";

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: an answer's JSON, drilled into by the tests.
  body: any;
}

export interface ApiRequest {
  method?: string;
  /** JSON-encoded unless `raw` is given. */
  json?: unknown;
  raw?: string | Uint8Array;
  /** `null`: no Authorization header; default: the test token. */
  token?: string | null;
  key?: string;
  headers?: Record<string, string>;
}

export async function callApi(baseUrl: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  const token = request.token === undefined ? API_TOKEN : request.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (request.key !== undefined) headers["idempotency-key"] = request.key;
  let body: string | Uint8Array | undefined = request.raw;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${baseUrl}${path}`, {
    method: request.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Shorthands bound to one bot. */
export function watchApi(baseUrl: string, token: string = API_TOKEN) {
  return {
    create: (json: unknown, key?: string) =>
      callApi(baseUrl, "/api/v1/watches", { json, token, ...(key === undefined ? {} : { key }) }),
    get: (id: string) => callApi(baseUrl, `/api/v1/watches/${id}`, { token }),
    stop: (id: string) => callApi(baseUrl, `/api/v1/watches/${id}`, { method: "DELETE", token }),
    list: (query = "") => callApi(baseUrl, `/api/v1/watches${query}`, { token }),
  };
}

/** Waits on the store (polling GET would soon meet the rate limit) until the API would answer `state`. */
export async function waitForApiState(t: BotFixture, id: string, state: ApiState): Promise<void> {
  await eventually(async () => {
    const watch = await t.bot.app.store.getWatch(Number(id));
    return watch !== undefined && apiStateOf(watch) === state;
  }, 10_000);
}

/** Waits until the bot is done with a watch (its final card and notice are out). */
export async function waitUntilOver(t: BotFixture, id: string): Promise<void> {
  await eventually(async () => (await t.bot.app.store.getWatch(Number(id)))?.phase === "done", 10_000);
}

/** Cards the bot posted into a chat on its own (API watches), not as replies to a command. */
export const cardsIn = (t: BotFixture, chatId: string): SentMessage[] =>
  t.emu.messages.filter((m) => m.chat_id === chatId && m.msg_type === "interactive" && !m.reply_to);

/** The completion notices under a card. */
export const noticesTo = (t: BotFixture, card: SentMessage): SentMessage[] =>
  t.emu.repliesTo(card.message_id).filter((m) => m.msg_type === "text");

/**
 * The real bot with the watch API on (both test tokens), a fresh one per test, and the helpers the API suites
 * share, bound to it.
 */
export function useApiBot(env: Record<string, string> = {}, store: StoreKind = "sqlite") {
  const t = useBot("each", { API_TOKENS: `${API_TOKEN},${OTHER_API_TOKEN}`, ...env }, "webhook", store);
  return {
    t,
    api: () => watchApi(t.bot.url),
    cardsIn: (chatId: string) => cardsIn(t, chatId),
    noticesTo: (card: SentMessage) => noticesTo(t, card),
    settle: () => new Promise((r) => setTimeout(r, 1500)),
    stateOf: (id: string, state: ApiState) => waitForApiState(t, id, state),
    over: (id: string) => waitUntilOver(t, id),
  };
}
