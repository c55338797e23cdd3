/** What a card shows. Cards are pure functions of this view and a clock (see cards/index.ts). */
export type CardState =
  | "running" // task_check said `process`
  | "success" // task_check said `success`
  | "fail" // task_check said `fail`
  | "unknown" // task_check answered a status we do not know (kept in rawStatus); still watched
  | "not_found" // Feishu does not know the task (1061003) or does not let this app see it (1061004)
  | "invalid" // the id was rejected (locally, or by Feishu with 1061002)
  | "stopped" // someone stopped the watch
  | "timed_out" // still running after WATCH_TIMEOUT_MINUTES: we stopped watching
  | "awaiting_auth"; // the app cannot see the task: the requester may let the bot check it as them

export type Locale = "zh_cn" | "en_us";

export interface CardView {
  taskId: string;
  state: CardState;
  /** Status string exactly as Feishu sent it, for the "unknown" state. */
  rawStatus?: string;
  /** When watching started (ms since epoch). */
  startedAt: number;
  /**
   * The check time the card shows. While the task runs it moves only with a change, a refresh and a thinning
   * schedule (1, 2, 4, 8... minutes), so a running card does not change every minute.
   */
  lastCheckAt?: number;
  /** When the watch ended (ms since epoch), for final states. */
  finishedAt?: number;
  /** Set while Feishu is failing transiently and we are retrying. */
  retrying?: { attempt: number; nextRetryAt: number };
  /** open_id of whoever stopped the watch (state "stopped"). */
  stoppedBy?: string;
  /** open_id of the person who asked. */
  requesterOpenId?: string;
  /** Watch id, carried in button callback values. */
  watchId?: string;
  /** Show the "Refresh now" / "Stop watching" buttons (running/unknown states only). */
  actions?: boolean;
  /** Watch timeout, for the timed_out text (minutes). */
  timeoutMinutes?: number;
  /** POLL_INTERVAL_SECONDS: a running card says how the bot checks instead of re-stating it every minute. */
  pollIntervalSeconds?: number;
  /** A short line from the script that asked for the watch (watch API), shown as plain text. */
  note?: string;
  /** awaiting_auth: the requester's "Authorize" button, and until when the bot waits for it. */
  authorize?: AuthorizeLink;
  /** open_id of the person whose authorization the bot checks the task with (user authorization). */
  checkedAs?: string;
}

/**
 * Where the "Authorize" button goes (the bot's own signed link, which starts the sign-in), and until when it
 * works. `again`: the person had authorized the bot, and that authorization ended.
 */
export interface AuthorizeLink {
  url: string;
  /** The same page opened inside the Feishu desktop client's sidebar (an AppLink), when there is one. */
  pcUrl?: string;
  until: number;
  again?: boolean;
}

/** One watch in the `/list` card. */
export interface ListEntry {
  taskId: string;
  state: CardState;
  /** open_id of the person who asked; mentioned only when well-formed. */
  requesterOpenId?: string;
  /** When watching started (ms since epoch). */
  startedAt: number;
  /** Last successful task_check (ms since epoch); ends the duration of an entry already in a final state. */
  lastCheckAt?: number;
}

/** A card JSON 2.0 object, ready for JSON.stringify. */
export type CardJson = Record<string, unknown>;
