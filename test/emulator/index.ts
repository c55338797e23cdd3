/**
 * Loopback Feishu Open Platform emulator for integration tests, fault injection, demos and benchmarks.
 *
 *   const emu = await startEmulator();
 *   const client = new lark.Client({ appId: emu.options.appId, appSecret: emu.options.appSecret,
 *                                    domain: emu.url, cache: new lark.DefaultCache() });
 *   emu.setTask("7360595374803812356", ["process", "success"]);
 *   await emu.deliver(botUrl, emu.messageEvent({ chatType: "p2p", text: "/status 7360595374803812356" }));
 *   await emu.waitFor(() => emu.messages.length > 0);
 *   await emu.close();
 *
 * Long connection (the SDK's WSClient): `emu.longConnection` (long-connection.ts).
 * See README.md for routes, faults and the Feishu facts behind them.
 */

import { DEFAULT_OPTIONS } from "./constants";
import {
  botAddedEvent,
  buildDelivery,
  cardActionEvent,
  challenge,
  checkRepushable,
  messageEvent,
  post,
} from "./events";
import { createLongConnection, type LongConnection } from "./long-connection";
import { startServer } from "./server";
import { EmulatorState } from "./state";
import type {
  BotAddedEvent,
  CardActionEvent,
  DeliverOptions,
  DeliveryResult,
  EmulatorOptions,
  EventEnvelope,
  Fault,
  MessageEventInput,
  MessageReceiveEvent,
  RecordedRequest,
  RouteName,
  SentMessage,
} from "./types";

export type { Answer } from "./answer";
export * from "./constants";
export { decryptBody, encryptBody, signBody } from "./crypto";
export { buildDelivery, userIds } from "./events";
export type { LongConnection } from "./long-connection";
export * from "./long-connection-types";
export { decodeFrame, encodeFrame, type Frame, type FrameHeader } from "./pbbp2";
export { matchRoute } from "./routes";
export * from "./types";
export { checkCard, checkContent } from "./validate";

export interface Emulator {
  readonly url: string;
  readonly options: Required<EmulatorOptions>;
  // --- tasks (task_check) ---
  /** Each task_check call returns the next status; the last one repeats forever. */
  setTask(taskId: string, statuses: string[]): void;
  /** From now on always this status. */
  setTaskStatus(taskId: string, status: string): void;
  /** task_check requests received (any outcome, faults included) for that id, or in total. */
  taskCheckCount(taskId?: string): number;
  // --- what the bot did ---
  readonly requests: RecordedRequest[];
  requestsFor(route: RouteName | "unknown"): RecordedRequest[];
  readonly messages: SentMessage[];
  message(messageId: string): SentMessage | undefined;
  repliesTo(messageId: string): SentMessage[];
  // --- faults ---
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Every token issued so far becomes invalid (99991663). */
  revokeTokens(): void;
  /** Every token issued so far expires now (99991677); the token route then issues a new one. */
  expireTokens(): void;
  /**
   * Calls `listener` synchronously for every request, right after it is recorded and before any fault,
   * check or answer (status 0). Returns the unsubscribe function. A listener's error is rethrown
   * asynchronously (the test runner reports it); the request goes on.
   */
  onRequest(listener: (record: RecordedRequest) => void): () => void;
  /** Requests refused by an enforced rate limit (230020 / 99991400 from the emulator, not from a fault). */
  violations(): RecordedRequest[];
  // --- events to the bot ---
  messageEvent(input: MessageEventInput): EventEnvelope<MessageReceiveEvent>;
  botAddedEvent(input: { chatId: string; operatorOpenId: string }): EventEnvelope<BotAddedEvent>;
  cardActionEvent(input: {
    openMessageId: string;
    chatId: string;
    operatorOpenId: string;
    value: Record<string, unknown>;
  }): EventEnvelope<CardActionEvent>;
  challenge(token?: string): Record<string, unknown>;
  deliver(targetUrl: string, payload: object, opts?: DeliverOptions): Promise<DeliveryResult>;
  /**
   * Feishu's re-push (after 15 s, 5 min, 1 h, 6 h; no waiting here): the same envelope again, freshly
   * encrypted and signed, with the same event_id unless opts.eventId. Throws for a challenge or a card
   * callback, which Feishu never re-pushes (use deliver() to send a duplicate anyway).
   */
  repush(targetUrl: string, envelope: object, opts?: DeliverOptions): Promise<DeliveryResult>;
  // --- long connection (WebSocket mode, for the SDK's WSClient) ---
  readonly longConnection: LongConnection;
  /** Polls fn every 20 ms until it returns something truthy (default timeout 5000 ms). */
  waitFor<T>(fn: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /**
   * Forget requests/messages/tasks/faults, long-connection pushes (in-flight handles reject) and acks; the
   * server, issued tokens and open WebSocket connections stay.
   */
  reset(): void;
  close(): Promise<void>;
}

export async function waitFor<T>(
  fn: () => T | undefined | false,
  timeoutMs = 5000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = fn();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined ? "" : ` (last error: ${String(lastError)})`;
      const src = fn.toString().replace(/\s+/g, " ").slice(0, 160);
      throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for: ${src}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const options: Required<EmulatorOptions> = Object.freeze({ ...DEFAULT_OPTIONS, ...defined });
  const state = new EmulatorState();
  const longConnection = createLongConnection(state, options);
  const server = await startServer(state, options, longConnection.host);
  const deliver = (targetUrl: string, payload: object, deliverOpts?: DeliverOptions) => {
    const { body, headers } = buildDelivery(options, payload, deliverOpts);
    return post(targetUrl, body, headers);
  };

  return {
    url: server.url,
    options,
    setTask: (taskId, statuses) => state.setTask(taskId, statuses),
    setTaskStatus: (taskId, status) => state.setTask(taskId, [status]),
    taskCheckCount: (taskId) => state.taskCheckCount(taskId),
    get requests() {
      return state.requests;
    },
    requestsFor: (route) => state.requests.filter((r) => r.route === route),
    get messages() {
      return state.messages;
    },
    message: (messageId) => state.message(messageId),
    repliesTo: (messageId) => state.messages.filter((m) => m.reply_to === messageId),
    inject: (fault) => state.inject(fault),
    clearFaults: () => state.clearFaults(),
    revokeTokens: () => state.revokeTokens(),
    expireTokens: () => state.expireTokens(),
    onRequest: (listener) => state.onRequest(listener),
    violations: () => state.requests.filter((r) => r.rateLimit !== undefined),
    messageEvent: (input) => messageEvent(state, options, input),
    botAddedEvent: (input) => botAddedEvent(options, input),
    cardActionEvent: (input) => cardActionEvent(options, input),
    challenge: (token) => challenge(options, token),
    deliver,
    repush: (targetUrl, envelope, deliverOpts) => {
      checkRepushable(envelope);
      return deliver(targetUrl, envelope, deliverOpts);
    },
    longConnection: longConnection.api,
    waitFor: (fn, timeoutMs) => waitFor(fn, timeoutMs),
    reset: () => {
      state.reset();
      longConnection.reset();
    },
    close: () => server.close(),
  };
}
