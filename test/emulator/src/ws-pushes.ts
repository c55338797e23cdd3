/**
 * Event pushes over the long connection, as Feishu's cluster mode does them: each push goes to ONE random
 * ready connection, waits for its ack, and is re-pushed on the ladder when the ack is missing or not 200.
 * Callbacks are never re-pushed. A push made while no connection is ready waits for one.
 */
import { WS } from "./constants";
import { randomHex } from "./crypto";
import type { WsAck, WsAttempt, WsFrameType, WsPushHandle, WsPushOptions } from "./long-connection-types";
import { type Frame, headerMap, headers, readAckPayload } from "./pbbp2";
import type { Connection, WsConnections } from "./ws-connections";

interface Push {
  handle: WsPushHandle;
  messageId: string;
  traceId: string;
  frameType: WsFrameType;
  callback: boolean;
  fragments: Buffer[];
  order: number[];
  /** Only for the first attempt. */
  target?: string;
  attempts: WsAttempt[];
  /** SeqID of every frame sent → its attempt; the final fragment's SeqID is the one an ack echoes. */
  frames: Map<number, { attempt: WsAttempt; final: boolean }>;
  waiting: boolean;
  done: boolean;
  timer?: NodeJS.Timeout;
  resolve(ack: WsAck): void;
  reject(err: Error): void;
}

export interface PushTimings {
  ackTimeoutMs: number;
  repushDelaysMs: readonly number[];
}

