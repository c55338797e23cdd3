/**
 * The long connection's open sockets: ping → pong with the ClientConfig, frames in and out, drops and garbage.
 * The handshake is ws-handshake.ts's; what a data frame (an ack) means is ws-pushes.ts's.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket } from "ws";
import { WS } from "./constants";
import { randomHex } from "./crypto";
import type { WsClientConfig, WsConnectionInfo, WsGarbage } from "./long-connection-types";
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  frameMissingRequiredFields,
  headerMap,
  headers,
} from "./pbbp2";
import type { EmulatorState } from "./state";
import type { EmulatorOptions } from "./types";
import { WsHandshakes } from "./ws-handshake";

export interface Connection {
  readonly info: WsConnectionInfo;
  readonly socket: WebSocket;
}

export interface ConnectionEvents {
  /** A connection sent its first ping: the SDK has its frame listener in place, pushes may go to it. */
  ready(conn: Connection): void;
  dataFrame(conn: Connection, frame: Frame): void;
  protocolError(connectionId: string, problem: string): void;
}

/** An event frame with sum 0: the SDK refuses its fragment metadata. */
function badFragmentFrame(): Buffer {
  const meta = { type: "event", message_id: `garbage_${randomHex(8)}`, sum: "0", seq: "0", trace_id: "" };
  const frame = { SeqID: 0, LogID: 0, service: WS.SERVICE_ID, method: WS.METHOD_DATA };
  return encodeFrame({ ...frame, headers: headers(meta), payload: Buffer.from("{}") });
}

export class WsConnections {
  private readonly open = new Map<string, Connection>();
  private readonly handshakes: WsHandshakes;
  private nextId = 1;
  withholdPongs = false;

  constructor(
    state: EmulatorState,
    options: Required<EmulatorOptions>,
    private readonly events: ConnectionEvents,
    public clientConfig: WsClientConfig,
  ) {
    const accept = (socket: WebSocket, deviceId: string) => this.accept(socket, deviceId);
    this.handshakes = new WsHandshakes(state, options, () => this.open.size, accept);
  }

  get count(): number {
    return this.open.size;
  }

  all(): Connection[] {
    return [...this.open.values()];
  }

  ready(): Connection[] {
    return this.all().filter((c) => c.info.ready);
  }

  get(id: string): Connection | undefined {
    return this.open.get(id);
  }

  issueDeviceId(): string {
    return this.handshakes.issueDeviceId();
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.handshakes.upgrade(req, socket, head);
  }

  private accept(socket: WebSocket, deviceId: string): void {
    const info: WsConnectionInfo = {
      id: `c${this.nextId++}`,
      deviceId,
      connectedAt: Date.now(),
      pings: 0,
      pongs: 0,
      ready: false,
    };
    const conn: Connection = { info, socket };
    this.open.set(info.id, conn);
    socket.on("error", (err) => this.events.protocolError(info.id, `socket error: ${err.message}`));
    socket.on("close", () => this.open.delete(info.id));
    socket.on("message", (data, isBinary) => this.receive(conn, data, isBinary));
  }

  private receive(conn: Connection, data: RawData, isBinary: boolean) {
    const { id } = conn.info;
    if (!isBinary) return this.events.protocolError(id, "text message (frames are binary)");
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      return this.events.protocolError(id, `undecodable frame: ${String(err)}`);
    }
    if (frame.method === WS.METHOD_DATA) return this.events.dataFrame(conn, frame);
    const type = headerMap(frame).type;
    if (frame.method !== WS.METHOD_CONTROL || type !== "ping") {
      return this.events.protocolError(id, `unexpected frame: method ${frame.method}, type ${type}`);
    }
    conn.info.pings++;
    conn.info.lastPingAt = Date.now();
    if (!this.withholdPongs) this.pong(conn, frame);
    if (!conn.info.ready) {
      conn.info.ready = true;
      this.events.ready(conn);
    }
  }

  /** All four ClientConfig fields, always: the SDK overwrites its config with whatever the pong holds. */
  private pong(conn: Connection, ping: Frame): void {
    const payload = Buffer.from(JSON.stringify(this.clientConfig));
    const pong: Frame = { ...ping, headers: headers({ type: "pong" }), payload };
    if (this.send(conn, pong)) conn.info.pongs++;
  }

  send(conn: Connection, frame: Frame): boolean {
    if (conn.socket.readyState !== WebSocket.OPEN) return false;
    conn.socket.send(encodeFrame(frame));
    return true;
  }

  /** Terminates the sockets (all, or those ids) at once, without a close frame; returns how many. */
  drop(ids?: readonly string[]): number {
    const victims = this.all().filter((c) => ids === undefined || ids.includes(c.info.id));
    for (const c of victims) {
      this.open.delete(c.info.id);
      c.socket.terminate();
    }
    return victims.length;
  }

  /** Sends garbage to one connection, or to every open one; returns how many got it. */
  garbage(kind: WsGarbage, connectionId?: string): number {
    const targets = connectionId === undefined ? this.all() : [this.get(connectionId)];
    let sent = 0;
    for (const conn of targets) {
      if (!conn || conn.socket.readyState !== WebSocket.OPEN) continue;
      if (kind === "text") conn.socket.send("this is not a frame", { binary: false });
      else if (kind === "not-protobuf") conn.socket.send(Buffer.from("ffffffffff0f", "hex"));
      else if (kind === "missing-required") conn.socket.send(frameMissingRequiredFields());
      else conn.socket.send(badFragmentFrame());
      sent++;
    }
    return sent;
  }

  async close(): Promise<void> {
    const handshakesClosed = this.handshakes.close(); // refuses new handshakes at once
    this.drop();
    await handshakesClosed; // `ws` reports closed once every accepted socket is gone
  }
}
