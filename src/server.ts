import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type App, type AppDeps, createApp } from "./app";
import type { Config } from "./config";
import { openStore } from "./store";

export interface RunningServer {
  app: App;
  /** http://host:port the bot listens on. */
  url: string;
  /**
   * Stops taking requests and lets the ones in flight finish (each records before it answers; a connection
   * still open after `graceMs` is cut), then stops the app (schedule, inbox, store).
   */
  stop(graceMs?: number): Promise<void>;
}

export interface ServerDeps extends Omit<AppDeps, "store"> {
  /** Defaults to the store DATABASE_URL names. */
  store?: AppDeps["store"];
  /** Called with the app once built, before it listens (benchmarks instrument it here). */
  beforeStart?: (app: App) => void;
}

/**
 * Opens the store, builds the app, listens, then starts it (bot identity, schedule, inbox). Listening comes
 * first so /healthz answers 503 while starting and events are recorded from the first second. The one place
 * that builds, listens and stops the bot: main.ts, the tests and the benchmarks all start it here.
 */
export async function startServer(
  config: Readonly<Config>,
  deps: ServerDeps,
  listen: { port: number; host: string } = { port: config.port, host: config.host },
): Promise<RunningServer> {
  const store = deps.store ?? (await openStore(config.database, deps.logger));
  const app = createApp(config, { ...deps, store });
  deps.beforeStart?.(app);
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 calls back on a failed listen too (EADDRINUSE), with the error.
      const s = app.http.listen(listen.port, listen.host, (error?: Error) =>
        error ? reject(error) : resolve(s),
      );
    });
  } catch (error) {
    await app.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = listen.host === "0.0.0.0" || listen.host === "::" ? "127.0.0.1" : listen.host;
  const stop = async (graceMs = 5000) => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(cut);
    await app.stop();
  };
  try {
    await app.start();
  } catch (error) {
    await stop(0);
    throw error;
  }
  return { app, url: `http://${host}:${port}`, stop };
}
