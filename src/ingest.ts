import type { CallbackAnswer } from "./core/handling";
import { type InboxItem, type InboxPayload, scopedKey } from "./core/inbox-item";
import type { CardAction, Incoming, IncomingMessage } from "./core/incoming";
import type { Logger } from "./logger";
import { type InboxStore, leaseOf } from "./store/roles";

export interface IngestOptions {
  store: Pick<InboxStore, "recordInbox" | "recordEvent">;
  /** Takes over an item recorded (and leased) by this process, to handle it after the answer. */
  handOver: (item: InboxItem) => void;
  now: () => number;
  /** Lease owner name of this process. */
  owner: string;
  /** A self-built app has one tenant: every tenant key is read as "" so nothing depends on it. */
  selfBuilt: boolean;
  /**
   * Whether a message may be for the bot at all (handlers.addressed, with the bot's open_id when known). One
   * that cannot (group chatter an app with the "read all group messages" scope gets) is answered at once and
   * nothing of it is stored.
   */
  addressed: (tenantKey: string, message: IncomingMessage) => boolean;
  /** Answers a card button click; must resolve well within Feishu's 3 s. */
  answerCardAction: (action: CardAction, logger: Logger) => Promise<CallbackAnswer>;
  /** Store apps: keeps the app_ticket Feishu pushes. */
  onAppTicket: (ticket: string) => Promise<void>;
  /** Store apps: a tenant uninstalled, stopped or started the app again. */
  onTenantStatus: (tenantKey: string, status: "active" | "uninstalled") => Promise<void>;
  /** A person's authorization ended at Feishu; absent when user authorization is off. */
  onUserRevoked?: (tenantKey: string, openId: string) => Promise<void>;
}

/** "unaddressed": a message that cannot be for the bot, answered at once, nothing stored. */
export type IngestOutcome = "accepted" | "duplicate" | "ignored" | "unaddressed";

/** What the transport answers Feishu with: an outcome, and for a card click the toast and card. */
export interface IngestResult {
  outcome: IngestOutcome;
  callback?: CallbackAnswer;
}

/** Card callbacks must be answered within 3 s; past this we answer with an empty answer and let the work finish. */
const CALLBACK_BUDGET_MS = 2500;

/**
 * The transport-neutral core of receiving: takes one verified, normalised event and makes it durable before
 * the transport acknowledges it (webhook: HTTP 200; long connection: the ack frame). Duplicates (Feishu
 * re-pushes the same message, sometimes with a new event_id, to any replica) are told apart here, once for
 * the whole deployment. Nothing here waits for Feishu's API, except a card click's own answer.
 * A failure to record throws: the transport must then answer with an error so Feishu delivers it again.
 */
export class Ingest {
  constructor(private readonly options: IngestOptions) {}

  async handle(incoming: Incoming, logger: Logger): Promise<IngestResult> {
    const tenant = (key: string) => (this.options.selfBuilt ? "" : key);
    switch (incoming.kind) {
      case "message": {
        const { message } = incoming;
        const tenantKey = tenant(incoming.tenantKey);
        if (!this.options.addressed(tenantKey, message)) return { outcome: "unaddressed" };
        const outcome = await this.record(
          scopedKey(tenantKey, message.messageId),
          scopedKey(tenantKey, message.eventId),
          { kind: "message", tenantKey, message },
        );
        logger.info(outcome === "accepted" ? "message accepted" : "duplicate delivery ignored", {
          message_id: message.messageId,
          event_id: message.eventId,
        });
        return { outcome };
      }
      case "bot_added": {
        const tenantKey = tenant(incoming.tenantKey);
        const eventKey = scopedKey(tenantKey, incoming.eventId);
        const { chatId, operatorOpenId, eventId } = incoming;
        const payload = { kind: "bot_added" as const, tenantKey, chatId, operatorOpenId, eventId };
        return { outcome: await this.record(`bot_added:${eventKey}`, eventKey, payload) };
      }
      case "card_action": {
        const action = { ...incoming.action, tenantKey: tenant(incoming.action.tenantKey) };
        // Callbacks are never re-pushed, but a replayed request must not act twice.
        if (
          !(await this.options.store.recordEvent(
            scopedKey(action.tenantKey, action.eventId),
            this.options.now(),
          ))
        ) {
          return { outcome: "duplicate" };
        }
        const child = logger.child({ event_id: action.eventId, message_id: action.openMessageId });
        return {
          outcome: "accepted",
          callback: await withinBudget(this.options.answerCardAction(action, child), child),
        };
      }
      case "app_ticket":
        if (this.options.selfBuilt) return { outcome: "ignored" };
        await this.options.onAppTicket(incoming.ticket);
        logger.info("app_ticket received");
        return { outcome: "accepted" };
      case "tenant_status": {
        if (this.options.selfBuilt || !incoming.tenantKey) return { outcome: "ignored" };
        if (
          !(await this.options.store.recordEvent(
            scopedKey(incoming.tenantKey, incoming.eventId),
            this.options.now(),
          ))
        ) {
          return { outcome: "duplicate" };
        }
        await this.options.onTenantStatus(incoming.tenantKey, incoming.status);
        return { outcome: "accepted" };
      }
      case "user_revoked":
        if (!this.options.onUserRevoked) return { outcome: "ignored" };
        // Forgetting tokens is idempotent: done before the answer, and again for a re-push, with no record (a
        // record written first would turn a failed attempt's re-push into a duplicate, and the tokens would stay).
        await this.options.onUserRevoked(tenant(incoming.tenantKey), incoming.openId);
        return { outcome: "accepted" };
      case "other":
        return { outcome: "ignored" };
    }
  }

  /** Records work durably, leased to this process, then hands it over in memory. */
  private async record(key: string, eventId: string, payload: InboxPayload): Promise<IngestOutcome> {
    const now = this.options.now();
    const result = await this.options.store.recordInbox(
      key,
      eventId,
      payload,
      leaseOf(this.options.owner, now),
    );
    if (result === "duplicate") return "duplicate";
    this.options.handOver({ key, payload, receivedAt: now, attempts: 1 });
    return "accepted";
  }
}

async function withinBudget(work: Promise<CallbackAnswer>, logger: Logger): Promise<CallbackAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CallbackAnswer>((resolve) => {
    timer = setTimeout(() => {
      logger.warn("card action answer late; answered empty, the work goes on");
      resolve({});
    }, CALLBACK_BUDGET_MS);
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
