import { type Router, Router as router } from "express";
import type { Metrics } from "./metrics";
import type { Store } from "./store/roles";

/** A long connection down longer than this turns /healthz to 503, so an orchestrator restarts a stuck bot. */
export const LONG_CONNECTION_GRACE_MS = 60_000;

export interface HealthSources {
  store: Pick<Store, "ping">;
  metrics: Metrics;
  /** The app's own state: only "ready" is healthy. */
  state(): "starting" | "ready" | "stopping" | "stopped";
  scheduler: { readonly running: boolean; readonly lastRoundAt: number };
  /** The long connection's state, when there is one. */
  longConnection?: () => { state: string; since: number };
  longConnectionGraceMs?: number;
}

/** `GET /healthz` (ready to serve: store open, scheduler running, long connection up) and `GET /metrics`. */
export function healthRoutes(sources: HealthSources): Router {
  const routes = router();
  routes.get("/healthz", async (_req, res) => {
    const storeOk = await sources.store.ping().catch(() => false);
    const connection = sources.longConnection?.();
    const grace = sources.longConnectionGraceMs ?? LONG_CONNECTION_GRACE_MS;
    const connectionOk =
      !connection || connection.state === "connected" || Date.now() - connection.since < grace;
    const state = sources.state();
    const { scheduler } = sources;
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
  routes.get("/metrics", async (_req, res) => {
    res.type(sources.metrics.registry.contentType).send(await sources.metrics.registry.metrics());
  });
  return routes;
}
