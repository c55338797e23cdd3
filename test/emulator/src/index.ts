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
 * Store apps (`appType: "store"`): several tenants, app tickets, the store token routes (store-app.ts).
 * User authorization (OAuth: the authorization page, user tokens, refresh, revocation): `emu.oauth` (oauth.ts).
 * See README.md for routes, faults and the Feishu facts behind them.
 */

import { DEFAULT_OPTIONS, type MUTE_CODES, REFUSALS, TENANT_KEY } from "./constants";
import { startFolderTask } from "./drive";
import {
  botAddedEvent,
  buildDelivery,
  cardActionEvent,
  challenge,
  checkRepushable,
  eventTenant,
  post,
} from "./events";
import { deliverLegacy, legacyCardCallback } from "./legacy-callback";
import { createLongConnection, type LongConnection } from "./long-connection";
import { messageEvent } from "./message-event";
import { createOAuthApi } from "./oauth";
import type { OAuthApi } from "./oauth-types";
import { startServer } from "./server";
import { EmulatorState } from "./state";
import {
  appOpenEvent,
  appStatusChangeEvent,
  appTicketEvent,
  appUninstalledEvent,
  pushAppTicket,
  requireStore,
  setTenantStatus,
} from "./store-app";
import type { Tenant } from "./tenant";
import type {
  AppOpenEvent,
  AppStatus,
  AppStatusChangeEvent,
  AppTicketEvent,
  AppUninstalledEvent,
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
  LegacyCallbackInput,
  LegacyCardCallback,
  LegacyDeliverOptions,
  MessageEventInput,
  MessageReceiveEvent,
  RecordedRequest,
  RouteName,
  SentMessage,
  TaskOwner,
  TenantInfo,
  TicketInfo,
  TicketPush,
  UserIds,
  UserProfile,
  V1EventEnvelope,
} from "./types";

export type { Answer } from "./answer";
export * from "./card-html";
export * from "./card-rules";
export * from "./console";
export * from "./constants";
export { decryptBody, encryptBody, signBody, signLegacyBody } from "./crypto";
export { buildDelivery } from "./events";
export { buildLegacyDelivery } from "./legacy-callback";
export type { LongConnection } from "./long-connection";
export * from "./long-connection-types";
export * from "./oauth-types";
export { decodeFrame, encodeFrame, type Frame, type FrameHeader } from "./pbbp2";
export * from "./render";
export { matchRoute, ROUTE_TABLE, type RouteSpec } from "./routes";
export { userIds } from "./tenant";
export {
  ExpectationError,
  MessageFeed,
  sleep,
  Transcript,
  type TranscriptOptions,
  useColor,
} from "./transcript";
export * from "./types";
export { type ContentContext, checkCard, checkContent } from "./validate";

