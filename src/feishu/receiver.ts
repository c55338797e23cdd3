import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { Incoming } from "../core/incoming";
import type { Ingest, IngestResult } from "../ingest";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { requestIdOf } from "../request-context";
import { openEnvelope, type WebhookSecrets } from "./envelope";
import { KNOWN_EVENT_TYPES, readIncoming, readLegacyCardAction } from "./incoming";
import { WebhookError } from "./verify";

export interface ReceiverOptions {
  secrets: WebhookSecrets;
  ingest: Ingest;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The largest body accepted. Feishu's events are a few KB, but a text message may hold 150 KB, which its
 * event carries as a JSON string inside a JSON string (each quote or backslash escaped twice), then encrypted
 * and base64-encoded (4/3). 2 MB holds the worst legitimate case; a larger declared body is refused with 413
 * before it is read, and a body that grows past it while streaming is cut off there.
 */
export const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

const KNOWN = new Set<string>(KNOWN_EVENT_TYPES);

/**
 * The HTTP edge: verifies, decrypts and normalises each request, hands it to the ingest core, and maps what
 * the core answers to an HTTP status. Refused input (forged, malformed) gets 4xx and changes nothing; a store
 * that cannot record gets 503, so Feishu delivers the event again later.
 */
export function createReceiver(options: ReceiverOptions): Router {
  const router = express.Router();

  const receive = async (req: Request, res: Response) => {
    const started = performance.now();
    const request_id = requestIdOf(res);
    const logger = options.logger.child({ request_id });
    let type = "unknown";
    let outcome = "rejected";
    try {
      const rawBody = await readBody(req, BODY_LIMIT_BYTES);
      const envelope = openEnvelope({ rawBody, header: (name) => req.get(name) }, options.secrets);
      if (envelope.kind === "challenge") {
        type = "url_verification";
        outcome = "challenge";
        res.json({ challenge: envelope.challenge });
        return;
      }
      let incoming: Incoming;
      if (envelope.kind === "legacy_card") {
        type = "card.action.trigger_v1";
        incoming = { kind: "card_action", action: readLegacyCardAction(envelope.body) };
      } else {
        type = KNOWN.has(envelope.eventType) ? envelope.eventType : "other";
        incoming = readIncoming(envelope.eventType, envelope.eventId, envelope.tenantKey, envelope.event);
      }
      const result = await options.ingest.handle(incoming, logger);
      outcome = result.outcome;
      res.status(200).json(answerBody(result, envelope.kind === "legacy_card"));
    } catch (error) {
      if (error instanceof WebhookError) {
        logger.warn("webhook request refused", {
          status: error.status,
          reason: error.message,
          path: req.path,
        });
        res.status(error.status).json({ error: error.message });
        return;
      }
      // Not recorded (the store is down, say): Feishu re-pushes an event it did not get a 200 for.
      outcome = "failed";
      logger.error("event could not be recorded; Feishu will deliver it again", { error: String(error) });
      res.status(503).json({ error: "temporarily unavailable" });
    } finally {
      options.metrics.eventsReceived.inc({ transport: "webhook", type, outcome });
      options.metrics.eventAnswerSeconds.observe(
        { transport: "webhook" },
        (performance.now() - started) / 1000,
      );
    }
  };

  router.post(["/webhook/event", "/webhook/card"], (req, res, next) => {
    receive(req, res).catch(next);
  });
  router.use(["/webhook/event", "/webhook/card"], internalErrors(options.logger));
  return router;
}

/**
 * The raw body bytes (signatures are over exactly these), refused with 413 as soon as it is known to be too
 * large: from its declared Content-Length before reading anything, or once the bytes read pass the limit.
 * (body-parser would answer 413 only after draining the whole request.)
 */
function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new WebhookError(413, `body of ${declared} bytes is over the ${limit} byte limit`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error) => {
      req.off("data", onData);
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new WebhookError(413, `body is over the ${limit} byte limit`));
      else chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    req.once("error", () => fail(new WebhookError(400, "the request body could not be read")));
  });
}

/**
 * A card callback is answered with its toast and card (`card.action.trigger`), or with the new card itself
 * (the legacy format, which knows no toast); every other event with `{}`.
 */
function answerBody(result: IngestResult, legacy: boolean): object {
  if (!result.callback) return {};
  return legacy ? (result.callback.card?.data ?? {}) : result.callback;
}

/** Anything that escaped receive() is ours: 500, logged. */
function internalErrors(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    logger.error("webhook handling failed", { error: String(error) });
    res.status(500).json({ error: "internal error" });
  };
}
