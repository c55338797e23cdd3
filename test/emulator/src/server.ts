/**
 * The HTTP side: a node:http server on 127.0.0.1 (port `options.port`, 0 = any free port) that records every
 * request (and tells the onRequest listeners), applies queued faults, checks the tenant token and the gateway
 * rate limits, then dispatches to routes.ts. WebSocket upgrades go to the long connection (long-connection.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Answer, fail, faultAnswer, type LongConnectionHost } from "./answer";
import { checkCaller, type UserCaller } from "./caller";
import { CODES, HTTP } from "./constants";
import { gatewayLimit } from "./limits";
import { type HttpRouteName, matchRoute, type RouteSpec } from "./routes";
import type { EmulatorState } from "./state";
import type { EmulatorOptions, RecordedRequest } from "./types";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}

/** What Feishu does with a request that no fault intercepts: token, gateway limits, body, route. */
function handleNormally(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  longConnection: LongConnectionHost,
  req: IncomingMessage,
  record: RecordedRequest,
  match: { spec: RouteSpec<HttpRouteName>; params: Record<string, string>; messageId?: string },
  query: Record<string, string>,
  raw: { body: unknown; text: string },
): Answer {
  const { spec, params, messageId } = match;
  let tenant = state.tenants.default;
  let user: UserCaller | undefined;
  if (spec.auth !== false) {
    const caller = checkCaller(state, spec.identities ?? ["tenant"], spec.userScopes, bearer(req));
    if (!caller.ok) {
      if (caller.userOpenId !== undefined) record.userOpenId = caller.userOpenId;
      return caller.answer;
    }
    tenant = caller.tenant;
    user = caller.user;
    record.tenantKey = tenant.key;
    if (user) record.userOpenId = user.openId;
  }
  // Feishu counts its limits "per API, per app, per tenant" (频控策略): one set of windows per tenant.
  const limited = gatewayLimit(state.windows, options, spec.gateway, state.now(), tenant.key);
  if (limited) return limited;
  const { body, text } = raw;
  if (typeof body === "string" && !spec.rawBody) {
    return fail(HTTP.IM_ERROR, CODES.FIELD_VALIDATION, "field validation failed: body is not JSON");
  }
  const headers = req.headers;
  return spec.handle({
    state,
    options,
    query,
    body,
    rawBody: text,
    headers,
    params,
    messageId,
    tenant,
    user,
    longConnection,
  });
}

export async function startServer(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  longConnection: LongConnectionHost,
): Promise<RunningServer> {
  let closed = false;
  const timers = new Map<NodeJS.Timeout, (answered: boolean) => void>();
  /** Resolves true after ms, or false as soon as the server closes. */
  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve(!closed);
      }, ms);
      timers.set(t, resolve);
    });

  /** Runs what Feishu does after answering (a ticket push), unless the server closed. */
  const after = (a: Answer | undefined) => {
    if (a?.afterAnswer && !closed) a.afterAnswer();
  };

  const answer = (res: ServerResponse, record: RecordedRequest, a: Answer) => {
    if (a.rateLimit) record.rateLimit = a.rateLimit;
    if (closed || res.destroyed) return after(a);
    const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body);
    const type = typeof a.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
    record.status = a.status;
    record.response = a.body;
    res.writeHead(a.status, { "content-type": type, ...a.headers });
    res.end(text);
    state.answered(record);
    after(a);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
    const text = await readBody(req);
    const body = parseBody(text);
    const match = matchRoute(method, url.pathname);
    const { route, spec, params, messageId } = match;
    const record: RecordedRequest = {
      route,
      method,
      path: url.pathname,
      query,
      headers: { ...req.headers },
      body,
      status: 0,
      response: undefined,
      at: state.now(),
    };
    state.record(record);
    if (route === "unknown" || !spec) {
      return answer(res, record, fail(HTTP.NOT_FOUND, 404, "404 page not found"));
    }
    if (route === "task_check") state.countTaskCheck(query.task_id ?? "");
    const normally = () =>
      handleNormally(state, options, longConnection, req, record, { spec, params, messageId }, query, {
        body,
        text,
      });

    const fault = state.takeFault(route, query.task_id, messageId);
    if (!fault) return answer(res, record, normally());
    record.fault = true;
    // afterHandling: Feishu does the work now; the fault only changes what (and when) the bot hears.
    const handled = fault.afterHandling ? normally() : undefined;
    if (handled?.rateLimit) record.rateLimit = handled.rateLimit;
    if (fault.hang) {
      if (handled) record.withheld = { status: handled.status, response: handled.body };
      after(handled); // Feishu did the work: it also does what follows (a ticket push)
      return; // never answered; close() destroys the socket
    }
    if (fault.delayMs !== undefined && !(await sleep(fault.delayMs))) return;
    const final = faultAnswer(fault) ?? handled ?? normally();
    answer(res, record, final);
    if (handled && final !== handled) after(handled);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ code: 500, msg: `emulator error: ${String(err)}` }));
      }
    });
  });
  // Upgrades never reach the request handler: the long connection takes them all (and refuses other paths).
  server.on("upgrade", (req, socket, head) => longConnection.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  longConnection.listening(url);

  return {
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      await longConnection.close();
      for (const [t, resolve] of timers) {
        clearTimeout(t);
        resolve(false);
      }
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
