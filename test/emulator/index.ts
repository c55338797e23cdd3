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

import { DEFAULT_OPTIONS, type MUTE_CODES, REFUSALS } from "./constants";
import { botAddedEvent, buildDelivery, cardActionEvent, challenge, checkRepushable, post } from "./events";
import { deliverLegacy, legacyCardCallback } from "./legacy-callback";
import { createLongConnection, type LongConnection } from "./long-connection";
import { messageEvent } from "./message-event";
import { startServer } from "./server";
import { EmulatorState } from "./state";
import type {
  BotAddedEvent,
  CardActionEvent,
  ChatType,
  DeliverOptions,
  DeliveryResult,
  DriveFileType,
  DriveItemOptions,
  DriveTask,
  EmulatorOptions,
  EventEnvelope,
  Fault,
  LegacyCardCallback,
  LegacyDeliverOptions,
  MessageEventInput,
  MessageReceiveEvent,
  RecordedRequest,
  RouteName,
  SentMessage,
  UserIds,
} from "./types";

export type { Answer } from "./answer";
export * from "./card-rules";
export * from "./constants";
export { decryptBody, encryptBody, signBody, signLegacyBody } from "./crypto";
export { buildDelivery } from "./events";
export { buildLegacyDelivery } from "./legacy-callback";
export type { LongConnection } from "./long-connection";
export * from "./long-connection-types";
export { decodeFrame, encodeFrame, type Frame, type FrameHeader } from "./pbbp2";
export { matchRoute, ROUTE_TABLE, type RouteSpec } from "./routes";
export { userIds } from "./tenant";
export * from "./types";
export { type ContentContext, checkCard, checkContent } from "./validate";

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
  // --- Drive folders (move / delete start tasks that task_check then reports) ---
  /** A folder Drive has: move/delete of it answer a task_id; `opts` sets its access, task duration, result. */
  addFolder(token: string, opts?: DriveItemOptions): void;
  /** A file (docx, sheet, ...): move/delete of it happen at once and answer `{}` (no task). */
  addFile(
    token: string,
    type?: Exclude<DriveFileType, "folder">,
    opts?: Pick<DriveItemOptions, "access">,
  ): void;
  /** The tasks folder moves and deletes started, in order. */
  driveTasks(): DriveTask[];
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
  /** The flat body of the legacy card callback (message card request URL), for deliverLegacy(). */
  legacyCardCallback(input: {
    openMessageId: string;
    chatId: string;
    operatorOpenId: string;
    value: Record<string, unknown>;
    tag?: string;
  }): LegacyCardCallback;
  /**
   * POSTs a legacy card callback (or a challenge) as Feishu does to a message card request URL: never
   * encrypted; X-Lark-Request-Timestamp/Nonce and X-Lark-Signature = SHA-1 of timestamp + nonce +
   * verification token + raw body (challenges unsigned). `opts` can omit, forge or mis-sign it.
   */
  deliverLegacy(targetUrl: string, payload: object, opts?: LegacyDeliverOptions): Promise<DeliveryResult>;
  /**
   * Feishu's re-push (after 15 s, 5 min, 1 h, 6 h; no waiting here): the same envelope again, freshly
   * encrypted and signed, with the same event_id unless opts.eventId. Throws for a challenge or a card
   * callback, which Feishu never re-pushes (use deliver() to send a duplicate anyway).
   */
  repush(targetUrl: string, envelope: object, opts?: DeliverOptions): Promise<DeliveryResult>;
  // --- long connection (WebSocket mode, for the SDK's WSClient) ---
  readonly longConnection: LongConnection;
  // --- the tenant ---
  /**
   * Declares a user of the tenant (cards may `<at>` it); returns its ids. Every open_id in an event the
   * emulator builds (sender, mentions, operators) and the bot itself are known already.
   */
  addUser(openId: string): UserIds;
  /** Declares a chat and its type (events do it too: every chat an event names keeps the event's type). */
  addChat(chatId: string, chatType: ChatType): void;
  // --- refusals that retrying never fixes (refusals.ts has the table of what each refuses) ---
  /** The bot may no longer post in this group: 230018 (group settings, default) or 230035 (speaking restricted). */
  muteChat(chatId: string, code?: (typeof MUTE_CODES)[number]): void;
  /** An external chat, and the app has no external sharing: reply/create answer 230027. */
  makeExternal(chatId: string): void;
  /** The bot is no longer in the chat: 230002 (until a botAddedEvent for that chat). */
  removeBot(chatId: string): void;
  /** The chat is dissolved: 232009 for reply, create and patch. */
  dissolveChat(chatId: string): void;
  /** The user stopped the bot from sending messages: 230053 for DMs (by open_id, or replies in the DM). */
  blockBot(openId: string): void;
  /** The user is outside the app's availability: 230013 for DMs. */
  makeUnavailable(openId: string): void;
  /** The message is recalled: replies to it and patches of it answer 230011. */
  recall(messageId: string): void;
  /** The message is deleted: replies to it and patches of it answer 230110. */
  deleteMessage(messageId: string): void;
  /** Polls fn every 20 ms until it returns something truthy (default timeout 5000 ms). */
  waitFor<T>(fn: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /**
   * Forget requests, messages, threads, tasks, Drive folders, users and chats (and their refusals), faults,
   * rate-limit windows, long-connection pushes (in-flight handles reject) and acks; the server, issued tokens,
   * listeners, open WebSocket connections and the bot's own user stay.
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
  const state = new EmulatorState(options.now, options.botOpenId);
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
    addFolder: (token, opts) => state.drive.add(token, "folder", opts),
    addFile: (token, type = "docx", opts) => state.drive.add(token, type, opts),
    driveTasks: () => [...state.drive.tasks.values()],
    get requests() {
      return state.requests;
    },
    requestsFor: (route) => state.requests.filter((r) => r.route === route),
    get messages() {
      return state.im.messages;
    },
    message: (messageId) => state.im.sent(messageId),
    repliesTo: (messageId) => state.im.messages.filter((m) => m.reply_to === messageId),
    inject: (fault) => state.inject(fault),
    clearFaults: () => state.clearFaults(),
    revokeTokens: () => state.revokeTokens(),
    expireTokens: () => state.expireTokens(),
    onRequest: (listener) => state.onRequest(listener),
    violations: () => state.requests.filter((r) => r.rateLimit !== undefined),
    messageEvent: (input) => messageEvent(state, options, input),
    botAddedEvent: (input) => botAddedEvent(state, options, input),
    cardActionEvent: (input) => cardActionEvent(state, options, input),
    challenge: (token) => challenge(options, token),
    deliver,
    legacyCardCallback: (input) => legacyCardCallback(state, input),
    deliverLegacy: (targetUrl, payload, deliverOpts) =>
      deliverLegacy(options, targetUrl, payload, deliverOpts),
    repush: (targetUrl, envelope, deliverOpts) => {
      checkRepushable(envelope);
      return deliver(targetUrl, envelope, deliverOpts);
    },
    longConnection: longConnection.api,
    addUser: (openId) => state.tenant.addUser(openId),
    addChat: (chatId, chatType) => {
      state.tenant.setChatType(chatId, chatType);
    },
    muteChat: (chatId, code = REFUSALS.GROUP_SETTINGS.code) => state.tenant.mute(chatId, code),
    makeExternal: (chatId) => {
      state.tenant.chat(chatId).external = true;
    },
    removeBot: (chatId) => {
      state.tenant.chat(chatId).botRemoved = true;
    },
    dissolveChat: (chatId) => {
      state.tenant.chat(chatId).dissolved = true;
    },
    blockBot: (openId) => {
      state.tenant.user(openId).blockedBot = true;
    },
    makeUnavailable: (openId) => {
      state.tenant.user(openId).unavailable = true;
    },
    recall: (messageId) => state.im.markGone(messageId, "recalled"),
    deleteMessage: (messageId) => state.im.markGone(messageId, "deleted"),
    waitFor: (fn, timeoutMs) => waitFor(fn, timeoutMs),
    reset: () => {
      state.reset();
      longConnection.reset();
    },
    close: () => server.close(),
  };
}
