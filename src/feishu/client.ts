import * as lark from "@larksuiteoapi/node-sdk";
import axios from "axios";
import type { Logger } from "../logger";
import { classify, FeishuApiError, toFeishuError } from "./errors";

export type TaskStatus = string; // "process" | "success" | "fail", or anything Feishu adds later

export interface FeishuClientOptions {
  appId: string;
  appSecret: string;
  domain: string;
  logger: Logger;
  /** Per-request timeout; the SDK's default axios instance has none. */
  timeoutMs?: number;
}

/**
 * Token cache owned by this client. Covers two SDK gaps: its default cache is process-global per appId,
 * and it never drops a token that Feishu calls invalid (99991663/99991677).
 */
class TokenCache implements lark.Cache {
  // biome-ignore lint/complexity/noBannedTypes: the SDK's Cache interface types keys as `Symbol`.
  private readonly values = new Map<string | Symbol, { value: unknown; expiresAt?: number }>();
  // biome-ignore lint/complexity/noBannedTypes: as above.
  async get(key: string | Symbol): Promise<unknown> {
    const entry = this.values.get(key);
    if (!entry || (entry.expiresAt !== undefined && entry.expiresAt <= Date.now())) return undefined;
    return entry.value;
  }
  // biome-ignore lint/complexity/noBannedTypes: as above.
  async set(key: string | Symbol, value: unknown, expiresAt?: number): Promise<boolean> {
    this.values.set(key, { value, expiresAt });
    return true;
  }
  clear(): void {
    this.values.clear();
  }
}

/** The only module that talks to Feishu. Every method throws FeishuApiError on any failure. */
export class FeishuClient {
  private readonly sdk: lark.Client;
  private readonly tokens = new TokenCache();

  constructor(private readonly options: FeishuClientOptions) {
    // SDK gap: its shared axios instance has no timeout, so we hand it our own with the same unwrapping.
    const http = axios.create({ timeout: options.timeoutMs ?? 10_000 });
    http.interceptors.response.use((resp) => resp.data);
    this.sdk = new lark.Client({
      appId: options.appId,
      appSecret: options.appSecret,
      domain: options.domain,
      cache: this.tokens,
      httpInstance: http as unknown as lark.HttpInstance,
      logger: sdkLogger(options.logger),
      loggerLevel: lark.LoggerLevel.debug,
    });
  }

  async botOpenId(): Promise<string> {
    const res = await this.call("bot.info", () =>
      this.sdk.request<{ code?: number; msg?: string; bot?: { open_id?: string } }>({
        method: "GET",
        url: "/open-apis/bot/v3/info",
      }),
    );
    const openId = (res as { bot?: { open_id?: string } }).bot?.open_id;
    if (!openId) throw new FeishuApiError("bot.info", 0, 200, "answer has no bot.open_id");
    return openId;
  }

  async taskCheck(taskId: string): Promise<TaskStatus> {
    const res = await this.call("task_check", () =>
      this.sdk.drive.v1.file.taskCheck({ params: { task_id: taskId } }),
    );
    const status = res.data?.status;
    if (typeof status !== "string")
      throw new FeishuApiError("task_check", 0, 200, "answer has no data.status");
    return status;
  }

  /** Replies to a message; `uuid` makes the send idempotent for an hour on Feishu's side. */
  async reply(messageId: string, message: OutgoingMessage, uuid: string): Promise<string> {
    const res = await this.call("message.reply", () =>
      this.sdk.im.v1.message.reply({
        path: { message_id: messageId },
        data: { ...encode(message), uuid },
      }),
    );
    return requireMessageId("message.reply", res.data?.message_id);
  }

  async send(chatId: string, message: OutgoingMessage, uuid: string): Promise<string> {
    const res = await this.call("message.create", () =>
      this.sdk.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: chatId, ...encode(message), uuid },
      }),
    );
    return requireMessageId("message.create", res.data?.message_id);
  }

  async patchCard(messageId: string, card: object): Promise<void> {
    await this.call("message.patch", () =>
      this.sdk.im.v1.message.patch({
        path: { message_id: messageId },
        data: { content: JSON.stringify(card) },
      }),
    );
  }

  /** Runs one SDK call, turning every failure into FeishuApiError; retries once after dropping a bad token. */
  private async call<T extends { code?: number; msg?: string }>(
    operation: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await this.once(operation, fn);
    } catch (error) {
      if (classify(error) !== "auth") throw error;
      this.options.logger.warn("Feishu rejected the tenant token; fetching a new one", { operation });
      this.tokens.clear();
      return await this.once(operation, fn);
    }
  }

  private async once<T extends { code?: number; msg?: string }>(
    operation: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    let res: T;
    try {
      res = await fn();
    } catch (error) {
      throw toFeishuError(operation, error);
    }
    if (!res || typeof res !== "object") throw new FeishuApiError(operation, 0, 200, "answer is not JSON");
    if (res.code !== undefined && res.code !== 0) {
      throw new FeishuApiError(operation, res.code, 200, res.msg ?? "error");
    }
    return res;
  }
}

export type OutgoingMessage = { card: object } | { text: string };

function encode(message: OutgoingMessage): { msg_type: string; content: string } {
  return "card" in message
    ? { msg_type: "interactive", content: JSON.stringify(message.card) }
    : { msg_type: "text", content: JSON.stringify({ text: message.text }) };
}

function requireMessageId(operation: string, id: string | undefined): string {
  if (!id) throw new FeishuApiError(operation, 0, 200, "answer has no data.message_id");
  return id;
}

/**
 * SDK gap: it logs whole axios errors (request headers with the bearer token, the token request body with
 * the app secret). We keep only messages and strings, and the winston redactor masks what remains.
 */
function sdkLogger(logger: Logger): lark.Logger {
  const flatten = (parts: unknown[]): string =>
    parts
      .flat()
      .map((p) => (p instanceof Error ? p.message : typeof p === "string" ? p : safeJson(p)))
      .join(" ");
  // Every failure the SDK logs also reaches us as an error, logged once by us with its code and context,
  // so the SDK's own lines are kept for debugging only.
  const debug = (...parts: unknown[]) => {
    logger.debug(`sdk: ${flatten(parts)}`);
  };
  return { error: debug, warn: debug, info: debug, debug, trace: () => undefined };
}

function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text && text.length > 500 ? `${text.slice(0, 500)}…` : String(text);
  } catch {
    return "[unserialisable]";
  }
}
