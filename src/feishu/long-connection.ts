import * as lark from "@larksuiteoapi/node-sdk";
import type { Ingest } from "../ingest";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { sdkLogger } from "./client";
import { asObject, requireString } from "./envelope";
import { KNOWN_EVENT_TYPES, readIncoming } from "./incoming";
import { WebhookError } from "./verify";

export interface LongConnectionOptions {
  appId: string;
  appSecret: string;
  domain: string;
  ingest: Ingest;
  metrics: Metrics;
  logger: Logger;
  /**
   * Seconds without any frame after a ping before the socket is taken for dead and reopened. Must be shorter
   * than Feishu's ping interval (120 s), or the SDK's watchdog never fires.
   */
  pingTimeoutSeconds?: number;
  /** How long start() waits for the first connection before it lets the bot run on and retries behind. */
  startTimeoutMs?: number;
}

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "failed" | "closed";

const KNOWN = new Set<string>(KNOWN_EVENT_TYPES);

/**
 * The long-connection transport (长连接): the bot dials out to Feishu over a WebSocket with the SDK's WSClient
 * and receives events and card callbacks on it, so it needs no public URL. Like the webhook, it only
 * normalises and hands each event to the ingest core; the SDK acknowledges a frame when our handler returns,
 * so the handler records and returns (an error makes the ack a 500, and Feishu delivers the event again).
 */
export class LongConnection {
  private readonly client: lark.WSClient;
  private state: ConnectionState = "connecting";
  private since = Date.now();
  private ready: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(private readonly options: LongConnectionOptions) {
    this.client = new lark.WSClient({
      appId: options.appId,
      appSecret: options.appSecret,
      domain: options.domain,
      logger: sdkLogger(options.logger),
      loggerLevel: lark.LoggerLevel.debug,
      // SDK gap: its liveness watchdog is off unless asked for, so a half-open socket would go unnoticed.
      wsConfig: { pingTimeout: options.pingTimeoutSeconds ?? 10 },
      onReady: () => this.enter("connected"),
      onReconnecting: () => {
        options.metrics.longConnectionReconnects.inc();
        this.enter("reconnecting");
      },
      onReconnected: () => this.enter("connected"),
      onError: (error) => this.failed(error),
    });
  }

  /**
   * Opens the connection. Resolves once connected, or after `startTimeoutMs` while the SDK keeps retrying
   * (the HTTP routes and /healthz serve meanwhile); rejects with what to fix when Feishu refuses it for good.
   */
  start(): Promise<void> {
    const { logger, startTimeoutMs = 15_000 } = this.options;
    const connected = new Promise<void>((resolve, reject) => {
      this.ready = { resolve, reject };
    });
    this.client.start({ eventDispatcher: new IngestDispatcher(this.options) });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.warn("the long connection is not up yet; it keeps trying in the background", {
          state: this.client.getConnectionStatus().state,
        });
        resolve();
      }, startTimeoutMs);
    });
    return Promise.race([connected, waited]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.client.close();
    this.enter("closed");
  }

  /** What /healthz reports: the state and since when (ms since epoch). */
  health(): { state: ConnectionState; since: number } {
    return { state: this.state, since: this.since };
  }

  private enter(state: ConnectionState): void {
    if (state !== this.state) {
      this.state = state;
      this.since = Date.now();
      this.options.logger.log(state === "connected" ? "info" : "warn", `long connection ${state}`);
    }
    this.options.metrics.longConnectionUp.set(state === "connected" ? 1 : 0);
    if (state === "connected") this.ready?.resolve();
  }

  private failed(error: Error): void {
    this.enter("failed");
    const refusal = /code=(\d+)/.exec(error.message);
    const fix = refusal
      ? `Feishu refused the long connection (code ${refusal[1]}): check FEISHU_APP_ID and FEISHU_APP_SECRET, ` +
        "and that the app is a self-built app (企业自建应用): store apps cannot use the long connection"
      : `the long connection gave up (${error.message}): check that this host can reach FEISHU_DOMAIN`;
    this.options.logger.error(fix);
    this.ready?.reject(new Error(fix));
  }
}

/**
 * SDK gap: its EventDispatcher flattens header and event into one object and calls one handler per event type;
 * we want the envelope as Feishu sent it, every type through one door (unknown ones acked and ignored), and
 * our own count of frames and acks. WSClient calls invoke() with the merged frame and acks with its result.
 */
class IngestDispatcher extends lark.EventDispatcher {
  constructor(private readonly options: LongConnectionOptions) {
    super({ logger: sdkLogger(options.logger), loggerLevel: lark.LoggerLevel.debug });
  }

  override async invoke(data: unknown): Promise<unknown> {
    const { ingest, logger, metrics } = this.options;
    const started = performance.now();
    let type = "unknown";
    let outcome = "rejected";
    try {
      const envelope = readEnvelope(data);
      type = KNOWN.has(envelope.eventType) ? envelope.eventType : "other";
      const incoming = readIncoming(envelope.eventType, envelope.eventId, envelope.tenantKey, envelope.event);
      const result = await ingest.handle(incoming, logger);
      outcome = result.outcome;
      metrics.longConnectionAcks.inc({ code: "200" });
      // A callback's answer travels back in the ack: Feishu shows an error when it carries no data.
      return incoming.kind === "card_action" ? (result.callback ?? {}) : undefined;
    } catch (error) {
      if (error instanceof WebhookError) {
        // Malformed: delivering it again would not help. Acknowledged and dropped, like the webhook's 400.
        logger.warn("long-connection event refused", { type, reason: error.message });
        metrics.longConnectionAcks.inc({ code: "200" });
        return undefined;
      }
      outcome = "failed";
      logger.error("event could not be recorded; Feishu will deliver it again", { error: String(error) });
      metrics.longConnectionAcks.inc({ code: "500" });
      throw error;
    } finally {
      metrics.eventsReceived.inc({ transport: "websocket", type, outcome });
      metrics.eventAnswerSeconds.observe({ transport: "websocket" }, (performance.now() - started) / 1000);
    }
  }
}

/** The v2 envelope of a frame (events and card.action.trigger arrive as v2 over the long connection). */
function readEnvelope(data: unknown) {
  const envelope = asObject(data, "frame payload");
  const header = asObject(envelope.header, "header");
  return {
    eventType: requireString(header.event_type, "header.event_type"),
    eventId: requireString(header.event_id, "header.event_id"),
    tenantKey: typeof header.tenant_key === "string" ? header.tenant_key : "",
    event: asObject(envelope.event, "event"),
  };
}
