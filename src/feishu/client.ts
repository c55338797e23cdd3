import * as lark from "@larksuiteoapi/node-sdk";
import axios from "axios";
import type { OutgoingMessage, Recipient, SentMessage, TaskStatus } from "../core/feishu-api";
import type { Logger } from "../logger";
import { classify, FeishuApiError, toFeishuError } from "./errors";
import { MemoryTokenStore, type TokenStore } from "./tokens";

export interface FeishuClientOptions {
  appId: string;
  appSecret: string;
  domain: string;
  logger: Logger;
  /** A store app (ISV) gets a token per tenant; a self-built app has one. Default self_built. */
  appType?: "self_built" | "store";
  /** Where tokens (and a store app's ticket) are kept; default: this client's own memory. */
  tokens?: TokenStore;
  /** Per-request timeout; the SDK's default axios instance has none. */
  timeoutMs?: number;
}

/** Feishu's "app_ticket invalid": a store app's ticket that is wrong or too old (SDKs: Go, Java). */
const APP_TICKET_INVALID = 10012;

/** Every Open Platform API call the bot makes (the long connection is long-connection.ts). Every method throws FeishuApiError on any failure. */
export class FeishuClient {
  private readonly sdk: lark.Client;
  private readonly tokens: TokenStore;
  private readonly store: boolean;
  private readonly http: ReturnType<typeof axios.create>;
  private ticketAskedAt = 0;

  constructor(private readonly options: FeishuClientOptions) {
    this.store = options.appType === "store";
    this.tokens = options.tokens ?? new MemoryTokenStore();
    // SDK gap: its shared axios instance has no timeout, so we hand it our own with the same unwrapping.
    const http = axios.create({ timeout: options.timeoutMs ?? 10_000 });
    this.http = http;
    http.interceptors.response.use((resp) => resp.data);
    this.sdk = new lark.Client({
      appId: options.appId,
      appSecret: options.appSecret,
      appType: this.store ? lark.AppType.ISV : lark.AppType.SelfBuild,
      domain: options.domain,
      cache: this.tokens,
      httpInstance: http as unknown as lark.HttpInstance,
      logger: sdkLogger(options.logger),
      loggerLevel: lark.LoggerLevel.debug,
    });
  }

  /** The SDK's request options that pick the tenant's token (store apps only; nothing for self-built). */
  private as(tenantKey: string): ReturnType<typeof lark.withTenantKey> | undefined {
    return this.store ? lark.withTenantKey(tenantKey) : undefined;
  }

  async botOpenId(tenantKey: string): Promise<string> {
    const res = await this.call("bot.info", tenantKey, () =>
      this.sdk.request<{ code?: number; msg?: string; bot?: { open_id?: string } }>(
        { method: "GET", url: "/open-apis/bot/v3/info" },
        this.as(tenantKey),
      ),
    );
    const openId = (res as { bot?: { open_id?: string } }).bot?.open_id;
    if (!openId) throw new FeishuApiError("bot.info", 0, 200, "answer has no bot.open_id");
    return openId;
  }

  /**
   * Store apps: asks Feishu to push the app_ticket again (it comes as an event, not in this answer). SDK gap:
   * its own resend is internal and only logs a failure, so refused credentials would go unnoticed.
   */
  async resendAppTicket(): Promise<void> {
    await this.once("app_ticket.resend", async () => {
      const answer = await this.http.post<unknown, { code?: number; msg?: string }>(
        `${this.options.domain}/open-apis/auth/v3/app_ticket/resend`,
        { app_id: this.options.appId, app_secret: this.options.appSecret },
      );
      return answer;
    });
  }

