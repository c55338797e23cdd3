import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "./logger";

/** The request id of the HTTP request whose handling is running, for every log line written meanwhile. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/**
 * Gives each request an id (a sane incoming X-Request-Id, else a fresh one), echoes it in the answer, and
 * logs one line per request with its status and latency when the answer is sent.
 */
export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomBytes(8).toString("hex");
    const started = performance.now();
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
    requestContext.run({ requestId }, next);
  };
}
