/**
 * The HTTP side: a node:http server on 127.0.0.1:0 that records every request, applies queued faults,
 * checks the tenant token, then dispatches to routes.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Answer, fail } from "./answer";
import { CODES, HTTP, INVALID_TOKEN_MSG } from "./constants";
import { matchRoute, ROUTES } from "./routes";
import type { EmulatorState } from "./state";
import type { EmulatorOptions, Fault, RecordedRequest } from "./types";

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

/** The answer of an injected fault, or undefined when it only delays. */
function faultAnswer(fault: Fault): Answer | undefined {
  if (fault.status === undefined && fault.code === undefined && fault.body === undefined) return undefined;
  const status = fault.status ?? (fault.code !== undefined ? 400 : 500);
  const code = fault.code ?? (status === 429 ? CODES.GATEWAY_RATE_LIMITED : status);
  const body = fault.body !== undefined ? fault.body : { code, msg: fault.msg ?? "injected fault" };
  return { status, body, headers: fault.headers };
}

export async function startServer(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
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

  const answer = (res: ServerResponse, record: RecordedRequest, a: Answer) => {
    if (closed || res.destroyed) return;
    const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body);
    const type = typeof a.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
    record.status = a.status;
    record.response = a.body;
    res.writeHead(a.status, { "content-type": type, ...a.headers });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
    const body = parseBody(await readBody(req));
    const { route, messageId } = matchRoute(method, url.pathname);
    const record: RecordedRequest = {
      route,
      method,
      path: url.pathname,
      query,
      headers: { ...req.headers },
      body,
      status: 0,
      response: undefined,
      at: Date.now(),
    };
    state.requests.push(record);
    if (route === "unknown") return answer(res, record, fail(HTTP.NOT_FOUND, 404, "404 page not found"));
    if (route === "task_check") state.countTaskCheck(query.task_id ?? "");

    const fault = state.takeFault(route, query.task_id, messageId);
    if (fault?.hang) return; // never answered; close() destroys the socket
    if (fault?.delayMs !== undefined && !(await sleep(fault.delayMs))) return;
    const injected = fault && faultAnswer(fault);
    if (injected) return answer(res, record, injected);

    if (route !== "token" && !state.tokenValid(bearer(req))) {
      return answer(res, record, fail(HTTP.INVALID_TOKEN, CODES.INVALID_TOKEN, INVALID_TOKEN_MSG));
    }
    if (typeof body === "string") {
      return answer(
        res,
        record,
        fail(HTTP.IM_ERROR, CODES.FIELD_VALIDATION, "field validation failed: body is not JSON"),
      );
    }
    answer(res, record, ROUTES[route]({ state, options, query, body, messageId }));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ code: 500, msg: `emulator error: ${String(err)}` }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (closed) return;
      closed = true;
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
