/**
 * What a route answers, what it gets, and small helpers shared by the route handlers.
 */

import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { UserCaller } from "./caller";
import { CODES } from "./constants";
import type { EmulatorState } from "./state";
import type { Tenant } from "./tenant";
import type { EmulatorOptions, Fault, RateLimitName } from "./types";
import type { ContentError } from "./validate";

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Set when an enforced rate limit refused the call (copied into RecordedRequest.rateLimit). */
  rateLimit?: RateLimitName;
  /**
   * What Feishu does right after answering (app_ticket/resend pushes the ticket). Run once the answer is sent,
   * or when a fault withholds or replaces the answer of a request it let through (`afterHandling`).
   */
  afterAnswer?: () => void;
}

export interface RouteInput {
  state: EmulatorState;
  options: Required<EmulatorOptions>;
  query: Record<string, string>;
  /** The parsed JSON body; the raw text when it is not JSON (routes with `rawBody` only); undefined when empty. */
  body: unknown;
  /** The body as received (form-urlencoded routes parse it themselves). */
  rawBody: string;
  headers: IncomingHttpHeaders;
  /** The path's `:name` parameters (routes.ts). */
  params: Record<string, string>;
  messageId?: string;
  /**
   * The tenant the call acts in: its bearer token's (routes that need one), else the default tenant. Chats,
   * messages, tasks and Drive files of another tenant are refused.
   */
  tenant: Tenant;
  /** The person, when the call carried their user_access_token (routes that take one). */
  user?: UserCaller;
  /** The long-connection side, for the ws_endpoint route. */
  longConnection: LongConnectionHost;
}

/** The long-connection side as the HTTP server sees it (long-connection.ts). */
export interface LongConnectionHost {
  /** The answer of POST /callback/ws/endpoint, once no fault intercepted it. */
  endpoint(body: unknown): Answer;
  /** An HTTP upgrade request, on any path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Called once, as soon as the server listens on `baseUrl` (http://127.0.0.1:PORT). */
  listening(baseUrl: string): void;
  /** Ends every socket, handshake and timer of the long connection. */
  close(): Promise<void>;
}

export function fail(status: number, code: number, msg: string, headers?: Record<string, string>): Answer {
  return { status, body: { code, msg }, headers };
}

export const fromCheck = (e: ContentError): Answer => fail(e.status, e.code, e.msg);
export const ok = (data: unknown): Answer => ({ status: 200, body: { code: 0, msg: "success", data } });
/** A field of a JSON object body (undefined for anything else). */
export const field = (body: unknown, key: string): unknown =>
  typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key] : undefined;

/** The answer of an injected fault, or undefined when it only delays. */
export function faultAnswer(fault: Fault): Answer | undefined {
  if (fault.status === undefined && fault.code === undefined && fault.body === undefined) return undefined;
  const status = fault.status ?? (fault.code !== undefined ? 400 : 500);
  const code = fault.code ?? (status === 429 ? CODES.GATEWAY_RATE_LIMITED : status);
  const body = fault.body !== undefined ? fault.body : { code, msg: fault.msg ?? "injected fault" };
  return { status, body, headers: fault.headers };
}
