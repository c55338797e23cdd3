/**
 * Feishu constants of the emulator: every Feishu fact it relies on (error codes, HTTP statuses, limits)
 * lives here, in one place. Sources are listed in README.md.
 */
import type { EmulatorOptions } from "./types";

/** Feishu re-pushes an event not answered 200 within 3 s after 15 s, 5 min, 1 h and 6 h. */
export const REPUSH_DELAYS_MS = [15_000, 5 * 60_000, 60 * 60_000, 6 * 60 * 60_000] as const;

/**
 * Long-connection (WebSocket) mode, as the SDK's WSClient 1.74.0 speaks it (reference: long-connection.md).
 * [DOC] Feishu's docs, [SDK] read in the SDK, [?] the emulator's assumption or choice.
 */
export const WS = {
  /** [SDK] `${domain}/callback/ws/endpoint`, POST {AppID, AppSecret}, no bearer token. */
  ENDPOINT_PATH: "/callback/ws/endpoint",
  /** [?] Feishu's real path is not known; the SDK opens whatever URL the endpoint answers. */
  PATH: "/ws",
  /** [?] Any number works: the SDK echoes Number(service_id) in every ping. */
  SERVICE_ID: 7,
  /** [DOC] "each app can have at most 50 connections". */
  MAX_CONNECTIONS: 50,
  /** [DOC] The handler must finish within 3 s, else the event is re-pushed. */
  ACK_TIMEOUT_MS: 3000,
  /**
   * [?] HTTP status of a refused handshake (unknown device_id, or over the cap after discovery): not documented;
   * the Go/Python SDKs read Handshake-* headers from it, the Node SDK only sees a failed connect and retries.
   */
  HANDSHAKE_REFUSED_STATUS: 403,
  /** [SDK] pbbp2.Frame.method. */
  METHOD_CONTROL: 0,
  METHOD_DATA: 1,
  /** [SDK] The ack payload's code: 200 when the handler resolved, 500 when it threw. */
  ACK_OK: 200,
  /**
   * [DOC] New-style callbacks that may travel over the long connection; Feishu never re-pushes a callback
   * ("不提供补推机制"). A `type=card` frame is a callback too.
   */
  CALLBACK_EVENT_TYPES: ["card.action.trigger", "url.preview.get"],
} as const;

export const DEFAULT_OPTIONS: Required<EmulatorOptions> = {
  appId: "cli_a1b2c3d4e5f60718",
  appSecret: "emulator-secret",
  botOpenId: "ou_bot0000000000000000000000000000",
  botName: "Task Bot",
  encryptKey: "",
  verificationToken: "",
  tokenTtlSeconds: 7200,
  patchPerSecondPerMessage: 5,
  messagesPerSecondPerChat: 5,
  messageApiPerSecond: 50,
  messageApiPerMinute: 1000,
  taskCheckPerSecond: 0,
  port: 0,
  appType: "self_built",
  // Long connection: a fast ClientConfig so reconnects take a fraction of a second in tests (Feishu's own
  // values are unpublished; the SDK's local defaults are 120 s / -1 / 120 s / 30 s). Feishu's ack timeout,
  // re-push ladder and connection cap stay the defaults: tests compress them explicitly.
  wsPingIntervalSeconds: 5,
  wsReconnectCount: -1,
  wsReconnectIntervalSeconds: 0.5,
  wsReconnectNonceSeconds: 0.2,
  wsAckTimeoutMs: WS.ACK_TIMEOUT_MS,
  // [?] The webhook ladder: not documented for the long connection (one third-party report saw the same).
  // [?] Each delay counts from the moment the previous attempt failed (timed out or was acked non-200).
  // [?] A push acked with a code other than 200 (the SDK's 500 when the handler threw) is re-pushed like an
  // unacked one: the docs only say the handler "must finish within 3 s without throwing, else re-push".
  wsRepushDelaysMs: REPUSH_DELAYS_MS,
  wsMaxConnections: WS.MAX_CONNECTIONS,
  now: () => Date.now(),
  knowAllFolders: false,
  driveTaskMs: 3000,
  ticketPushUrl: "",
  // [?] How long Feishu still accepts a ticket after pushing a newer one is not documented: one push interval.
  ticketGraceMs: 60 * 60_000,
  // User authorization (OAuth; reference: user-tokens.md). Nothing is whitelisted until a test says so, as in a
  // new app's console; the scopes a task-status bot needs are enabled; Feishu's documented lifetimes.
  redirectUris: [],
  userScopes: ["offline_access", "drive:drive", "drive:drive:readonly", "drive:drive.metadata:readonly"],
  userTokenTtlSeconds: 7200,
  refreshTokenTtlSeconds: 604_800,
  refreshEnabled: true,
  // [?] What the app's token (and anyone but the owner) gets for a task a person started: not documented.
  hiddenTaskCode: 1061003,
  oauthTokenPerSecond: 50,
  oauthTokenPerMinute: 1000,
};

