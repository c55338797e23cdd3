import { type Request, type Response, Router } from "express";
import type { Logger } from "../logger";
import type { AuthorizationFlow, FlowAnswer } from "./flow";
import { page } from "./pages";

/**
 * `GET /oauth/start?s=<the card's signed link>` sends the browser to Feishu's authorization page;
 * `GET /oauth/callback` is where Feishu sends it back (the redirect URL registered in the console). Mounted only
 * when user authorization is on; every answer is uncached and leaks no URL onward.
 */
export function authRoutes(flow: AuthorizationFlow, logger: Logger): Router {
  const routes = Router();
  const answer = (res: Response, result: FlowAnswer) => {
    res.set({
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    });
    if ("redirect" in result) res.redirect(302, result.redirect);
    else res.status(result.status).type("html").send(page(result.page));
  };
  const handle = (work: (req: Request) => Promise<FlowAnswer>) => (req: Request, res: Response) => {
    work(req).then(
      (result) => answer(res, result),
      (error: unknown) => {
        logger.error("user authorization failed", {
          error: error instanceof Error ? error.message : String(error),
        });
        answer(res, { status: 503, page: "exchange_failed" });
      },
    );
  };
  routes.get(
    "/oauth/start",
    handle((req) => flow.start(req.query.s)),
  );
  routes.get(
    "/oauth/callback",
    handle((req) => flow.callback(req.query as Record<string, unknown>)),
  );
  return routes;
}
