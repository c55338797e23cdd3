/**
 * Public types of the loopback Feishu Open Platform emulator (constants live in constants.ts).
 */
import type { RouteName } from "./routes";

/** A route of the table in routes.ts (the name requestsFor() and faults use). */
export type { RouteName };

export interface EmulatorOptions {
  /** default "cli_a1b2c3d4e5f60718" */
  appId?: string;
  /** default "emulator-secret" */
  appSecret?: string;
  /** default "ou_bot0000000000000000000000000000" */
  botOpenId?: string;
  /** default "Task Bot" */
  botName?: string;
  /** Used by deliver(); empty = plain JSON bodies, no signature. */
  encryptKey?: string;
  /** Put in header.token of delivered events. */
  verificationToken?: string;
  /** default 7200 */
  tokenTtlSeconds?: number;
  /** default 5 (Feishu: "单条消息更新频控为 5 QPS"): PATCH of one message → 400 / 230020. 0 = no limit. */
  patchPerSecondPerMessage?: number;
  /** default 5: reply + create into one chat within any sliding second → 400 / 230020. 0 = no limit. */
  messagesPerSecondPerChat?: number;
  /** default 50: reply + create + patch of the app per sliding second → 429 / 99991400. 0 = no limit. */
  messageApiPerSecond?: number;
  /** default 1000: the same per sliding minute → 429 / 99991400. 0 = no limit. */
  messageApiPerMinute?: number;
  /** default 0 = no limit (Feishu does not publish it); > 0: task_check per sliding second → 429 / 99991400. */
  taskCheckPerSecond?: number;
  /** TCP port on 127.0.0.1; default 0 = a free port chosen by the system (`npm run emulator` uses 9000). */
  port?: number;
  /**
   * default "self_built" (one tenant, `tenant_access_token/internal`). "store" (ISV, 商店应用): several tenants
   * (addTenant), app tickets, `app_access_token` + `tenant_access_token` per tenant; refused the long
   * connection (403 forbidden, fatal in the SDK).
   */
  appType?: "self_built" | "store";
  /** Store apps: where app_ticket/resend pushes the ticket (the event request URL); "" (default) = nowhere. */
  ticketPushUrl?: string;
  /**
   * Store apps: how long (emulator clock) a ticket replaced by rotateTicket() is still accepted by
   * app_access_token. Not documented by Feishu [?]; default 3_600_000 (one push interval).
   */
  ticketGraceMs?: number;
  // --- long connection (long-connection.ts); the four ClientConfig values are seconds, fractions allowed ---
  /** ClientConfig.PingInterval, default 5 (the SDK pings this often; Feishu's value is not published). */
  wsPingIntervalSeconds?: number;
  /** ClientConfig.ReconnectCount, default -1 (the SDK retries forever). */
  wsReconnectCount?: number;
  /** ClientConfig.ReconnectInterval, default 0.5 (the SDK's wait between failed reconnect attempts). */
  wsReconnectIntervalSeconds?: number;
  /** ClientConfig.ReconnectNonce, default 0.2 (the SDK waits random() * this before reconnecting). */
  wsReconnectNonceSeconds?: number;
  /** default 3000 (Feishu: 3 s): a push not acked with code 200 within this is re-pushed. */
  wsAckTimeoutMs?: number;
  /** default Feishu's webhook ladder [15 s, 5 min, 1 h, 6 h]: the waits before each re-push. */
  wsRepushDelaysMs?: readonly number[];
  /** default 50 (Feishu's cap per app): one more is refused with exceed_conn_limit. */
  wsMaxConnections?: number;
  /**
   * The emulator clock, in ms since the epoch; default `Date.now()`. Every time the emulator reads goes
   * through it: token expiry, the uuid window, rate-limit windows, message create times and age, task
   * durations, event `create_time` and the signature timestamp. Tests can age messages or end tasks with it.
   */
  now?: () => number;
  /** Drive move/delete: take every token the emulator does not know for a folder. Default false. */
  knowAllFolders?: boolean;
  /** How long (emulator clock) a folder move/delete task reports `process` before it ends; default 3000. */
  driveTaskMs?: number;
  // --- user authorization (OAuth; oauth*.ts) ---
  /**
   * The app's redirect URL whitelist (console: 安全设置 → 重定向 URL); `?` and `#` suffixes are ignored when
   * matching. Default [] (nothing: the page shows 2000 `redirect_uri unmatch`); `oauth.allowRedirectUri` adds one.
   */
  redirectUris?: readonly string[];
  /**
   * Scopes enabled for the app on the user-identity tab; the page refuses others (20027). Default
   * `offline_access`, `drive:drive`, `drive:drive:readonly`, `drive:drive.metadata:readonly`.
   */
  userScopes?: readonly string[];
  /** Lifetime of a user_access_token (`expires_in`), seconds; default 7200 (Feishu's). */
  userTokenTtlSeconds?: number;
  /** Lifetime of a refresh token (`refresh_token_expires_in`), seconds; default 604800 (Feishu's example). */
  refreshTokenTtlSeconds?: number;
  /** The console's "刷新 user_access_token" switch; false → refreshing answers 20074. Default true. */
  refreshEnabled?: boolean;
  /**
   * What task_check answers for a task a person started with their own token, to the app's token and to anyone
   * but that person: 1061003 (404 not found, default), 1061004 (403 forbidden) or 1062501 (403). Not
   * documented [?].
   */
  hiddenTaskCode?: 1061003 | 1061004 | 1062501;
  /** default 50 (Feishu): each OAuth token endpoint per sliding second → 429 / 99991400. 0 = no limit. */
  oauthTokenPerSecond?: number;
  /** default 1000 (Feishu): the same per sliding minute. 0 = no limit. */
  oauthTokenPerMinute?: number;
}

