/**
 * Feishu's long-connection (WebSocket) mode on the emulator's HTTP server, for the SDK's unmodified WSClient:
 * endpoint discovery (ws-endpoint.ts), sockets and ping/pong (ws-connections.ts), pushes and acks
 * (ws-pushes.ts), pbbp2 frames (pbbp2.ts). `emu.longConnection` is the LongConnection below.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Answer, LongConnectionHost } from "./answer";
import type {
  WsAck,
  WsClientConfig,
  WsConnectionInfo,
  WsEndpointFault,
  WsGarbage,
  WsProtocolError,
  WsPushHandle,
  WsPushOptions,
} from "./long-connection-types";
import type { EmulatorState } from "./state";
import type { EmulatorOptions } from "./types";
import { WsConnections } from "./ws-connections";
import { clientConfigFrom, discoverEndpoint, endpointFault } from "./ws-endpoint";
import { WsPushes } from "./ws-pushes";

export interface LongConnection {
  /** The open connections, oldest first (snapshots). */
  readonly connections: WsConnectionInfo[];
  readonly connectionCount: number;
  /** What the endpoint and every pong hand out now (starts from the ws* options). */
  readonly clientConfig: WsClientConfig;
  /** Changes what later endpoint answers and pongs carry. */
  setClientConfig(config: Partial<WsClientConfig>): void;
  /** Pushes a payload (normally an event envelope) to one random ready connection; see WsPushHandle. */
  push(payload: object, opts?: WsPushOptions): WsPushHandle;
  /** Every ack received, in arrival order (late and unmatched ones too). */
  readonly acks: WsAck[];
  acksFor(messageId: string): WsAck[];
  /** What clients sent that breaks the protocol (undecodable frames, acks for nothing, second acks, ...). */
  readonly protocolErrors: WsProtocolError[];
  /** Terminates the open sockets (all, or these ids) with no close frame; returns how many. */
  dropConnections(connectionIds?: readonly string[]): number;
  /** While on, pings are recorded but not answered. */
  withholdPongs(on: boolean): void;
  /** Queues an endpoint fault (route "ws_endpoint", like inject()). */
  injectEndpointFault(fault: WsEndpointFault): void;
  /** The next `count` handshakes on /ws are refused with HTTP `status` (route "ws_upgrade", like inject()). */
  refuseUpgrades(count?: number, status?: number): void;
  /** Sends garbage to a connection (default every open one); returns how many got it. */
  sendGarbage(kind: WsGarbage, connectionId?: string): number;
  /** Resolves once at least n connections are ready (have pinged); rejects after timeoutMs (default 5000). */
  waitForConnections(n: number, timeoutMs?: number): Promise<WsConnectionInfo[]>;
}

const POLL_MS = 20;

function checkOptions(options: Required<EmulatorOptions>): void {
  const ladder = options.wsRepushDelaysMs;
  if (!(options.wsAckTimeoutMs > 0)) throw new Error("wsAckTimeoutMs must be > 0");
  if (!ladder.every((ms) => ms >= 0)) throw new Error("wsRepushDelaysMs: every delay must be >= 0");
  if (!(options.wsMaxConnections >= 0)) throw new Error("wsMaxConnections must be >= 0");
}

/** The long connection: its HTTP-facing side (LongConnectionHost) and its public one (LongConnection). */
export function createLongConnection(state: EmulatorState, options: Required<EmulatorOptions>) {
  checkOptions(options);
  const protocolErrors: WsProtocolError[] = [];
  const protocolError = (connectionId: string, problem: string) =>
    protocolErrors.push({ connectionId, problem, at: Date.now() });
  let wsBaseUrl = "";
  let closed = false;
  const connections = new WsConnections(
    state,
    options,
    {
      ready: () => pushes.flush(),
      dataFrame: (conn, frame) => pushes.receive(conn, frame),
      protocolError,
    },
    clientConfigFrom(options),
  );
  const pushes = new WsPushes(
    connections,
    { ackTimeoutMs: options.wsAckTimeoutMs, repushDelaysMs: options.wsRepushDelaysMs },
    protocolError,
  );
  const snapshot = () => connections.all().map((c) => ({ ...c.info }));
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const host: LongConnectionHost = {
    endpoint: (body: unknown): Answer =>
      discoverEndpoint(
        {
          options,
          wsBaseUrl,
          openConnections: connections.count,
          clientConfig: connections.clientConfig,
          issueDeviceId: () => connections.issueDeviceId(),
        },
        body,
      ),
    upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => connections.upgrade(req, socket, head),
    listening: (baseUrl: string) => {
      wsBaseUrl = baseUrl.replace(/^http/, "ws");
    },
    close: async () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      pushes.clear("emulator closed");
      await connections.close();
    },
  };

  const api: LongConnection = {
    get connections() {
      return snapshot();
    },
    get connectionCount() {
      return connections.count;
    },
    get clientConfig() {
      return { ...connections.clientConfig };
    },
    setClientConfig: (config) => {
      connections.clientConfig = { ...connections.clientConfig, ...config };
    },
    push: (payload, opts) => pushes.push(payload, opts),
    get acks() {
      return pushes.acks;
    },
    acksFor: (messageId) => pushes.acks.filter((a) => a.messageId === messageId),
    protocolErrors,
    dropConnections: (ids) => connections.drop(ids),
    withholdPongs: (on) => {
      connections.withholdPongs = on;
    },
    injectEndpointFault: (fault) => state.inject(endpointFault(fault)),
    refuseUpgrades: (count = 1, status = 503) => state.inject({ route: "ws_upgrade", status, count }),
    sendGarbage: (kind, connectionId) => connections.garbage(kind, connectionId),
    waitForConnections: async (n, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ready = connections.ready();
        if (ready.length >= n) return ready.map((c) => ({ ...c.info }));
        if (closed) throw new Error("waitForConnections: the emulator is closed");
        if (Date.now() >= deadline) {
          const have = `${ready.length} ready of ${connections.count} open`;
          throw new Error(`waitForConnections(${n}) timed out after ${timeoutMs} ms (${have})`);
        }
        await sleep(POLL_MS);
      }
    },
  };

  /** reset(): pushes and acks are forgotten (in-flight handles reject), faults off; open sockets stay. */
  const reset = () => {
    pushes.clear("emulator reset");
    protocolErrors.length = 0;
    connections.withholdPongs = false;
    connections.clientConfig = clientConfigFrom(options);
  };

  return { host, api, reset };
}
