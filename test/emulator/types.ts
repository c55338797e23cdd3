/**
 * Public types of the loopback Feishu Open Platform emulator (constants live in constants.ts).
 */

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
  /** default "self_built"; a "store" app is refused the long connection (403 forbidden, fatal in the SDK). */
  appType?: "self_built" | "store";
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
}

/** The option whose limit refused a call. */
export type RateLimitName =
  | "patchPerSecondPerMessage"
  | "messagesPerSecondPerChat"
  | "messageApiPerSecond"
  | "messageApiPerMinute"
  | "taskCheckPerSecond";

/** `ws_endpoint` is the long connection's endpoint discovery; `ws_upgrade` its WebSocket handshake on /ws. */
export type RouteName =
  | "token"
  | "bot_info"
  | "task_check"
  | "reply"
  | "create"
  | "patch"
  | "ws_endpoint"
  | "ws_upgrade";

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
  /** Date.now() at arrival. */
  at: number;
  /** true when an injected fault applied to this request. */
  fault?: boolean;
  /** The enforced rate limit that refused this request (never set for a fault's answer). */
  rateLimit?: RateLimitName;
  /** afterHandling + hang: what the emulator did and would have answered, though it never answers. */
  withheld?: { status: number; response: unknown };
}

export interface CardPatch {
  at: number;
  content: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed card JSON, free-form by nature; tests drill into it.
  card: any;
}

export interface SentMessage {
  message_id: string;
  chat_id: string;
  msg_type: string;
  /** Current content (updated by successful patches). */
  content: string;
  /** Parsed current card when msg_type is interactive. */
  // biome-ignore lint/suspicious/noExplicitAny: parsed card JSON, free-form by nature; tests drill into it.
  card?: any;
  /** The text when msg_type is text. */
  text?: string;
  uuid?: string;
  /** The message replied to (reply route only). */
  reply_to?: string;
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

export interface MessageEventInput {
  chatType: "p2p" | "group";
  /** Default: per-sender "oc_..." for p2p, a random "oc_..." for group. */
  chatId?: string;
  text?: string;
  /** Default "text". */
  messageType?: string;
  /** Raw content override (a JSON string). */
  content?: string;
  senderOpenId?: string;
  /** Default "user". */
  senderType?: "user" | "app";
  mentions?: Array<{ key: string; openId: string; name: string }>;
  /** Convenience: prefix the text with "@_user_1 " and add the bot as mention @_user_1. */
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
  /** Override header.event_id (a re-push with a new event_id). */
  eventId?: string;
  /** Override header.token (or token of a challenge). */
  token?: string;
  headers?: Record<string, string>;
  /** Send exactly this body instead (the signature, if any, is computed over it). */
  rawBody?: string;
}

export interface DeliveryResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the bot's answer, parsed when JSON; tests drill into it.
  body: any;
  text: string;
  ms: number;
}