/** Feishu error codes the emulator answers with (see README for sources). */
export const CODES = {
  INVALID_PARAM: 10003, // tenant_access_token: missing/unknown app_id ("invalid param")
  APP_SECRET_INVALID: 10014, // tenant_access_token: wrong app_secret
  TASK_PARAMS_ERROR: 1061002,
  TASK_NOT_FOUND: 1061003,
  /** Drive file APIs (move, delete; same codes as task_check's 1061002/1061003). */
  DRIVE_FORBIDDEN: 1061004,
  DRIVE_AUTH_FAILED: 1061005,
  DRIVE_FILE_DELETED: 1061007,
  DRIVE_CAN_RETRY: 1061045,
  IM_BAD_PARAM: 230001,
  IM_NOT_SENDER: 230012,
  IM_RATE_LIMITED: 230020,
  IM_TOO_LONG: 230025,
  IM_CARD_INVALID: 230099,
  /**
   * [SDK] app_access_token: a wrong, stale or expired app_ticket (Go SDK errCodeAppTicketInvalid, old Java SDK
   * ErrCodeAppTicketInvalid; not on the doc pages). Its msg and HTTP status are not documented [?].
   */
  APP_TICKET_INVALID: 10012,
  /** [SDK] store tenant_access_token: an invalid app_access_token (Go SDK errCodeAppAccessTokenInvalid). */
  APP_ACCESS_TOKEN_INVALID: 99991664,
  INVALID_TOKEN: 99991663,
  TOKEN_EXPIRED: 99991677,
  FIELD_VALIDATION: 99992402,
  GATEWAY_RATE_LIMITED: 99991400,
} as const;

/** HTTP statuses, one constant each (all business errors below arrive as 4xx on real Feishu). */
export const HTTP = {
  /** Token endpoint answers business failures with HTTP 200 and a non-zero code (the SDK expects that). */
  TOKEN_ERROR: 200,
  /** 99991663 is answered with HTTP 400. */
  INVALID_TOKEN: 400,
  /** 99991677 too [?]: no official table gives its HTTP status. */
  TOKEN_EXPIRED: 400,
  /** Gateway rate limit (99991400): HTTP 429 on the APIs the emulator serves. */
  GATEWAY_RATE_LIMITED: 429,
  /** im/v1 error tables list 230020 with HTTP 400 (not 429). */
  IM_RATE_LIMITED: 400,
  IM_ERROR: 400,
  TASK_PARAMS_ERROR: 400,
  TASK_NOT_FOUND: 404,
  /** Drive file API error table (copy/list/upload pages; the move/delete pages list the same codes [?]). */
  DRIVE_FORBIDDEN: 403,
  DRIVE_AUTH_FAILED: 401,
  DRIVE_FILE_DELETED: 404,
  DRIVE_CAN_RETRY: 400,
  NOT_FOUND: 404,
} as const;

export const INVALID_TOKEN_MSG =
  "Invalid access token for authorization. Please make a request with token attached.";
