/**
 * The console's HTTP server (node:http on 127.0.0.1): the page, its script and styles, a server-sent events
 * stream of every change, and the JSON actions of console-app.ts. Actions take JSON only, from the console's
 * own origin (a page elsewhere cannot drive it), at most 64 KB; a bad request gets a 4xx and a message.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CARD_CSS } from "../card-html";
import type { Emulator } from "../index";
import { clientBundle } from "./bundle";
import { ConsoleApp } from "./console-app";
import type { BotTarget } from "./delivery";
import { ConsoleError } from "./errors";
import { CONSOLE_PAGE } from "./page";
import { CONSOLE_CSS } from "./styles";

export interface ConsoleOptions {
  /** The bot's URLs (webhook); with `eventUrl: ""` events go only over the long connection. */
  bot: BotTarget;
  /** TCP port on 127.0.0.1; default 0 (a free one). */
  port?: number;
}

export interface RunningConsole {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  app: ConsoleApp;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const HEARTBEAT_MS = 15_000;

type Json = Record<string, unknown>;

function send(res: ServerResponse, status: number, body: unknown, type = "application/json; charset=utf-8") {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<Json> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped (so the answer reaches the client), up to a point.
      if (size > MAX_BODY_BYTES * 16) req.destroy();
      else if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size > MAX_BODY_BYTES)
        return reject(new ConsoleError(413, `body: at most ${MAX_BODY_BYTES / 1024} KB`));
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
          throw new ConsoleError(400, "body: a JSON object");
        resolve(parsed as Json);
      } catch (error) {
        reject(error instanceof ConsoleError ? error : new ConsoleError(400, "body: not valid JSON"));
      }
    });
  });
}

export async function startConsole(emu: Emulator, options: ConsoleOptions): Promise<RunningConsole> {
  await clientBundle(); // bundled before the URL is handed out: the first page load does not wait for it
  const streams = new Set<ServerResponse>();
  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of streams) res.write(frame);
  };
  const app = new ConsoleApp(emu, options.bot, broadcast);
  const offAnswer = emu.onAnswer(() => app.refresh());
  const ticker = setInterval(() => app.refresh(), 1000);
  ticker.unref();
  let origins: string[] = [];

  const actions: Record<string, (body: Json) => unknown> = {
    "/api/say": (b) => app.say(b),
    "/api/click": (b) => app.click(b),
    "/api/membership": (b) => app.membership(b),
    "/api/drive/tasks": (b) => app.drive.startTask(b),
    "/api/drive/end": (b) => app.drive.endTask(b),
    "/api/faults": (b) => app.setFault(b),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const method = req.method ?? "GET";
    if (method === "GET" && path === "/") return send(res, 200, CONSOLE_PAGE, "text/html; charset=utf-8");
    if (method === "GET" && path === "/console.css")
      return send(res, 200, CARD_CSS + CONSOLE_CSS, "text/css; charset=utf-8");
    if (method === "GET" && path === "/console.js")
      return send(res, 200, await clientBundle(), "text/javascript; charset=utf-8");
    if (method === "GET" && path === "/api/state") return send(res, 200, app.snapshot());
    if (method === "GET" && path === "/api/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(app.snapshot())}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    const action = actions[path];
    if (!action) return send(res, 404, { error: `no such page or action: ${method} ${path}` });
    if (method !== "POST") return send(res, 405, { error: `${path} takes POST` });
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.includes(origin))
      return send(res, 403, { error: "only the console's own page may do this" });
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? ""))
      return send(res, 415, { error: "content-type: application/json" });
    return send(res, 200, await action(await readJson(req)));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof ConsoleError) return send(res, error.status, { error: error.message });
      send(res, 500, { error: `console: ${error instanceof Error ? error.message : String(error)}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(": keep-alive\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    url: `http://127.0.0.1:${port}/`,
    app,
    close: async () => {
      clearInterval(ticker);
      clearInterval(heartbeat);
      offAnswer();
      app.close();
      for (const res of streams) res.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
