import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import { handlers } from "../handlers";
import { type Api, createApi } from "./api/router";
import { AuthorizationFlow } from "./auth/flow";
import { Identities } from "./auth/identities";
import { authRoutes } from "./auth/routes";
import { Sealer } from "./auth/sealing";
import type { Config } from "./config";
import { type ContextParts, cardActionContext } from "./contexts";
import type { FeishuApi } from "./core/feishu-api";
import { FeishuClient } from "./feishu/client";
import { LongConnection } from "./feishu/long-connection";
import { OAuthClient } from "./feishu/oauth-client";
import { PacedFeishu } from "./feishu/paced";
import { createReceiver } from "./feishu/receiver";
import { StoreTokenStore } from "./feishu/tokens";
import { healthRoutes } from "./health";
import { askForTicket, BotIdentity } from "./identity";
import { InboxProcessor } from "./inbox";
import { Ingest } from "./ingest";
import type { Logger } from "./logger";
import { createMetrics, type Metrics } from "./metrics";
import { Outbox } from "./outbox";
import { requestLogging } from "./request-context";
import { Scheduler } from "./scheduler";
import type { Store } from "./store/roles";
import { WatchEngine } from "./watch/engine";

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

/** User authorization's parts (PUBLIC_URL and USER_TOKEN_KEY set): the sealer, Feishu's OAuth, the flow. */
function buildUserAuth(
  config: Readonly<Config>,
  deps: { store: Store; metrics: Metrics; logger: Logger; now: () => number },
): { identities: Identities; flow: AuthorizationFlow } | undefined {
  const settings = config.userAuth;
  if (!settings) return undefined;
  const sealer = new Sealer(settings.keys);
  const oauth = new OAuthClient({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    accountsDomain: settings.accountsDomain,
    logger: deps.logger,
  });
  // Inside the Feishu client a button can open the page in its sidebar (an AppLink), on Feishu and Lark only.
  const appLinkHost = APPLINK_HOSTS[config.domain];
  const identities = new Identities({ ...deps, config: settings, oauth, sealer, appLinkHost });
  const flow = new AuthorizationFlow({ ...deps, config: settings, identities, oauth, sealer });
  return { identities, flow };
}

const APPLINK_HOSTS: Readonly<Record<string, string>> = {
  "https://open.feishu.cn": "applink.feishu.cn",
  "https://open.larksuite.com": "applink.larksuite.com",
};

/**
 * The composition root: builds the whole bot from its configuration and an open store, and wires its parts
 * (the only file of src/ that names handlers/). server.ts listens and starts it.
 */
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
  const outbox = new Outbox(store, feishu, now);
  const identity = new BotIdentity(feishu, logger);
  let state: App["state"] = "starting";
  const userAuth = config.userAuth && buildUserAuth(config, { store, metrics, logger, now });
  const identities = userAuth?.identities;

  const common = { feishu, outbox, logger, metrics, now, owner, locale: config.locale, identities };
  const engine = new WatchEngine({
    ...common,
    store,
    pollIntervalSeconds: config.pollIntervalSeconds,
    taskCheckRps: config.taskCheckRps,
    watchTimeoutMinutes: config.watchTimeoutMinutes,
  });
  const parts: ContextParts = { watches: store, outbox, engine, locale: config.locale, now, identities };
  // Commands are recorded as soon as the store is open; they are handled once the bot knows who it is.
  const inbox = new InboxProcessor({
    ...common,
    store,
    watches: store,
    engine,
    handlers,
    botOpenId: (tenantKey) => identity.of(tenantKey),
  });
  const scheduler = new Scheduler({ engine, inbox, store, logger, now });
  const ingest = new Ingest({
    store,
    handOver: (item) => void inbox.accept(item),
    now,
    owner,
    selfBuilt: !storeApp,
    addressed: (tenantKey, message) => handlers.addressed(message, identity.known(tenantKey)),
    answerCardAction: (action, actionLogger) =>
      handlers.cardAction(cardActionContext(parts, actionLogger), action),
    onAppTicket: async (ticket) => {
      await tokens?.saveTicket(ticket);
    },
    onUserRevoked: identities && ((tenantKey, openId) => identities.revoked(tenantKey, openId)),
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
  // No ETags: nobody revalidates a webhook answer or a watch read, and Express would hash every body to make one.
  http.set("etag", false);
  http.use(requestLogging(logger));
  http.use(createReceiver({ secrets: config, ingest, metrics, logger }));
  http.use("/api", api.router);
  if (userAuth) http.use(authRoutes(userAuth.flow, logger));
  http.use(
    healthRoutes({
      store,
      metrics,
      state: () => state,
      scheduler,
      longConnection: longConnection && (() => longConnection.health()),
      longConnectionGraceMs: deps.longConnectionGraceMs,
    }),
  );

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
