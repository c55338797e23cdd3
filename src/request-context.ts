import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "./logger";

/** Fresh request ids: a per-process prefix and a counter (random bytes per request cost measurable CPU). */
const PREFIX = randomBytes(4).toString("hex");
let counter = 0;

/** The id of the request being answered, as requestLogging set it. */
export function requestIdOf(res: Response): string {
  return typeof res.locals.requestId === "string" ? res.locals.requestId : "";
}

/**
 * Gives each request an id (a sane incoming X-Request-Id, else a fresh one), echoes it in the answer, and
 * logs one line per request with its status and latency when the answer is sent. Handlers put the id on
 * their own lines through a child logger (an AsyncLocalStorage would slow every promise on Node 20).
 */
export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get("x-request-id");
    const requestId =
      incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : `${PREFIX}-${(++counter).toString(36)}`;
    const started = performance.now();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    res.on("finish", () => {
      const quiet = req.path === "/healthz" || req.path === "/metrics";
      logger.log(quiet ? "debug" : "info", "http request", {
        request_id: requestId,
        method: req.method,
        path: req.path.slice(0, 100),
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    next();
  };
}
