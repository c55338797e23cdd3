import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { CallbackAnswer, CardAction } from "../../handlers/card-action";
import { LEASE_MS as INBOX_LEASE_MS, type InboxProcessor } from "../inbox";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { requestIdOf } from "../request-context";
import type { InboxPayload, Store } from "../store/types";
import { type Envelope, openEnvelope, type WebhookSecrets } from "./envelope";
import { readBotAdded, readCardAction, readMessageEvent } from "./message";
import { WebhookError } from "./verify";

export interface ReceiverOptions {
  secrets: WebhookSecrets;
  store: Store;
  inbox: InboxProcessor;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Lease owner name of this process (its inbox handles what it records). */
  owner: string;
  /** Answers a card button click; must resolve well within Feishu's 3 s. */
  onCardAction: (action: CardAction, logger: Logger) => Promise<CallbackAnswer>;
}

/** Metric labels: anything else is "other", so a signed stream of made-up types cannot grow /metrics. */
const KNOWN_TYPES = new Set(["im.message.receive_v1", "im.chat.member.bot.added_v1", "card.action.trigger"]);

/** Card callbacks must be answered within 3 s; past this we answer with a toast and let the work finish. */
const CALLBACK_BUDGET_MS = 2500;

/** Feishu's events are a few KB; anything far larger is not from Feishu. */
export const BODY_LIMIT = "64kb";

/**
 * The HTTP edge: verifies, decrypts, records what must not be lost, answers Feishu, and hands the work on.
 * Nothing here waits for Feishu's API, so the answer comes in milliseconds whatever Feishu is doing.
 */
export function createReceiver(o: ReceiverOptions): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });

  const receive = async (req: Request, res: Response) => {
    const started = performance.now();
    const request_id = requestIdOf(res);
    let type = "unknown";
    let outcome = "rejected";
    try {
      const envelope = openEnvelope(
        { rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), header: (name) => req.get(name) },
        o.secrets,
      );
      if (envelope.kind === "challenge") {
        type = "url_verification";
        outcome = "challenge";
        res.json({ challenge: envelope.challenge });
        return;
      }
      type = KNOWN_TYPES.has(envelope.eventType) ? envelope.eventType : "other";
      const result = await accept(envelope, request_id);
      outcome = result.outcome;
      res.status(200).json(result.body ?? {});
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error;
      o.logger.warn("webhook request refused", {
        request_id,
        status: error.status,
        reason: error.message,
        path: req.path,
      });
      res.status(error.status).json({ error: error.message });
    } finally {
      o.metrics.eventsReceived.inc({ type, outcome });
      o.metrics.eventAnswerSeconds.observe((performance.now() - started) / 1000);
      o.logger.debug("webhook answered", {
        request_id,
        type,
        outcome,
        ms: Math.round(performance.now() - started),
      });
    }
  };

  /** Records work durably (leased to this process), then hands it to the inbox in memory. */
  const record = async (key: string, eventId: string, payload: InboxPayload) => {
    const now = o.now();
    const result = await o.store.recordInbox(key, eventId, payload, now, o.owner, INBOX_LEASE_MS);
    if (result === "new") void o.inbox.accept({ key, payload, receivedAt: now, attempts: 1 });
    return result;
  };

  /** Records an event before its 200; a duplicate is answered 200 too, so Feishu stops re-pushing it. */
  const accept = async (
    envelope: Extract<Envelope, { kind: "event" }>,
    request_id: string,
  ): Promise<{ outcome: string; body?: Record<string, unknown> }> => {
    switch (envelope.eventType) {
      case "im.message.receive_v1": {
        const message = readMessageEvent(envelope.event, envelope.eventId);
        const payload = { kind: "message" as const, message };
        const result = await record(message.messageId, message.eventId, payload);
        if (result === "new") {
          o.logger.info("message accepted", {
            request_id,
            message_id: message.messageId,
            event_id: message.eventId,
          });
          return { outcome: "accepted" };
        }
        o.logger.info("duplicate delivery ignored", {
          request_id,
          message_id: message.messageId,
          event_id: message.eventId,
        });
        return { outcome: "duplicate" };
      }
      case "im.chat.member.bot.added_v1": {
        const { chatId, operatorOpenId } = readBotAdded(envelope.event);
        const payload = { kind: "bot_added" as const, chatId, operatorOpenId, eventId: envelope.eventId };
        const result = await record(`bot_added:${envelope.eventId}`, envelope.eventId, payload);
        return { outcome: result === "new" ? "accepted" : "duplicate" };
      }
      case "card.action.trigger": {
        const action = readCardAction(envelope.event, envelope.eventId);
        // Callbacks are never re-pushed, but a replayed request must not act twice.
        if (!(await o.store.recordEvent(envelope.eventId, o.now()))) return { outcome: "duplicate" };
        const logger = o.logger.child({
          request_id,
          event_id: action.eventId,
          message_id: action.openMessageId,
        });
        const answer = await withinBudget(o.onCardAction(action, logger), logger);
        return { outcome: "accepted", body: answer as unknown as Record<string, unknown> };
      }
      default:
        return { outcome: "ignored" };
    }
  };

  router.post(["/webhook/event", "/webhook/card"], raw, (req, res, next) => {
    receive(req, res).catch(next);
  });
  router.use(["/webhook/event", "/webhook/card"], bodyErrors(o.logger));
  return router;
}

async function withinBudget(work: Promise<CallbackAnswer>, logger: Logger): Promise<CallbackAnswer | object> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<object>((resolve) => {
    timer = setTimeout(() => resolve({}), CALLBACK_BUDGET_MS);
  });
  const guarded = work.catch((error) => {
    logger.error("card action failed", { error: String(error) });
    return {};
  });
  try {
    return await Promise.race([guarded, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** body-parser errors (too large, bad encoding) become 4xx; anything else is ours: 500, logged. */
function bodyErrors(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      res.status(status).json({ error: (error as Error).message });
      return;
    }
    logger.error("webhook handling failed", { error: String(error) });
    res.status(500).json({ error: "internal error" });
  };
}