/** Whose a scripted task is: a tenant's (the app's), or a person's who started it with their own token. */
export interface TaskOwner {
  /** Default: the default tenant (or the tenant that knows `openId`). */
  tenantKey?: string;
  /** A person: only their user token sees the task; the app's token and others get `hiddenTaskCode`. */
  openId?: string;
}

export type DriveFileType =
  | "file"
  | "docx"
  | "bitable"
  | "doc"
  | "sheet"
  | "mindnote"
  | "folder"
  | "shortcut"
  | "slides";

/** How addFolder()/addFile() items behave under move and delete. */
export interface DriveItemOptions {
  /** "forbidden": 403 / 1061004; "auth_failed": 401 / 1061005. Default "ok". */
  access?: "ok" | "forbidden" | "auth_failed";
  /** Folders: how long the task reports `process` (default options.driveTaskMs). */
  taskMs?: number;
  /** Folders: how the task ends; default "success". */
  result?: "success" | "fail";
  /** The tenant whose Drive has it (default: the default tenant); another tenant's token gets 403 / 1061004 [?]. */
  tenantKey?: string;
}

/** An asynchronous folder move or delete, as task_check reports it. */
export interface DriveTask {
  task_id: string;
  operation: "move" | "delete";
  file_token: string;
  /** move: the target folder. */
  folder_token?: string;
  started_at: number;
  /** The person whose user token started it (only they see it); absent for the app's own tasks. */
  owner_open_id?: string;
  /** task_check answers `process` before this moment (emulator clock), `result` from it on. */
  ends_at: number;
  result: "success" | "fail";
}

/** The option whose limit refused a call. */
export type RateLimitName =
  | "patchPerSecondPerMessage"
  | "messagesPerSecondPerChat"
  | "messageApiPerSecond"
  | "messageApiPerMinute"
  | "taskCheckPerSecond"
  | "oauthTokenPerSecond"
  | "oauthTokenPerMinute";

export interface RecordedRequest {
  route: RouteName | "unknown";
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw string when it is not JSON; undefined when empty. */
  body: unknown;
  /** HTTP status answered; 0 while not answered yet (delayed or hanging). */
  status: number;
  /** Body answered (parsed); undefined while not answered yet. */
  response: unknown;
  /** The emulator clock (options.now) at arrival. */
  at: number;
  /** true when an injected fault applied to this request. */
  fault?: boolean;
  /** The enforced rate limit that refused this request (never set for a fault's answer). */
  rateLimit?: RateLimitName;
  /** The tenant the call acted in: its bearer token's (routes that need one). Rate limits count per tenant. */
  tenantKey?: string;
  /** The person whose user_access_token the call carried (routes that take one). */
  userOpenId?: string;
  /** afterHandling + hang: what the emulator did and would have answered, though it never answers. */
  withheld?: { status: number; response: unknown };
}

