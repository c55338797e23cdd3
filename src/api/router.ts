import express, { type Router } from "express";
import { ApiError, sendError } from "./errors";
import type { ApiOptions } from "./routes";
import { WatchService } from "./watches";

export interface Api {
  /** Mounted at /api by createApp. */
  router: Router;
  /** Resolves when the work the API started in the background (first cards, stops) is over. */
  idle(): Promise<void>;
}

/**
 * The watch API, mounted at /api. Off (API_TOKENS empty): every route answers 404, and the modules behind the
 * routes (zod, the OpenAPI document) are not even loaded, which keeps them out of the bot's start-up.
 */
export function createApi(options: ApiOptions): Api {
  const router = express.Router();
  const service = new WatchService(options);
  if (options.tokens.length === 0) {
    router.use((_req, res) =>
      sendError(res, new ApiError("not_found", "no such route (the watch API is off)")),
    );
  } else {
    // Loaded in the background from start-up on; a request that comes before waits for it.
    const routes = express.Router();
    const mounted = import("./routes").then(({ mountRoutes }) => mountRoutes(routes, service, options));
    router.use((req, res, next) => {
      mounted.then(() => routes(req, res, next), next);
    });
  }
  return { router, idle: () => service.idle() };
}