function split(bytes: Buffer, parts: number): Buffer[] {
  const size = Math.ceil(bytes.length / parts);
  return Array.from({ length: parts }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
}

function checkOrder(order: number[], parts: number): void {
  const sorted = [...order].sort((a, b) => a - b);
  if (sorted.length !== parts || sorted.some((v, i) => v !== i)) {
    throw new Error(`push: order must be a permutation of 0..${parts - 1} (got ${JSON.stringify(order)})`);
  }
}

export class WsPushes {
  readonly acks: WsAck[] = [];
  private readonly pushes = new Map<string, Push>();
  private nextSeqId = 1;
  private nextLogId = 1;

  constructor(
    private readonly connections: WsConnections,
    private readonly timings: PushTimings,
    private readonly protocolError: (connectionId: string, problem: string) => void,
  ) {}

  push(payload: object, opts: WsPushOptions = {}): WsPushHandle {
    const bytes = Buffer.from(JSON.stringify(payload));
    const parts = opts.fragments ?? 1;
    if (!Number.isInteger(parts) || parts < 1 || parts > bytes.length) {
      throw new Error(`push: fragments must be an integer from 1 to ${bytes.length} (got ${parts})`);
    }
    const order = opts.order ?? [...Array(parts).keys()];
    checkOrder(order, parts);
    if (opts.connectionId !== undefined && !this.connections.get(opts.connectionId)?.info.ready) {
      throw new Error(`push: connection ${opts.connectionId} is not open and ready`);
    }
    const messageId = opts.messageId ?? `ws_msg_${randomHex(16)}`;
    if (this.pushes.get(messageId)?.done === false) throw new Error(`push: ${messageId} is still in flight`);
    const frameType = opts.frameType ?? "event";
    const eventType = (payload as { header?: { event_type?: unknown } }).header?.event_type;
    const callback =
      frameType === "card" || (WS.CALLBACK_EVENT_TYPES as readonly unknown[]).includes(eventType);
    const attempts: WsAttempt[] = [];
    let resolve: (ack: WsAck) => void = () => {};
    let reject: (err: Error) => void = () => {};
    const acked = new Promise<WsAck>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    acked.catch(() => {}); // a rejection nobody awaits is not an error of the test
    const handle: WsPushHandle = { messageId, callback, attempts, acked };
    const push: Push = {
      ...{ handle, messageId, traceId: randomHex(16), frameType, callback, order, attempts },
      ...{ fragments: split(bytes, parts), target: opts.connectionId, frames: new Map(), resolve, reject },
      ...{ waiting: false, done: false },
    };
    this.pushes.set(messageId, push);
    this.deliver(push);
    return handle;
  }

  /** A connection became ready: everything waiting goes out now (each to a random ready connection). */
  flush(): void {
    for (const push of this.pushes.values()) {
      if (push.waiting) this.deliver(push);
    }
  }

  private deliver(push: Push): void {
    const first = push.attempts.length === 0 ? push.target : undefined;
    const ready = this.connections.ready();
    const conn = (first && this.connections.get(first)) || ready[Math.floor(Math.random() * ready.length)];
    if (!conn) {
      if (!push.waiting && push.callback) {
        // A callback is a synchronous request: Feishu gives up when no client answers within 3 s.
        push.timer = setTimeout(
          () => this.fail(push, "no connection for the callback"),
          this.timings.ackTimeoutMs,
        );
      }
      push.waiting = true;
      return;
    }
    if (push.waiting) clearTimeout(push.timer);
    push.waiting = false;
    this.send(push, conn);
  }

  private send(push: Push, conn: Connection): void {
    const attempt: WsAttempt = {
      n: push.attempts.length + 1,
      connectionId: conn.info.id,
      at: Date.now(),
      outcome: "pending",
    };
    push.attempts.push(attempt);
    const sum = String(push.fragments.length);
    push.order.forEach((seq, i) => {
      const SeqID = this.nextSeqId++;
      push.frames.set(SeqID, { attempt, final: i === push.order.length - 1 });
      const meta = {
        type: push.frameType,
        message_id: push.messageId,
        sum,
        seq: String(seq),
        trace_id: push.traceId,
      };
      const frame: Frame = {
        ...{ SeqID, LogID: this.nextLogId++, service: WS.SERVICE_ID, method: WS.METHOD_DATA },
        ...{ headers: headers(meta), payload: push.fragments[seq] },
      };
      this.connections.send(conn, frame);
    });
    push.timer = setTimeout(() => this.judge(push, attempt, "timeout"), this.timings.ackTimeoutMs);
  }

  /** An ack frame (method 1) from a client. */
  receive(conn: Connection, frame: Frame) {
    const map = headerMap(frame);
    const where = `SeqID ${frame.SeqID}, message_id ${map.message_id}`;
    const report = (problem: string) => this.protocolError(conn.info.id, `${problem} (${where})`);
    const payload = readAckPayload(frame);
    if (typeof payload === "string") return report(payload);
    if (payload.problem) report(payload.problem);
    const push = this.pushes.get(map.message_id);
    const sent = push?.frames.get(frame.SeqID);
    const ack: WsAck = {
      ...{ messageId: map.message_id, connectionId: conn.info.id, attempt: sent?.attempt.n ?? 0 },
      ...{ code: payload.code, late: sent !== undefined && sent.attempt.outcome !== "pending" },
      ...{ seqId: frame.SeqID, seq: Number(map.seq), sum: Number(map.sum), headers: map, at: Date.now() },
    };
    if (payload.rawData !== undefined) Object.assign(ack, { rawData: payload.rawData, data: payload.data });
    this.acks.push(ack);
    if (!push || !sent) return report("ack matching no frame the emulator sent");
    if (push.frameType === "card") report("ack for a card frame (the SDK drops those)");
    if (!sent.final) report("ack for a fragment that did not complete the message");
    if (sent.attempt.outcome === "acked" || sent.attempt.outcome === "rejected") report("second ack");
    if (sent.attempt.outcome !== "pending") return;
    this.judge(push, sent.attempt, ack.code === WS.ACK_OK ? "acked" : "rejected", ack);
  }

  private judge(push: Push, attempt: WsAttempt, outcome: WsAttempt["outcome"], ack?: WsAck) {
    if (push.done || attempt.outcome !== "pending") return;
    attempt.outcome = outcome;
    clearTimeout(push.timer);
    if (outcome === "acked" && ack) {
      push.done = true;
      return push.resolve(ack);
    }
    const why = outcome === "timeout" ? "no ack in time" : `ack code ${ack?.code}`;
    if (push.callback) return this.fail(push, `callback not answered with 200 (${why})`);
    const delay = this.timings.repushDelaysMs[push.attempts.length - 1];
    if (delay === undefined)
      return this.fail(push, `not acked after ${push.attempts.length} attempts (${why})`);
    push.timer = setTimeout(() => this.deliver(push), delay);
  }

  private fail(push: Push, why: string): void {
    clearTimeout(push.timer);
    push.waiting = false;
    push.done = true;
    push.reject(new Error(`push ${push.messageId}: ${why}`));
  }

  /** Ends every push still in flight (its handle rejects) and forgets all pushes and acks. */
  clear(why: string): void {
    for (const push of this.pushes.values()) if (!push.done) this.fail(push, why);
    this.pushes.clear();
    this.acks.length = 0;
  }
}