/** A text element of a card: header title/subtitle, button text, tag text (`plain_text` / `lark_md`). */
export interface CardText {
  tag?: string;
  content?: string;
  i18n_content?: Record<string, string>;
  [field: string]: unknown;
}

/** A card component (`markdown`, `button`, `column_set`, ...). */
export interface CardElement {
  tag?: string;
  element_id?: string;
  content?: string;
  text?: CardText;
  elements?: CardElement[];
  columns?: CardElement[];
  [field: string]: unknown;
}

/**
 * A card as the emulator parsed it (JSON 2.0, or 1.0 with top-level `elements`): the fields tests read are
 * typed, anything else is `unknown`. The emulator has validated it (validate.ts) before keeping it.
 */
export interface CardJson {
  schema?: string;
  config?: { update_multi?: boolean; locales?: string[]; [field: string]: unknown };
  header?: {
    title?: CardText;
    subtitle?: CardText;
    template?: string;
    text_tag_list?: Array<{ tag?: string; text?: CardText; color?: string; [field: string]: unknown }>;
    [field: string]: unknown;
  };
  body?: { elements?: CardElement[]; [field: string]: unknown };
  /** JSON 1.0 cards. */
  elements?: CardElement[];
  [field: string]: unknown;
}

export interface CardPatch {
  at: number;
  content: string;
  card: CardJson;
}

export interface SentMessage {
  message_id: string;
  chat_id: string;
  /** The tenant it was sent in (the tenant of the token that sent it). */
  tenant_key: string;
  msg_type: string;
  /** Current content (updated by successful patches). */
  content: string;
  /** Parsed current card when msg_type is interactive. */
  card?: CardJson;
  /** The text when msg_type is text. */
  text?: string;
  uuid?: string;
  /** The message replied to (reply route only). */
  reply_to?: string;
  /** The first message of its reply chain or thread (absent for a message that starts one). */
  root_id?: string;
  /**
   * The thread (topic) it was posted in, "omt_...": a reply to a message in a thread, a reply with
   * `reply_in_thread: true`, or any message into a topic group (a `create` there opens a new topic).
   * Set later too, when someone replies to it in a new thread.
   */
  thread_id?: string;
  receive_id?: string;
  receive_id_type?: string;
  created_at: number;
  patches: CardPatch[];
}

/**
 * ws_endpoint faults work as for any route (longConnection.injectEndpointFault builds them). ws_upgrade faults
 * act on the WebSocket handshake: status/code/body → refused with that answer, hang → never answered,
 * delayMs → answered late (see longConnection.refuseUpgrades).
 */
export interface Fault {
  route: RouteName;
  status?: number;
  code?: number;
  msg?: string;
  headers?: Record<string, string>;
  /** Default 1; Infinity allowed. */
  count?: number;
  /** Answer normally but late (or with status/code/body after the delay if set too). */
  delayMs?: number;
  /** Never answer (until close()). */
  hang?: boolean;
  /**
   * Handle the request normally at once (create the message, apply the patch, consume a task status),
   * then: with hang, never answer; with delayMs, answer late; with status/code/body, answer that instead.
   */
  afterHandling?: boolean;
  /** task_check only: match only this task id. */
  taskId?: string;
  /** patch/reply only: match only this message id. */
  messageId?: string;
  /** Exact body to answer instead of {code,msg}: a string is sent verbatim, anything else as JSON. */
  body?: unknown;
}

/**
 * A chat's type as events carry it. `topic_group` (话题群, from the official Go SDK's model): every message
 * lives in a topic (thread).
 */
export type ChatType = "p2p" | "group" | "topic_group";

export type PostStyle = "bold" | "underline" | "lineThrough" | "italic";

