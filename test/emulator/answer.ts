/**
 * What a route answers, what it gets, and small helpers shared by the route handlers.
 */
import type { EmulatorState } from "./state";
import type { EmulatorOptions, RateLimitName } from "./types";
import type { ContentError } from "./validate";

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Set when an enforced rate limit refused the call (copied into RecordedRequest.rateLimit). */
  rateLimit?: RateLimitName;
}

export interface RouteInput {
  state: EmulatorState;
  options: Required<EmulatorOptions>;
  query: Record<string, string>;
  body: unknown;
  /** The path's `:name` parameters (routes.ts). */
  params: Record<string, string>;
  messageId?: string;
}

export function fail(status: number, code: number, msg: string, headers?: Record<string, string>): Answer {
  return { status, body: { code, msg }, headers };
}

export const fromCheck = (e: ContentError): Answer => fail(e.status, e.code, e.msg);
export const ok = (data: unknown): Answer => ({ status: 200, body: { code: 0, msg: "success", data } });
/** A field of a JSON object body (undefined for anything else). */
export const field = (body: unknown, key: string): unknown =>
  typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key] : undefined;
