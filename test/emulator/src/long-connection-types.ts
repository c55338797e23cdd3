/**
 * Public types of the emulator's long-connection (WebSocket) mode: plain data, plus the one promise of a push.
 */

/** The four values the endpoint and every pong hand to the SDK, in seconds (fractions allowed). */
export interface WsClientConfig {
  PingInterval: number;
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
}

/** An open WebSocket connection (a snapshot). */
export interface WsConnectionInfo {
  /** "c1", "c2", ... in the order they opened. */
  id: string;
  /** The device_id the endpoint issued for it. */
  deviceId: string;
  /** Date.now() when the upgrade completed. */
  connectedAt: number;
  /** Pings received (the SDK sends one as soon as it opens, then one every PingInterval). */
  pings: number;
  lastPingAt?: number;
  /** Pongs sent (fewer than pings while pongs are withheld). */
  pongs: number;
  /** true after its first ping: only then does the emulator push to it (see README). */
  ready: boolean;
}

/** `event`: what the SDK dispatches. `card`: dropped by the SDK with no ack (a misconfigured callback). */
export type WsFrameType = "event" | "card";

export interface WsPushOptions {
  /** Split the payload into this many fragments (default 1); every fragment carries sum = fragments. */
  fragments?: number;
  /** The order the fragments are sent in, a permutation of 0..fragments-1 (default ascending). */
  order?: number[];
  /** Default "event". A "card" frame is a callback: never re-pushed. */
  frameType?: WsFrameType;
  /** Send the first attempt to this open connection (default a random ready one). Re-pushes pick at random. */
  connectionId?: string;
  /** The frame header message_id (default a fresh one); re-pushes reuse it. */
  messageId?: string;
}

/** One send of a push (all its fragments) to one connection. */
export interface WsAttempt {
  /** 1 for the push, 2 for the first re-push, ... */
  n: number;
  connectionId: string;
  /** Date.now() when its fragments were sent. */
  at: number;
  /**
   * "pending" until judged; "acked": code 200 within wsAckTimeoutMs; "rejected": another code in time;
   * "timeout": no ack in time (a late ack does not change it).
   */
  outcome: "pending" | "acked" | "rejected" | "timeout";
}

/** An ack frame received from a client, decoded. */
export interface WsAck {
  messageId: string;
  connectionId: string;
  /** The attempt it answers (WsAttempt.n); 0 when it echoes no frame the emulator sent. */
  attempt: number;
  /** The payload's code: 200 when the handler resolved, 500 when it threw. */
  code: number;
  /** The payload's data, base64-decoded and JSON-parsed (the callback answer); undefined when absent. */
  data?: unknown;
  /** The payload's data as received (base64). */
  rawData?: string;
  /** true when it came after its attempt was judged (timed out): it changes nothing. */
  late: boolean;
  /** The echoed frame: SeqID, and the seq/sum headers of the fragment that completed the message. */
  seqId: number;
  seq: number;
  sum: number;
  /** All headers of the ack (the echoed ones plus the SDK's biz_rt). */
  headers: Record<string, string>;
  at: number;
}

/** What push() returns. */
export interface WsPushHandle {
  /** The frame header message_id, shared by every fragment and every re-push. */
  readonly messageId: string;
  /** Callbacks (card.action.trigger, url.preview.get, any `card` frame) are never re-pushed. */
  readonly callback: boolean;
  /** Every attempt so far, oldest first; grows as re-pushes happen. */
  readonly attempts: readonly WsAttempt[];
  /**
   * Resolves with the first ack of code 200 received in time. Rejects when the ladder is exhausted (or a
   * callback's only attempt failed), on reset() and on close(). Unobserved rejections are not reported.
   */
  readonly acked: Promise<WsAck>;
}

/** Something a client sent that breaks the protocol, or that the emulator did not expect. */
export interface WsProtocolError {
  connectionId: string;
  at: number;
  problem: string;
}

/**
 * A fault of the endpoint discovery (queued like inject(), route "ws_endpoint"):
 * - `http`: that HTTP status (default 503), retried by the SDK;
 * - `code`: HTTP 200 with that code; `withData: true` adds `data: {}`, which makes any code but 1000040343
 *   fatal in the SDK; without `data` the SDK fails to destructure it and retries.
 */
export type WsEndpointFault =
  | { kind: "http"; status?: number; count?: number }
  | { kind: "code"; code: number; msg?: string; withData: boolean; count?: number };

/**
 * Bytes the emulator can send a client: `not-protobuf` (fails to decode), `missing-required` (a Frame with
 * headers only), `text` (a text WebSocket message), `bad-fragment` (an event frame with sum 0).
 */
export type WsGarbage = "not-protobuf" | "missing-required" | "text" | "bad-fragment";