/** One element of a rich-text (`post`) paragraph, as `im.message.receive_v1` carries it. */
export type PostElement =
  | { tag: "text"; text: string; style?: PostStyle[]; un_escape?: boolean }
  | { tag: "a"; text: string; href: string; style?: PostStyle[] }
  /** `user_id` is the mention key ("@_user_1"), resolved by the event's `mentions[]`. */
  | { tag: "at"; user_id: string; user_name?: string; style?: PostStyle[] }
  | { tag: "img"; image_key: string; width?: number; height?: number }
  | { tag: "media"; file_key: string; image_key?: string }
  | { tag: "emotion"; emoji_type: string }
  | { tag: "code_block"; language?: string; text: string }
  | { tag: "hr" }
  | { tag: "md"; text: string };

/** A rich-text message: a title and paragraphs, each an array of elements. */
export interface PostInput {
  /** Default "". */
  title?: string;
  paragraphs: PostElement[][];
}

export interface MessageEventInput {
  /** The chat's type; remembered for the chat (a `create` into a topic group opens a new topic). */
  chatType: ChatType;
  /**
   * The tenant the event is for (`header.tenant_key`; the chat and message belong to it). Default: the tenant of
   * `threadOf`'s message or of `chatId` when known, else the default tenant.
   */
  tenantKey?: string;
  /** `sender.tenant_key` (and of the sender's mentions): another tenant for an external user. Default tenantKey. */
  senderTenantKey?: string;
  /** Default: per-sender "oc_..." for p2p, a random "oc_..." otherwise; the thread's chat with threadOf. */
  chatId?: string;
  text?: string;
  /** A rich-text message (message_type "post"); with mentionBot, an `at` of the bot opens it. */
  post?: PostInput;
  /** Default "post" with `post`, else "text". */
  messageType?: string;
  /** Raw content override (a JSON string). */
  content?: string;
  /**
   * A message id the emulator knows: the new message is posted in its thread (topic), which starts at that
   * message when it had none (as a user's "reply in thread"). Without it, a message into a topic group
   * opens a new topic.
   */
  threadOf?: string;
  senderOpenId?: string;
  /** Default "user". */
  senderType?: "user" | "app";
  mentions?: Array<{ key: string; openId: string; name: string }>;
  /**
   * Convenience: add the bot as mention @_user_1 and name it first: "@_user_1 " before the text, or an
   * `{"tag":"at","user_id":"@_user_1"}` element opening a post.
   */
  mentionBot?: boolean;
  /** Default random "om_...". */
  messageId?: string;
  eventId?: string;
}

export interface EventHeader {
  event_id: string;
  event_type: string;
  create_time: string;
  token: string;
  app_id: string;
  tenant_key: string;
}

export interface UserIds {
  open_id: string;
  union_id: string;
  user_id: string;
}

/** A person's names, as user_info answers them (default: derived from the open_id). */
export interface UserProfile {
  name?: string;
  enName?: string;
}

export interface MessageMention {
  key: string;
  id: UserIds;
  name: string;
  tenant_key: string;
}

export interface MessageReceiveEvent {
  sender: { sender_id: UserIds; sender_type: string; tenant_key: string };
  message: {
    message_id: string;
    root_id: string;
    parent_id: string;
    create_time: string;
    update_time: string;
    chat_id: string;
    thread_id: string;
    chat_type: string;
    message_type: string;
    content: string;
    mentions?: MessageMention[];
  };
}

export interface BotAddedEvent {
  chat_id: string;
  operator_id: UserIds;
  external: boolean;
  operator_tenant_key: string;
  name: string;
}

export interface CardActionEvent {
  operator: UserIds & { tenant_key: string };
  token: string;
  action: { value: Record<string, unknown>; tag: string };
  host: string;
  context: { open_message_id: string; open_chat_id: string };
}

/** A v1 event (app_ticket, app_uninstalled, app_status_change, app_open): no schema, no header. */
export interface V1EventEnvelope<E = Record<string, unknown>> {
  /** Send time, seconds with a fraction, as a string ("1502199207.7171419"). */
  ts: string;
  /** The event's unique id. */
  uuid: string;
  /** The verification token. */
  token: string;
  type: "event_callback";
  event: E;
}