export interface Emulator {
  readonly url: string;
  readonly options: Required<EmulatorOptions>;
  // --- tasks (task_check) ---
  /**
   * Each task_check call returns the next status; the last one repeats forever. The task belongs to `owner`: a
   * tenant key (default: the default tenant), or `{tenantKey?, openId}` for a task a person started with their
   * own token (only their user token sees it; others get `hiddenTaskCode`). task_check with another tenant's
   * token answers 403 / 1061004.
   */
  setTask(taskId: string, statuses: string[], owner?: string | TaskOwner): void;
  /** From now on always this status. */
  setTaskStatus(taskId: string, status: string, owner?: string | TaskOwner): void;
  /** task_check requests received (any outcome, faults included) for that id, or in total. */
  taskCheckCount(taskId?: string): number;
  // --- Drive folders (move / delete start tasks that task_check then reports) ---
  /**
   * A folder Drive has: move/delete of it answer a task_id; `opts` sets its access, task duration, result and
   * tenant.
   */
  addFolder(token: string, opts?: DriveItemOptions): void;
  /** A file (docx, sheet, ...): move/delete of it happen at once and answer `{}` (no task). */
  addFile(
    token: string,
    type?: Exclude<DriveFileType, "folder">,
    opts?: Pick<DriveItemOptions, "access" | "tenantKey">,
  ): void;
  /** The tasks folder moves and deletes started, in order (only those of `tenantKey` when given). */
  driveTasks(tenantKey?: string): DriveTask[];
  /**
   * A person moves (into a new folder) or deletes a folder in the Drive client: a new folder and the task the
   * API would start (`taskMs`, `result` as for addFolder). Returns the task (its `task_id` is what a person
   * pastes into `/status`).
   */
  startFolderTask(
    operation: "move" | "delete",
    opts?: Pick<DriveItemOptions, "taskMs" | "result" | "tenantKey">,
  ): DriveTask;
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
  /**
   * Calls `listener(record)` right after a request was answered (`status` and `response` set; never for a
   * hung request). Returns the unsubscribe function. For live views (the console). Errors as onRequest.
   */
  onAnswer(listener: (record: RecordedRequest) => void): () => void;
  /** Requests refused by an enforced rate limit (230020 / 99991400 from the emulator, not from a fault). */
  violations(): RecordedRequest[];
  // --- events to the bot ---
  messageEvent(input: MessageEventInput): EventEnvelope<MessageReceiveEvent>;
  /** The bot joined the chat (again); `tenantKey` defaults to the chat's tenant. */
  botAddedEvent(input: {
    chatId: string;
    operatorOpenId: string;
    tenantKey?: string;
  }): EventEnvelope<BotAddedEvent>;
  /** A card click; `tenantKey` (header and operator) defaults to the tenant of the message or chat. */
  cardActionEvent(input: {
    openMessageId: string;
    chatId: string;
    operatorOpenId: string;
    value: Record<string, unknown>;
    tenantKey?: string;
  }): EventEnvelope<CardActionEvent>;
  challenge(token?: string): Record<string, unknown>;
  deliver(targetUrl: string, payload: object, opts?: DeliverOptions): Promise<DeliveryResult>;
  /** The flat body of the legacy card callback (message card request URL), for deliverLegacy(). */
  legacyCardCallback(input: LegacyCallbackInput): LegacyCardCallback;
  /**
   * POSTs a legacy card callback (or a challenge) as Feishu does to a message card request URL: never
   * encrypted; X-Lark-Request-Timestamp/Nonce and X-Lark-Signature = SHA-1 of timestamp + nonce +
   * verification token + raw body (challenges unsigned). `opts` can omit, forge or mis-sign it.
   */
  deliverLegacy(targetUrl: string, payload: object, opts?: LegacyDeliverOptions): Promise<DeliveryResult>;
  /**
   * Feishu's re-push (after 15 s, 5 min, 1 h, 6 h; no waiting here): the same envelope again, freshly
   * encrypted and signed, with the same event_id (v1: uuid) unless opts.eventId. Throws for a challenge or a
   * card callback, which Feishu never re-pushes (use deliver() to send a duplicate anyway).
   */
  repush(targetUrl: string, envelope: object, opts?: DeliverOptions): Promise<DeliveryResult>;
  // --- long connection (WebSocket mode, for the SDK's WSClient) ---
  readonly longConnection: LongConnection;
  // --- the tenant(s) ---
  /**
   * Declares a user of the tenant (default: the default tenant; cards may `<at>` it), with names for user_info
   * and the authorization page; returns its ids. Every open_id in an event the emulator builds (sender,
   * mentions, operators) and the bot itself are known already.
   */
  addUser(openId: string, tenantKey?: string, profile?: UserProfile): UserIds;
  // --- user authorization (OAuth): the authorization page, user tokens, refresh, revocation ---
  readonly oauth: OAuthApi;
  /**
   * Declares a chat of a tenant (default: the chat's tenant, else the default one) and its type (events do it
   * too: every chat an event names keeps the event's type). Throws for a chat of another tenant.
   */
  addChat(chatId: string, chatType: ChatType, tenantKey?: string): void;
  // --- refusals that retrying never fixes (refusals.ts has the table of what each refuses) ---
  /** The bot may no longer post in this group: 230018 (group settings, default) or 230035 (speaking restricted). */
  muteChat(chatId: string, code?: (typeof MUTE_CODES)[number]): void;
  /** The group lets the bot post again. */
  unmuteChat(chatId: string): void;
  /** An external chat, and the app has no external sharing: reply/create answer 230027. */
  makeExternal(chatId: string): void;
  /** The bot is no longer in the chat: 230002 (until a botAddedEvent for that chat). */
  removeBot(chatId: string): void;
  /** The chat is dissolved: 232009 for reply, create and patch. */
  dissolveChat(chatId: string): void;
  /**
   * The user stopped the bot from sending messages: 230053 for DMs (by open_id, or replies in the DM). The user
   * of `tenantKey`, default the default tenant's, else the first tenant that knows the open_id.
   */
  blockBot(openId: string, tenantKey?: string): void;
  /** The user is outside the app's availability: 230013 for DMs (tenant as for blockBot). */
  makeUnavailable(openId: string, tenantKey?: string): void;
  // --- store apps (appType "store"): tenants, tickets, install lifecycle; each throws for a self-built app ---
  /**
   * A tenant installs the store app (or installs it again after an uninstall or stop): it gets
   * tenant_access_tokens, its own users, chats, messages, tasks and rate-limit windows. `botOpenId`: the bot's
   * open_id there (default options.botOpenId; whether Feishu gives one bot one open_id across tenants is not
   * documented [?]).
   */
  addTenant(tenantKey: string, opts?: { botOpenId?: string }): void;
  /** Every tenant (the default one first): key, status, the bot's open_id. */
  tenants(): TenantInfo[];
  /**
   * The tenant removes the app: its tenant tokens are revoked (99991663) and the store tenant_access_token
   * route refuses it (10003 [?]) until addTenant() or appOpenEvent / a start_by_tenant status change.
   */
  uninstallTenant(tenantKey: string): void;
  /** The current app ticket (one per app); a new one when none is valid. */
  currentTicket(): string;
  /** A new current ticket; the previous one is still accepted for `ticketGraceMs` (emulator clock). Not pushed. */
  rotateTicket(): string;
  /** Every ticket so far answers 10012 from now on; the next currentTicket() (or push) is a new one. */
  expireTickets(): void;
  /** Every ticket issued so far, with whether app_access_token accepts it now. */
  tickets(): TicketInfo[];
  /** The v1 `app_ticket` event carrying the current ticket. */
  appTicketEvent(): V1EventEnvelope<AppTicketEvent>;
  /** POSTs the app_ticket event (current ticket) to `url` like every event (encrypted, signed); recorded. */
  pushAppTicket(url: string, opts?: DeliverOptions): Promise<DeliveryResult>;
  /** Where app_ticket/resend pushes the ticket (options.ticketPushUrl); "" = nowhere. */
  setTicketPushUrl(url: string): void;
  /** Every app_ticket push so far (pushAppTicket and resend), in order. */
  readonly ticketPushes: TicketPush[];
  /** v1 `app_open`: the tenant is added (installed). */
  appOpenEvent(input: {
    tenantKey: string;
    applicants?: string[];
    installerOpenId?: string;
    installerEmployeeOpenId?: string;
    botOpenId?: string;
  }): V1EventEnvelope<AppOpenEvent>;
  /** v1 `app_status_change`: stop_* stops the app in the tenant (no tokens), start_by_tenant starts it again. */
  appStatusChangeEvent(input: {
    tenantKey: string;
    status: AppStatus;
    operatorOpenId?: string;
  }): V1EventEnvelope<AppStatusChangeEvent>;
  /** v1 `app_uninstalled`: the tenant is uninstalled (as uninstallTenant). */
  appUninstalledEvent(input: { tenantKey: string }): V1EventEnvelope<AppUninstalledEvent>;
  /** The message is recalled: replies to it and patches of it answer 230011. */
  recall(messageId: string): void;
  /** The message is deleted: replies to it and patches of it answer 230110. */
  deleteMessage(messageId: string): void;
  /** Polls fn every 20 ms until it returns something truthy (default timeout 5000 ms). */
  waitFor<T>(fn: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /**
   * Forget requests, messages, threads, tasks, Drive folders, users and chats (and their refusals), faults,
   * rate-limit windows, ticket pushes, long-connection pushes (in-flight handles reject) and acks, the
   * refresh-token journal; the server, issued tokens (user tokens, grants and codes too), the redirect whitelist
   * and refresh switch, tickets, tenants (and their status), the ticket push URL, listeners, open WebSocket
   * connections and each tenant's bot user stay.
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
  const state = new EmulatorState(options.now, options.botOpenId, TENANT_KEY, options.ticketGraceMs, options);
  state.ticketPushUrl = options.ticketPushUrl;
  const oauth = createOAuthApi(state, options, () => server.url);
  const longConnection = createLongConnection(state, options);
  const server = await startServer(state, options, longConnection.host);
  const deliver = (targetUrl: string, payload: object, deliverOpts?: DeliverOptions) => {
    const { body, headers } = buildDelivery(options, payload, deliverOpts);
    return post(targetUrl, body, headers);
  };
  const tenant = (tenantKey: string | undefined, who: string): Tenant =>
    tenantKey === undefined ? state.tenants.default : state.tenants.require(tenantKey, who);
  /** The tenant of a user: `tenantKey`, else the default tenant if it knows the user, else the first that does. */
  const userTenant = (openId: string, tenantKey: string | undefined, who: string): Tenant => {
    if (tenantKey !== undefined || state.tenants.default.isKnownUser(openId)) return tenant(tenantKey, who);
    return state.tenants.all().find((t) => t.isKnownUser(openId)) ?? state.tenants.default;
  };
  /** A scripted task's owner: a tenant key, or a person (of their tenant). */
  const taskOwner = (owner: string | TaskOwner | undefined) => {
    if (typeof owner !== "object") return { tenantKey: tenant(owner, "setTask").key };
    const t =
      owner.openId === undefined
        ? tenant(owner.tenantKey, "setTask")
        : userTenant(owner.openId, owner.tenantKey, "setTask");
    return { tenantKey: t.key, openId: owner.openId };
  };
  const setTask = (taskId: string, statuses: string[], owner: string | TaskOwner | undefined) => {
    const { tenantKey, openId } = taskOwner(owner);
    state.setTask(taskId, statuses, tenantKey, openId);
  };
  const store = <T>(who: string, fn: () => T): T => {
    requireStore(options, who);
    return fn();
  };

  return {
    url: server.url,
    options,
    setTask: (taskId, statuses, owner) => setTask(taskId, statuses, owner),
    setTaskStatus: (taskId, status, owner) => setTask(taskId, [status], owner),
    taskCheckCount: (taskId) => state.taskCheckCount(taskId),
    addFolder: (token, opts) =>
      state.drive.add(token, "folder", tenant(opts?.tenantKey, "addFolder").key, opts),
    addFile: (token, type = "docx", opts) =>
      state.drive.add(token, type, tenant(opts?.tenantKey, "addFile").key, opts),
    driveTasks: (tenantKey) =>
      [...state.drive.tasks.values()].filter(
        (t) => tenantKey === undefined || state.drive.taskTenant(t.task_id) === tenantKey,
      ),
    startFolderTask: (operation, opts) =>
      startFolderTask(state, options, tenant(opts?.tenantKey, "startFolderTask"), operation, opts),
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
    onAnswer: (listener) => state.onAnswer(listener),
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
    addUser: (openId, tenantKey, profile) => tenant(tenantKey, "addUser").addUser(openId, profile),
    oauth,
    addChat: (chatId, chatType, tenantKey) => {
      eventTenant(state, "addChat", { chatId, tenantKey }).setChatType(chatId, chatType);
    },
    muteChat: (chatId, code = REFUSALS.GROUP_SETTINGS.code) =>
      state.tenants.forChat(chatId).mute(chatId, code),
    unmuteChat: (chatId) => {
      state.tenants.forChat(chatId).chat(chatId).muted = undefined;
    },
    makeExternal: (chatId) => {
      state.tenants.forChat(chatId).chat(chatId).external = true;
    },
    removeBot: (chatId) => {
      state.tenants.forChat(chatId).chat(chatId).botRemoved = true;
    },
    dissolveChat: (chatId) => {
      state.tenants.forChat(chatId).chat(chatId).dissolved = true;
    },
    blockBot: (openId, tenantKey) => {
      userTenant(openId, tenantKey, "blockBot").user(openId).blockedBot = true;
    },
    makeUnavailable: (openId, tenantKey) => {
      userTenant(openId, tenantKey, "makeUnavailable").user(openId).unavailable = true;
    },
    addTenant: (tenantKey, opts) => {
      store("addTenant", () => state.tenants.add(tenantKey, opts?.botOpenId));
    },
    tenants: () =>
      state.tenants.all().map((t) => ({ tenant_key: t.key, status: t.status, bot_open_id: t.botOpenId })),
    uninstallTenant: (tenantKey) =>
      store("uninstallTenant", () =>
        setTenantStatus(state, state.tenants.require(tenantKey, "uninstallTenant"), "uninstalled"),
      ),
    currentTicket: () => store("currentTicket", () => state.tickets.current()),
    rotateTicket: () => store("rotateTicket", () => state.tickets.rotate()),
    expireTickets: () => store("expireTickets", () => state.tickets.expireAll()),
    tickets: () => state.tickets.all(),
    appTicketEvent: () => appTicketEvent(state, options),
    pushAppTicket: (url, opts) => pushAppTicket(state, options, url, "push", opts),
    setTicketPushUrl: (url) => {
      state.ticketPushUrl = url;
    },
    get ticketPushes() {
      return state.ticketPushes;
    },
    appOpenEvent: (input) => appOpenEvent(state, options, input),
    appStatusChangeEvent: (input) => appStatusChangeEvent(state, options, input),
    appUninstalledEvent: (input) => appUninstalledEvent(state, options, input),
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