export const TOKEN_EXPIRED_MSG = "Authentication token expired";
export const GATEWAY_RATE_LIMIT_MSG = "request trigger frequency limit";
export const IM_RATE_LIMIT_MSG = "This operation triggers the frequency limit.";
export const IM_BAD_PARAM_MSG = "Your request contains an invalid request parameter";
/** Card and post bodies may not exceed 30 KB; text 150 KB. */
export const CARD_MAX_BYTES = 30 * 1024;
/** A JSON 2.0 card holds at most 200 components (every tagged object counts). */
export const CARD_MAX_COMPONENTS = 200;
/**
 * Sub-codes in the ext of a 230099 answer: "ErrCode: n; ErrMsg: why; ErrorValue: where; ". Feishu answers
 * 230099 with such an ext, but its sub-code numbers are not in the stored docs [?]: these are the emulator's
 * own, one per kind of rejection, so a test can tell them apart.
 */
export const CARD_SUBCODES = {
  /** Not JSON, not an object, an unsupported schema, or a 2.0 card turned back into 1.0. */
  MALFORMED: 9001,
  /** A required part missing, or a field, tag or value the 2.0 rules do not allow (card-rules.ts). */
  INVALID: 9002,
  /** More than CARD_MAX_COMPONENTS components. */
  TOO_MANY_COMPONENTS: 9003,
  /** An `<at id=...>` / `<at user_id=...>` naming a user the tenant does not have. */
  UNKNOWN_USER: 9004,
} as const;
export const TEXT_MAX_BYTES = 150 * 1024;
/** Same uuid within this window returns the already created message. */
export const UUID_WINDOW_MS = 60 * 60 * 1000;
export const UUID_MAX_LENGTH = 50;
/** The default tenant: a self-built app's only one, and the first of a store app's. */
export const TENANT_KEY = "tenant_emulator";
export const DEFAULT_USER_OPEN_ID = "ou_user0000000000000000000000000001";

/**
 * Store apps (ISV, 商店应用; reference: store-apps.md). [DOC] Feishu's docs, [SDK] the official SDKs, [?] the
 * emulator's choice where the docs are silent.
 */
export const STORE = {
  /** [DOC] `POST /open-apis/auth/v3/app_access_token` {app_id, app_secret, app_ticket} → flat answer. */
  APP_ACCESS_TOKEN_PATH: "/open-apis/auth/v3/app_access_token",
  /** [DOC] `POST /open-apis/auth/v3/tenant_access_token` {app_access_token, tenant_key} → flat answer. */
  TENANT_ACCESS_TOKEN_PATH: "/open-apis/auth/v3/tenant_access_token",
  /** [DOC] `POST /open-apis/auth/v3/app_ticket/resend` {app_id, app_secret} → {code: 0, msg: "success"}. */
  RESEND_PATH: "/open-apis/auth/v3/app_ticket/resend",
  /** [DOC] Both store token answers and resend say "success" (the self-built token route says "ok"). */
  OK_MSG: "success",
  /** [?] The msg of 10012 (after the Go SDK's name for the code, errCodeAppTicketInvalid). */
  APP_TICKET_INVALID_MSG: "app ticket invalid",
  /** [?] The msg of 99991664 on the store tenant_access_token route. */
  APP_ACCESS_TOKEN_INVALID_MSG: "app access token invalid",
  /**
   * [?] An unknown tenant_key, or a tenant that uninstalled or stopped the app, asking a tenant_access_token: not
   * documented. The emulator answers HTTP 200 + 10003 (`invalid param`, as for an unknown app_id) with a msg
   * that says which.
   */
  UNKNOWN_TENANT_MSG: "invalid param: unknown tenant_key",
  NOT_INSTALLED_MSG: "invalid param: the app is not installed in this tenant",
  /**
   * [?] A store app asking the self-built `tenant_access_token/internal`, or a self-built app asking the store
   * endpoints (the docs list each for one app type only): HTTP 200 + 10003 with this msg.
   */
  WRONG_APP_TYPE_MSG: "invalid param: this endpoint is not for this app type",
} as const;

