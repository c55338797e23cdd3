/**
 * The WebSocket handshake on /ws: recorded like any request (route "ws_upgrade", so inject() faults apply:
 * status → refused, hang → never answered, delayMs → late), then checked (device_id, connection cap) and
 * handed to `ws`. Every other upgrade path gets a 404.
 */
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { type Answer, fail, faultAnswer } from "./answer";
import { WS, WS_CODES, WS_HANDSHAKE_HEADERS, WS_MSGS } from "./constants";
import { randomHex } from "./crypto";
import type { EmulatorState } from "./state";
import type { EmulatorOptions, RecordedRequest } from "./types";

const noop = () => {};

/** Writes a refused handshake as a plain HTTP answer and closes the socket (what `ws` does itself). */
function refuse(socket: Duplex, record: RecordedRequest, answer: Answer): void {
  record.status = answer.status;
  record.response = answer.body;
  if (socket.destroyed) return;
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  const lines = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? "Refused"}`,
    "Connection: close",
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(text)}`,
    ...Object.entries(answer.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.once("finish", () => socket.destroy());
  socket.end(`${lines.join("\r\n")}\r\n\r\n${text}`);
}

function recordOf(req: IncomingMessage): RecordedRequest {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  return {
    route: url.pathname.replace(/\/+$/, "") === WS.PATH ? "ws_upgrade" : "unknown",
    method: (req.method ?? "GET").toUpperCase(),
    path: url.pathname,
    query,
    headers: { ...req.headers },
    body: undefined,
    status: 0,
    response: undefined,
    at: Date.now(),
  };
}

export class WsHandshakes {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly issuedDeviceIds = new Set<string>();
  /** Handshakes not answered yet (hang or delay faults): close() destroys them. */
  private readonly waiting = new Set<Duplex>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly state: EmulatorState,
    private readonly options: Required<EmulatorOptions>,
    private readonly openCount: () => number,
    private readonly accept: (socket: WebSocket, deviceId: string) => void,
  ) {}

  /** A device_id for the endpoint's URL: the handshake accepts it once, like a ticket. */
  issueDeviceId(): string {
    const id = `dev_${randomHex(12)}`;
    this.issuedDeviceIds.add(id);
    return id;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on("error", noop); // a client resetting mid-handshake must not crash the emulator
    const record = recordOf(req);
    this.state.record(record);
    if (this.closed) return void socket.destroy();
    if (record.route !== "ws_upgrade") return refuse(socket, record, fail(404, 404, "404 page not found"));
    const fault = this.state.takeFault("ws_upgrade");
    if (!fault) return this.handshake(req, socket, head, record);
    record.fault = true;
    this.waiting.add(socket);
    if (fault.hang) return; // never answered until close()
    const proceed = () => {
      this.waiting.delete(socket);
      const refusal = faultAnswer(fault);
      if (refusal) refuse(socket, record, refusal);
      else this.handshake(req, socket, head, record);
    };
    if (fault.delayMs === undefined) return proceed();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      proceed();
    }, fault.delayMs);
    this.timers.add(timer);
  }

  private handshake(req: IncomingMessage, socket: Duplex, head: Buffer, record: RecordedRequest) {
    if (socket.destroyed) return;
    const deviceId = record.query.device_id;
    if (deviceId === undefined || !this.issuedDeviceIds.has(deviceId)) {
      return refuse(
        socket,
        record,
        fail(WS.HANDSHAKE_REFUSED_STATUS, WS_CODES.FORBIDDEN, "unknown device_id"),
      );
    }
    // The endpoint already refuses over the cap; this catches clients that raced past it. The headers are
    // the ones the Go and Python SDKs read from a refused handshake (514 + 1000040350 = too many).
    if (this.openCount() >= this.options.wsMaxConnections) {
      const refusal = fail(
        WS.HANDSHAKE_REFUSED_STATUS,
        WS_CODES.EXCEED_CONN_LIMIT,
        WS_MSGS.EXCEED_CONN_LIMIT,
        {
          [WS_HANDSHAKE_HEADERS.STATUS]: String(WS_CODES.AUTH_FAILED),
          [WS_HANDSHAKE_HEADERS.MSG]: WS_MSGS.EXCEED_CONN_LIMIT,
          [WS_HANDSHAKE_HEADERS.AUTH_ERR_CODE]: String(WS_CODES.EXCEED_CONN_LIMIT),
        },
      );
      return refuse(socket, record, refusal);
    }
    this.issuedDeviceIds.delete(deviceId);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      record.status = 101;
      this.accept(ws, deviceId);
    });
  }

  /** Destroys the unanswered handshakes; the caller terminates the open sockets. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const socket of this.waiting) socket.destroy();
    this.waiting.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
