import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { ApiToken } from "../config";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { requestIdOf } from "../request-context";
import type { BudgetStore, WatchStore } from "../store/roles";
import { type ApiClient, createAuthenticator } from "./auth";
import { ApiError, fromBodyParser, sendError } from "./errors";
import { openApiDocument } from "./openapi";
import { takeApiPermit } from "./rate-limit";
import { parseCreateBody, parseListQuery, parseWatchId, readIdempotencyKey } from "./request";
import { MAX_BODY_BYTES } from "./schemas";
import { tenantOf } from "./tenant";
import { toApiWatch } from "./view";
import type { WatchService, WatchServiceOptions } from "./watches";

export interface ApiOptions extends WatchServiceOptions {
  /** API_TOKENS; empty: the API is off and every /api route answers 404. */
  tokens: readonly ApiToken[];
  store: WatchStore & BudgetStore;
  logger: Logger;
  metrics: Metrics;
}

const clientOf = (res: Response): ApiClient => res.locals.apiClient as ApiClient;

/** The operation a request asks for, as the metrics label it (a fixed set, whatever the path). */
function operationOf(req: Request): string {
  const path = req.path.replace(/\/+$/, "");
  if (path === "/v1/openapi.json") return "openapi";
  if (path === "/v1/watches")
    return req.method === "POST" ? "create" : req.method === "GET" ? "list" : "other";
  if (/^\/v1\/watches\/[^/]+$/.test(path)) {
    return req.method === "GET" ? "get" : req.method === "DELETE" ? "stop" : "other";
  }
  return "other";
}

/**
 * The routes of the watch API when it is on (docs/watch-api.md): bearer tokens, a
 * per-token rate limit, JSON bodies validated by the schemas the OpenAPI document is made of, and one error
 * shape for every refusal.
 */
export function mountRoutes(router: Router, service: WatchService, options: ApiOptions): void {
  const authenticate = createAuthenticator(options.tokens);
  const document = JSON.stringify(openApiDocument());
  const body = express.json({
    limit: MAX_BODY_BYTES,
    type: "application/json",
    inflate: false,
    strict: true,
  });

  router.use((req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    const operation = operationOf(req);
    res.on("finish", () => options.metrics.apiRequests.inc({ operation, status: String(res.statusCode) }));
    next();
  });
  // The document describes the API and holds nothing secret: tools may read it without a token.
  router.get("/v1/openapi.json", (_req, res) => {
    res.type("application/json").send(document);
  });
  router.use(async (req, res, next) => {
    const client = authenticate(req.get("authorization"));
    if (!client) {
      throw new ApiError("unauthorized", "send Authorization: Bearer <one of the bot's API_TOKENS>", {
        "WWW-Authenticate": 'Bearer realm="watch-api"',
      });
    }
    res.locals.apiClient = client;
    await takeApiPermit(options.store, client, options.now());
    next();
  });

  router.post("/v1/watches", (req, _res, next) => {
    if (!req.is("application/json")) {
      throw new ApiError("unsupported_media_type", "send the body as Content-Type: application/json");
    }
    next();
  });
  router.post("/v1/watches", body, async (req, res) => {
    const client = clientOf(res);
    const key = readIdempotencyKey(req.get("idempotency-key"));
    const request = parseCreateBody(req.body);
    const { status, watch } = await service.create(client, tenantOf(client), request, key);
    if (status === 201) res.setHeader("Location", `/api/v1/watches/${watch.id}`);
    res.status(status).json(toApiWatch(watch));
  });
  router.get("/v1/watches", async (req, res) => {
    const client = clientOf(res);
    const watches = await service.list(client, tenantOf(client), parseListQuery(req.query));
    res.json({ watches: watches.map(toApiWatch) });
  });
  router.get("/v1/watches/:watch_id", async (req, res) => {
    const client = clientOf(res);
    res.json(toApiWatch(await service.get(tenantOf(client), parseWatchId(String(req.params.watch_id)))));
  });
  router.delete("/v1/watches/:watch_id", async (req, res) => {
    const client = clientOf(res);
    const id = parseWatchId(String(req.params.watch_id));
    res.json(toApiWatch(await service.stop(client, tenantOf(client), id)));
  });

  const allowed: Array<[RegExp, string]> = [
    [/^\/v1\/watches\/?$/, "GET, POST"],
    [/^\/v1\/watches\/[^/]+\/?$/, "GET, DELETE"],
  ];
  router.use((req) => {
    const allow = allowed.find(([path]) => path.test(req.path))?.[1];
    if (allow) throw new ApiError("method_not_allowed", `use ${allow}`, { Allow: allow });
    throw new ApiError("not_found", "no such route");
  });
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const known = error instanceof ApiError ? error : fromBodyParser(error);
    const logger = options.logger.child({
      request_id: requestIdOf(res),
      api_client: res.locals.apiClient?.id,
    });
    if (known?.code === "store_unavailable") {
      logger.error("watch API: the store failed", { error: String(known.cause) });
    } else if (!known) {
      logger.error("watch API: unexpected error", {
        error: error instanceof Error ? error.stack : String(error),
      });
    }
    sendError(res, known ?? new ApiError("internal_error", "the bot failed to answer; see its logs"));
  });
}