/** [SDK] `ErrorCode` of WSClient (the same in the Go and Python SDKs), answered by the endpoint. */
export const WS_CODES = {
  OK: 0,
  SYSTEM_BUSY: 1,
  /**
   * [?] Refusing a store (ISV) app: long connection is for self-built apps only [DOC], but the code Feishu
   * answers then is not documented; 403 `forbidden` is the SDK's closest code (fatal in the SDK, with data).
   */
  FORBIDDEN: 403,
  /** [SDK] auth_failed: wrong AppID/AppSecret (fatal in the SDK when `data` is present, as the emulator sends). */
  AUTH_FAILED: 514,
  /** [SDK] internal_error: the one non-zero code the SDK retries when `data` is present. */
  INTERNAL_ERROR: 1000040343,
  /** [SDK] exceed_conn_limit (more than WS.MAX_CONNECTIONS). */
  EXCEED_CONN_LIMIT: 1000040350,
} as const;

/** [?] The msg of each endpoint refusal (Feishu's wording is not documented). */
export const WS_MSGS = {
  AUTH_FAILED: "auth failed",
  FORBIDDEN: "forbidden: long connection is only available to self-built apps",
  EXCEED_CONN_LIMIT: "exceed_conn_limit",
} as const;

/**
 * [SDK Go/Python] Headers read from a refused WebSocket handshake (the Node SDK never reads them):
 * status 514 + autherrcode 1000040350 means "too many connections".
 */
export const WS_HANDSHAKE_HEADERS = {
  STATUS: "Handshake-Status",
  MSG: "Handshake-Msg",
  AUTH_ERR_CODE: "Handshake-Autherrcode",
} as const;

/**
 * Feishu's permanent refusals of a message call, which retrying never fixes (feishu-protocol.md §4 and §6
 * "IM errors that retrying never fixes"; codes from the im/v1 reply/create/patch error tables). Every one is
 * answered with HTTP 400 like the other im/v1 business errors; the msg wordings are the docs' as recalled,
 * not verified in the stored copies [?].
 */
export const REFUSALS = {
  /** 230002: the bot is not (or no longer) a member of the chat. */
  BOT_NOT_IN_CHAT: { code: 230002, msg: "The bot can not be outside the group." },
  /** 230011: the message was recalled (reply to it, patch it). */
  MESSAGE_RECALLED: { code: 230011, msg: "The message was recalled." },
  /** 230013: the user is outside the app's availability (可用范围): DMs, by open_id or by reply. */
  NO_AVAILABILITY: { code: 230013, msg: "Bot has NO availability to this user." },
  /** 230018: the group's settings forbid the bot to post (e.g. only owner and admins may speak). */
  GROUP_SETTINGS: { code: 230018, msg: "These operations are NOT allowed at current group settings." },
  /** 230027: an external chat, and the app may not share externally. */
  NO_PERMISSION: { code: 230027, msg: "Lack of necessary permissions." },
  /** 230031: a message may only be updated within 14 days of sending. */
  TOO_OLD: { code: 230031, msg: "The message has been sent for more than 14 days and can NOT be updated." },
  /** 230035: the bot's speaking is restricted in this chat (banned, muted). */
  SPEAKING_RESTRICTED: { code: 230035, msg: "Send Message Permission deny." },
  /** 230053: the user stopped the bot from sending messages. */
  BOT_BLOCKED: { code: 230053, msg: "The user has stopped the bot from sending messages." },
  /** 230110: the message was deleted (reply to it, patch it). */
  MESSAGE_DELETED: { code: 230110, msg: "Action unavailable as the message has been deleted." },
  /** 232009: the chat was dissolved. */
  CHAT_DISSOLVED: { code: 232009, msg: "Your request specifies a chat which has already been dissolved." },
} as const;