export interface AppTicketEvent {
  app_id: string;
  app_ticket: string;
  type: "app_ticket";
}

export interface AppUninstalledEvent {
  app_id: string;
  tenant_key: string;
  type: "app_uninstalled";
}

export type AppStatus = "start_by_tenant" | "stop_by_tenant" | "stop_by_platform";

export interface AppStatusChangeEvent {
  app_id: string;
  tenant_key: string;
  type: "app_status_change";
  status: AppStatus;
  /** Only with start_by_tenant (store apps get no user_id). */
  operator?: { open_id: string; union_id: string };
}

export interface AppOpenEvent {
  app_id: string;
  tenant_key: string;
  type: "app_open";
  applicants: Array<{ open_id: string }>;
  /** When an admin installed it. */
  installer?: { open_id: string };
  /** When a member installed it. */
  installer_employee?: { open_id: string };
}

/** A tenant of the emulator: its key, install status and the bot's open_id there. */
export interface TenantInfo {
  tenant_key: string;
  status: "installed" | "stopped" | "uninstalled";
  bot_open_id: string;
}

/** A store app's ticket, as ticketInfo() lists it. */
export interface TicketInfo {
  ticket: string;
  issued_at: number;
  /** When rotateTicket() (or a new ticket after expireTickets) replaced it. */
  superseded_at?: number;
  /** Whether app_access_token accepts it now. */
  valid: boolean;
}

/** One app_ticket push (pushAppTicket, or the push app_ticket/resend triggers). */
export interface TicketPush {
  url: string;
  ticket: string;
  /** The emulator clock when it was sent. */
  at: number;
  via: "push" | "resend";
  /** The bot's HTTP status; 0 while pending or when the POST failed (then `error`). */
  status: number;
  error?: string;
}

/** The flat, never-encrypted body of the legacy card callback (message card request URL). */
export interface LegacyCardCallback {
  open_id: string;
  user_id: string;
  open_message_id: string;
  open_chat_id: string;
  tenant_key: string;
  /** The update token, "c-...". */
  token: string;
  action: { value: Record<string, unknown>; tag: string };
}

/** What a legacy card callback says: the clicked card, who clicked, the button's value. */
export interface LegacyCallbackInput {
  openMessageId: string;
  chatId: string;
  operatorOpenId: string;
  value: Record<string, unknown>;
  /** Default "button". */
  tag?: string;
  /** Default: the tenant of the clicked message. */
  tenantKey?: string;
}

export interface LegacyDeliverOptions {
  /** Default true, except for a url_verification challenge (never signed). */
  sign?: boolean;
  /** Sign with this verification token instead of options.verificationToken (a wrong token). */
  verificationToken?: string;
  /** Send exactly this X-Lark-Signature (a forged signature). */
  signature?: string;
  headers?: Record<string, string>;
  /** Send exactly this body instead (the signature, unless forged, is computed over it). */
  rawBody?: string;
}

export interface EventEnvelope<E = Record<string, unknown>> {
  schema: "2.0";
  header: EventHeader;
  event: E;
}

export interface DeliverOptions {
  /** Default: true when encryptKey is set. */
  encrypt?: boolean;
  /** Default: true when encryptKey is set, except for url_verification (Feishu never signs it). */
  sign?: boolean;
  /** Override header.event_id (a re-push with a new event_id); a v1 event's uuid. */
  eventId?: string;
  /** Override header.token (or token of a challenge). */
  token?: string;
  headers?: Record<string, string>;
  /** Send exactly this body instead (the signature, if any, is computed over it). */
  rawBody?: string;
}

/** What a bot answers to a card callback (feishu-protocol.md §6): `{}`, a toast and/or a new card. */
export interface CardCallbackAnswer {
  toast?: { type?: string; content?: string; i18n?: Record<string, string> };
  card?: { type?: string; data?: CardJson };
}

export interface DeliveryResult {
  status: number;
  /** The bot's answer, parsed when JSON (else undefined; `text` has it raw). */
  body: unknown;
  text: string;
  ms: number;
}
