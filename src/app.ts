import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import { handleCardAction } from "../handlers";
import { type Api, createApi } from "./api/router";
import type { Config } from "./config";
import { cardActionContext } from "./contexts";
import { FeishuClient } from "./feishu/client";
import { classify } from "./feishu/errors";
import { LongConnection } from "./feishu/long-connection";
import { type FeishuApi, PacedFeishu } from "./feishu/paced";
import { createReceiver } from "./feishu/receiver";
import { StoreTokenStore } from "./feishu/tokens";
import { InboxProcessor } from "./inbox";
import { Ingest } from "./ingest";
import type { Logger } from "./logger";
import { createMetrics, type Metrics } from "./metrics";
import { requestLogging } from "./request-context";
import { sleep } from "./sleep";
import type { Store } from "./store/types";
import { WatchEngine } from "./watch/engine";
import { backoffMs } from "./watch/policy";
import { Scheduler } from "./watch/scheduler";

export interface AppDeps {
  logger: Logger;
  /** The open store (see store/index.ts openStore); the app closes it when it stops. */
  store: Store;
  now?: () => number;
  /** Defaults to the SDK client, paced by the store's budgets. */
  feishu?: FeishuApi;
  /** Long connection only: seconds without a frame after a ping before the socket is reopened (default 10). */
  pingTimeoutSeconds?: number;
  /** Long connection only: how long it may be down before /healthz answers 503 (default 60 s). */
  longConnectionGraceMs?: number;
}

/** A long connection down longer than this turns /healthz to 503, so an orchestrator restarts a stuck bot. */
export const LONG_CONNECTION_GRACE_MS = 60_000;

export interface App {
  http: Express;
  store: Store;
  metrics: Metrics;
  scheduler: Scheduler;
  inbox: InboxProcessor;
  engine: WatchEngine;
  ingest: Ingest;
  /** The watch API (`/api/v1/...`), on when API_TOKENS is set. */
  api: Api;
  /** The long connection, when FEISHU_EVENT_TRANSPORT=websocket. */
  longConnection: LongConnection | undefined;
  /** Learns the bot's identity, resumes unfinished work and starts the schedule. */
  start(): Promise<void>;
  /** Stops the schedule, lets in-flight work finish and closes the store. */
  stop(): Promise<void>;
  readonly state: "starting" | "ready" | "stopping" | "stopped";
}