/**
 * [?] A store app's call with tenant B's token on tenant A's data: Feishu does not document what it answers.
 * The emulator's choice: another tenant's chat or message (reply, create, patch) is refused as a chat the bot is
 * not in (230002); a user only another tenant has (create by open_id / user_id / union_id) as a user outside the
 * app's availability (230013); another tenant's task (task_check) or Drive item (move, delete) with 403
 * 1061004 `forbidden.`, so a bot (and a test) tells "not yours" from an unknown id (404 1061003). A token
 * reaches only its own tenant's data ("以应用身份调用 API", data range = the app's permissions in that tenant
 * [DOC] S-TOKENS in store-apps.md).
 */
export const CROSS_TENANT = {
  IM: REFUSALS.BOT_NOT_IN_CHAT,
  USER: REFUSALS.NO_AVAILABILITY,
  DRIVE: { status: 403, code: 1061004, msg: "forbidden." },
} as const;

/** Codes muteChat() accepts: group settings (default) or speaking restricted. */
export const MUTE_CODES = [REFUSALS.GROUP_SETTINGS.code, REFUSALS.SPEAKING_RESTRICTED.code] as const;

/** Cards (and text/post through PUT) may be updated only within 14 days of sending (230031 after). */
export const PATCH_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/**
 * User authorization (OAuth 2.0 authorization code + PKCE; reference: user-tokens.md). [OK] an official doc page,
 * [GEN] generated from one by a third-party SDK, [SDK] official code, [?] the emulator's choice.
 */
export const OAUTH = {
  /** [OK] The authorization page (on accounts.feishu.cn; here on the emulator's one host). */
  AUTHORIZE_PATH: "/open-apis/authen/v1/authorize",
  /** [OK] The current token endpoint; node-sdk 1.74.0's `client.accessToken` posts JSON here [SDK]. */
  TOKEN_V3_PATH: "/oauth/v3/token",
  /** [OK] The previous one (open.feishu.cn), JSON or form-urlencoded. */
  TOKEN_V2_PATH: "/open-apis/authen/v2/oauth/token",
  /** [GEN] Revocation of one access or refresh token. */
  REVOKE_PATH: "/oauth/v1/revoke",
  /** [OK] Whose token it is. */
  USER_INFO_PATH: "/open-apis/authen/v1/user_info",
  /** [OK] An authorization code is valid 5 minutes, single use. */
  CODE_TTL_MS: 5 * 60_000,
  /** [OK] 365 days after the person authorized, refreshing fails (20037). */
  REFRESH_CAP_MS: 365 * 24 * 60 * 60_000,
  /** [OK] At most 50 scopes per authorize request. */
  MAX_SCOPES: 50,
  /** [?] Token length: real ones are 1–2 KB (reserve 4 KB); the emulator's are opaque strings of this length. */
  TOKEN_LENGTH: 1024,
  /** [OK] PKCE code_verifier: 43–128 characters of A-Z a-z 0-9 - . _ ~ */
  VERIFIER: /^[A-Za-z0-9\-._~]{43,128}$/,
  /** [OK] The event Feishu pushes when a person's tokens are revoked (schema 2.0). */
  REVOKED_EVENT: "auth.user_access_token.revoked_v4",
  /** [OK] task_check with a user token needs any one of these scopes (on the user-identity tab). */
  TASK_CHECK_SCOPES: ["drive:drive", "drive:drive:readonly", "drive:drive.metadata:readonly"],
  /** [?] Move and delete with a user token: `drive:drive` (their scope lists are not in the reference). */
  DRIVE_WRITE_SCOPES: ["drive:drive"],
  /** [?] The HTTP status of the authorization page's error pages (the docs only say what the page shows). */
  PAGE_ERROR_STATUS: 400,
} as const;

/** A refusal of the OAuth endpoints: flat `{code, error, error_description}` with its HTTP status. */
export interface OAuthRefusal {
  code: number;
  /** [?] The OAuth `error` string (the reference gives only 20050's `server_error`). */
  error: string;
  description: string;
  status: number;
}

const refusal = (code: number, error: string, description: string, status = 400): OAuthRefusal => ({
  code,
  error,
  description,
  status,
});