  /**
   * The task's status, asked as the app, or as a person with their `userAccessToken` (user authorization):
   * then a refused token is theirs to renew, not the app's, so it is not dropped and retried here.
   */
  async taskCheck(tenantKey: string, taskId: string, userAccessToken?: string): Promise<TaskStatus> {
    const params = { params: { task_id: taskId } };
    const res = userAccessToken
      ? await this.once("task_check", () =>
          this.sdk.drive.v1.file.taskCheck(params, lark.withUserAccessToken(userAccessToken)),
        )
      : await this.call("task_check", tenantKey, () =>
          this.sdk.drive.v1.file.taskCheck(params, this.as(tenantKey)),
        );
    const status = res.data?.status;
    if (typeof status !== "string")
      throw new FeishuApiError("task_check", 0, 200, "answer has no data.status");
    return status;
  }

  /**
   * Replies to a message (in its topic, when it is in one); `uuid` makes the send idempotent for an hour on
   * Feishu's side.
   */
  async reply(
    tenantKey: string,
    messageId: string,
    message: OutgoingMessage,
    uuid: string,
  ): Promise<SentMessage> {
    const res = await this.call("message.reply", tenantKey, () =>
      this.sdk.im.v1.message.reply(
        { path: { message_id: messageId }, data: { ...encode(message), uuid } },
        this.as(tenantKey),
      ),
    );
    return sent("message.reply", res.data);
  }

  /** Sends a new message into a chat (in a topic group: a new topic) or to a user. */
  async send(tenantKey: string, to: Recipient, message: OutgoingMessage, uuid: string): Promise<SentMessage> {
    const res = await this.call("message.create", tenantKey, () =>
      this.sdk.im.v1.message.create(
        { params: { receive_id_type: to.type }, data: { receive_id: to.id, ...encode(message), uuid } },
        this.as(tenantKey),
      ),
    );
    return sent("message.create", res.data);
  }

  async patchCard(tenantKey: string, messageId: string, card: object): Promise<void> {
    await this.call("message.patch", tenantKey, () =>
      this.sdk.im.v1.message.patch(
        { path: { message_id: messageId }, data: { content: JSON.stringify(card) } },
        this.as(tenantKey),
      ),
    );
  }

  /** Runs one SDK call, turning every failure into FeishuApiError; retries once after dropping a bad token. */
  private async call<T extends { code?: number; msg?: string }>(
    operation: string,
    tenantKey: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await this.once(operation, fn);
    } catch (error) {
      if (classify(error) !== "auth") throw error;
      if (error instanceof FeishuApiError && error.code === APP_TICKET_INVALID) await this.replaceTicket();
      this.options.logger.warn("Feishu rejected the access token; fetching a new one", { operation });
      await this.tokens.dropToken(tenantKey);
      return await this.once(operation, fn);
    }
  }

  /**
   * A store app's ticket Feishu no longer takes (10012): forget it, so no replica keeps using it, and ask for a
   * new one (at most every 30 s). SDK gap: its token manager keeps the stale ticket and never asks again.
   */
  private async replaceTicket(): Promise<void> {
    await this.tokens.dropTicket();
    if (Date.now() - this.ticketAskedAt < 30_000) return;
    this.ticketAskedAt = Date.now();
    this.options.logger.warn("Feishu refused the app_ticket (10012); asking for a new one");
    await this.resendAppTicket().catch((e: unknown) => {
      this.options.logger.warn("could not ask for a new app_ticket", { reason: String(e) });
    });
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

function encode(message: OutgoingMessage): { msg_type: string; content: string } {
  return "card" in message
    ? { msg_type: "interactive", content: JSON.stringify(message.card) }
    : { msg_type: "text", content: JSON.stringify({ text: message.text }) };
}

function sent(operation: string, data: { message_id?: string; chat_id?: string } | undefined): SentMessage {
  if (!data?.message_id) throw new FeishuApiError(operation, 0, 200, "answer has no data.message_id");
  return { messageId: data.message_id, chatId: data.chat_id ?? "" };
}

/**
 * SDK gap: it logs whole axios errors (request headers with the bearer token, the token request body with
 * the app secret). We keep only messages and strings, and the winston redactor masks what remains.
 */
export function sdkLogger(logger: Logger): lark.Logger {
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