/** Builds the whole bot from its configuration and an open store; server.ts listens and starts it. */
export function createApp(config: Readonly<Config>, deps: AppDeps): App {
  const { logger, store } = deps;
  const now = deps.now ?? Date.now;
  const owner = `bot-${process.pid}-${randomUUID().slice(0, 8)}`;
  const metrics = createMetrics(() => store.countOpenWatches());
  const storeApp = config.appType === "store";
  // A store app's ticket and tokens live in the shared store: every replica and restart uses them.
  const tokens = storeApp ? new StoreTokenStore(store, config.appId) : undefined;
  const client = new FeishuClient({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    appType: config.appType,
    tokens,
    logger,
  });
  const feishu =
    deps.feishu ?? new PacedFeishu(client, store, { taskCheckRps: config.taskCheckRps, metrics });
  const identity = new BotIdentity(feishu, logger);
  let state: App["state"] = "starting";

  const common = { store, feishu, logger, metrics, now, owner, locale: config.locale };
  const engine = new WatchEngine({
    ...common,
    pollIntervalSeconds: config.pollIntervalSeconds,
    taskCheckRps: config.taskCheckRps,
    watchTimeoutMinutes: config.watchTimeoutMinutes,
  });
  // Commands are recorded as soon as the store is open; they are handled once the bot knows who it is.
  const inbox = new InboxProcessor({ ...common, engine, botOpenId: (tenantKey) => identity.of(tenantKey) });
  const scheduler = new Scheduler({ engine, inbox, store, logger, now });
  const ingest = new Ingest({
    store,
    handOver: (item) => void inbox.accept(item),
    now,
    owner,
    selfBuilt: !storeApp,
    answerCardAction: (action, actionLogger) =>
      handleCardAction(cardActionContext({ ...common, engine }, actionLogger), action),
    onAppTicket: async (ticket) => {
      await tokens?.saveTicket(ticket);
    },
    onTenantStatus: async (tenantKey, status) => {
      const ended = await store.setTenantStatus(tenantKey, status, "uninstalled", now());
      logger.info(status === "uninstalled" ? "tenant uninstalled the app" : "tenant uses the app again", {
        tenant_key: tenantKey,
        watches_ended: ended,
      });
    },
  });

  const api = createApi({ tokens: config.apiTokens, store, engine, logger, metrics, now });
  const longConnection =
    config.eventTransport === "websocket"
      ? new LongConnection({
          appId: config.appId,
          appSecret: config.appSecret,
          domain: config.domain,
          ingest,
          metrics,
          logger,
          pingTimeoutSeconds: deps.pingTimeoutSeconds,
        })
      : undefined;

  const http = express();
  http.disable("x-powered-by");
  http.use(requestLogging(logger));
  http.use(createReceiver({ secrets: config, ingest, metrics, logger }));
  http.use("/api", api.router);
  http.get("/healthz", async (_req, res) => {
    const storeOk = await store.ping().catch(() => false);
    const connection = longConnection?.health();
    const connectionOk =
      !connection ||
      connection.state === "connected" ||
      Date.now() - connection.since < (deps.longConnectionGraceMs ?? LONG_CONNECTION_GRACE_MS);
    const ok = state === "ready" && storeOk && scheduler.running && connectionOk;
    res.status(ok ? 200 : 503).json({
      status: ok ? "ok" : state === "ready" ? "degraded" : state,
      store: storeOk ? "ok" : "unavailable",
      scheduler: scheduler.running ? "running" : "stopped",
      last_round_at: scheduler.lastRoundAt ? new Date(scheduler.lastRoundAt).toISOString() : null,
      ...(connection && {
        long_connection: { state: connection.state, since: new Date(connection.since).toISOString() },
      }),
    });
  });
  http.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return {
    http,
    store,
    metrics,
    scheduler,
    inbox,
    engine,
    ingest,
    api,
    longConnection,
    get state() {
      return state;
    },
    async start() {
      if (storeApp) {
        // A store app learns the bot's open_id per tenant, as events come; here it checks its credentials
        // and, when no replica has a ticket yet, asks Feishu to push one.
        if (!(await tokens?.hasTicket())) await askForTicket(client, logger);
      } else {
        logger.info("bot identity known", { bot_open_id: await identity.learn("") });
      }
      scheduler.start();
      inbox.start(); // what arrived while starting, and what a crash left unfinished
      await longConnection?.start();
      state = "ready";
    },
    async stop() {
      if (state === "stopping" || state === "stopped") return;
      state = "stopping";
      longConnection?.close();
      await scheduler.stop();
      await inbox.idle();
      await api.idle();
      await store.close();
      state = "stopped";
    },
  };
}

/**
 * The bot's open_id in each tenant tells mentions of the bot from mentions of others. A store app's bot may
 * have another open_id in each tenant (Feishu does not say), so it is learnt per tenant and kept.
 */
class BotIdentity {
  private readonly known = new Map<string, Promise<string>>();

  constructor(
    private readonly feishu: FeishuApi,
    private readonly logger: Logger,
  ) {}

  /** The open_id in this tenant, asked once (a failed lookup is asked again next time). */
  of(tenantKey: string): Promise<string> {
    let id = this.known.get(tenantKey);
    if (!id) {
      id = this.feishu.botOpenId(tenantKey);
      this.known.set(tenantKey, id);
      id.catch(() => this.known.delete(tenantKey));
    }
    return id;
  }

  /** At start-up: retries a while, then says what to fix. */
  async learn(tenantKey: string): Promise<string> {
    const attempts = 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.of(tenantKey);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        // Wrong credentials or a missing capability will not mend themselves: say so at once.
        if (attempt >= attempts || classify(error) === "permanent") {
          throw new Error(
            `could not read the bot's identity from Feishu (GET /open-apis/bot/v3/info): ${reason}. ` +
              "Check FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_DOMAIN, and that the app has the bot capability enabled.",
          );
        }
        this.logger.warn("bot info not available yet; retrying", { attempt, reason });
        await sleep(backoffMs(attempt, 1));
      }
    }
  }
}

/** Store apps: asks Feishu to push an app_ticket; refused credentials stop the start with what to fix. */
async function askForTicket(client: FeishuClient, logger: Logger): Promise<void> {
  try {
    await client.resendAppTicket();
    logger.info("no app_ticket stored yet: asked Feishu to push one (it arrives at /webhook/event)");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (classify(error) === "permanent") {
      throw new Error(
        `Feishu refused to push an app_ticket (POST /open-apis/auth/v3/app_ticket/resend): ${reason}. ` +
          "Check FEISHU_APP_ID and FEISHU_APP_SECRET, and that the app is a store app (FEISHU_APP_TYPE=store).",
      );
    }
    logger.warn("could not ask Feishu for an app_ticket yet; the SDK asks again when it needs one", {
      reason,
    });
  }
}