/** [OK] The token endpoints' error codes (HTTP 400 unless noted); descriptions are the emulator's [?]. */
export const OAUTH_CODES = {
  PAGE_REDIRECT_UNMATCH: refusal(2000, "invalid_request", "redirect_uri unmatch"),
  MISSING_PARAM: refusal(20001, "invalid_request", "missing required parameter"),
  BAD_SECRET: refusal(20002, "invalid_client", "client_secret is invalid"),
  CODE_NOT_FOUND: refusal(20003, "invalid_grant", "authorization code not found"),
  CODE_EXPIRED: refusal(20004, "invalid_grant", "authorization code expired"),
  USER_NOT_FOUND: refusal(20008, "invalid_grant", "user does not exist"),
  APP_NOT_INSTALLED: refusal(20009, "unauthorized_client", "the app is not installed in the tenant"),
  USER_UNAVAILABLE: refusal(20010, "unauthorized_client", "the user may not use the app"),
  REFRESH_INVALID: refusal(20026, "invalid_grant", "refresh token invalid"),
  SCOPE_NOT_ENABLED: refusal(20027, "invalid_scope", "scope not enabled for the app"),
  UNSUPPORTED_GRANT: refusal(20036, "unsupported_grant_type", "unsupported grant_type"),
  REFRESH_EXPIRED: refusal(20037, "invalid_grant", "refresh token expired"),
  APP_NOT_FOUND: refusal(20048, "invalid_client", "app does not exist"),
  PKCE_FAILED: refusal(20049, "invalid_grant", "code_verifier check failed"),
  SERVER_ERROR: refusal(20050, "server_error", "internal server error, retry", 500),
  MALFORMED: refusal(20063, "invalid_request", "malformed request"),
  REFRESH_REVOKED: refusal(20064, "invalid_grant", "refresh token revoked"),
  CODE_USED: refusal(20065, "invalid_grant", "authorization code already used"),
  DUPLICATE_SCOPE: refusal(20067, "invalid_scope", "duplicate scope"),
  SCOPE_NOT_GRANTED: refusal(20068, "invalid_scope", "scope not granted by the user"),
  TWO_CLIENT_AUTHS: refusal(20070, "invalid_client", "client authenticated by more than one method"),
  REDIRECT_MISMATCH: refusal(20071, "invalid_grant", "redirect_uri differs from the authorization request"),
  UNAVAILABLE: refusal(20072, "temporarily_unavailable", "service unavailable, retry", 503),
  REFRESH_USED: refusal(20073, "invalid_grant", "refresh token can only be used once"),
  REFRESH_DISABLED: refusal(20074, "unauthorized_client", "the app may not refresh user_access_token"),
} as const;

/** [OK] What an API answers a user token (generic error codes); msgs as public clients logged them [?]. */
export const USER_TOKEN_ERRORS = {
  /** Invalid, revoked or unknown user token, or an API that takes no user token here. HTTP 400 [?]. */
  INVALID: {
    status: 400,
    code: 99991668,
    msg: "Invalid access token for authorization. Please make a request with token attached.",
  },
  /** Expired: refresh it. HTTP 400 [?], as 99991677 for tenant tokens. */
  EXPIRED: { status: 400, code: 99991677, msg: "Authentication token expired" },
  /** The person has not granted the scope; `error.permission_violations[].subject` names them. HTTP 400 [?]. */
  SCOPE_MISSING: {
    status: 400,
    code: 99991679,
    msg: "Unauthorized. You do not have permission to perform the requested operation on the resource. Please request user re-authorization and try again.",
  },
} as const;

/**
 * [?] What task_check answers for a task a person started with their own token to the app's token and to anyone
 * but that person: `hiddenTaskCode` picks one (Feishu documents none). Statuses and msgs from the Drive tables.
 */
export const HIDDEN_TASK_ANSWERS = {
  1061003: { status: 404, code: 1061003, msg: "not found." },
  1061004: { status: 403, code: 1061004, msg: "forbidden." },
  1062501: { status: 403, code: 1062501, msg: "no node permission." },
} as const;
