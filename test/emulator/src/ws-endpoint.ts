/**
 * The long connection's endpoint discovery, `POST /callback/ws/endpoint` {AppID, AppSecret}: which socket to
 * open and the ClientConfig to use. Like the token route it takes no bearer token (server.ts skips the check).
 */
import type { Answer } from "./answer";
import { field } from "./answer";
import { WS, WS_CODES, WS_MSGS } from "./constants";
import type { WsClientConfig, WsEndpointFault } from "./long-connection-types";
import type { EmulatorOptions, Fault } from "./types";

export interface EndpointContext {
  options: Required<EmulatorOptions>;
  /** ws://127.0.0.1:PORT */
  wsBaseUrl: string;
  openConnections: number;
  clientConfig: WsClientConfig;
  /** A fresh device_id that the upgrade on /ws will accept. */
  issueDeviceId(): string;
}

/** HTTP 200 and a non-zero code; `data: {}` makes the SDK treat it as fatal (unless 1000040343). */
const refuse = (code: number, msg: string, withData: boolean): Answer => ({
  status: 200,
  body: withData ? { code, msg, data: {} } : { code, msg },
});

export function discoverEndpoint(ctx: EndpointContext, body: unknown): Answer {
  const { options } = ctx;
  const appId = field(body, "AppID");
  const appSecret = field(body, "AppSecret");
  if (appId !== options.appId || appSecret !== options.appSecret) {
    return refuse(WS_CODES.AUTH_FAILED, WS_MSGS.AUTH_FAILED, true);
  }
  if (options.appType !== "self_built") return refuse(WS_CODES.FORBIDDEN, WS_MSGS.FORBIDDEN, true);
  // Over the cap: exceed_conn_limit WITHOUT data. The code is the SDK's documented one; Feishu's exact answer
  // is not documented, and the SDK retries this shape (ReconnectCount times), where with `data` it would
  // give up for good. A retry is what a 51st instance should do: it gets in once another one leaves.
  // The handshake checks the cap again (ws-handshake.ts), for clients racing between the two steps.
  if (ctx.openConnections >= options.wsMaxConnections) {
    return refuse(WS_CODES.EXCEED_CONN_LIMIT, WS_MSGS.EXCEED_CONN_LIMIT, false);
  }
  // device_id first and a numeric service_id second: the SDK qs-parses the whole URL, gluing the first key
  // to the path, and sends Number(service_id) in every ping.
  const url = `${ctx.wsBaseUrl}${WS.PATH}?device_id=${ctx.issueDeviceId()}&service_id=${WS.SERVICE_ID}`;
  return {
    status: 200,
    body: { code: WS_CODES.OK, msg: "ok", data: { URL: url, ClientConfig: { ...ctx.clientConfig } } },
  };
}

/** The inject() fault for an endpoint fault. */
export function endpointFault(fault: WsEndpointFault): Fault {
  if (fault.kind === "http") {
    const status = fault.status ?? 503;
    if (status < 300)
      throw new Error(`injectEndpointFault: an http fault needs a non-2xx status (${status})`);
    return { route: "ws_endpoint", status, count: fault.count };
  }
  const msg = fault.msg ?? "injected fault";
  const body = fault.withData ? { code: fault.code, msg, data: {} } : { code: fault.code, msg };
  return { route: "ws_endpoint", status: 200, body, count: fault.count };
}

export function clientConfigFrom(options: Required<EmulatorOptions>): WsClientConfig {
  return {
    PingInterval: options.wsPingIntervalSeconds,
    ReconnectCount: options.wsReconnectCount,
    ReconnectInterval: options.wsReconnectIntervalSeconds,
    ReconnectNonce: options.wsReconnectNonceSeconds,
  };
}
