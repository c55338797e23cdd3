import type { Watch } from "../core/watch";
import type { Logger } from "../logger";
import type { WatchStore } from "../store/roles";
import type { ApiClient } from "./auth";
import { ApiError, stored } from "./errors";
import { digestOf, keyReused, newWatchOf } from "./idempotency";
import type { ListRequest } from "./request";
import type { CreateWatchBody } from "./schemas";
import { API_STOPPER_PREFIX } from "./view";

export interface WatchServiceOptions {
  store: WatchStore;
  /** The engine's two entry points the API needs (WatchEngine). */
  engine: { runNow(ids: number[]): Promise<void>; requestStop(id: number, by: string): Promise<boolean> };
  logger: Logger;
  now: () => number;
}

export type Created = { status: 200 | 201; watch: Watch };

/**
 * The watch API's work, without HTTP: create (idempotent, one watch per task and chat), read, list, stop.
 * A created watch's first card is posted in the background right after it is recorded (engine.runNow).
 */
export class WatchService {
  private readonly background = new Set<Promise<void>>();
  /** Requests for the same task and target, one at a time in this process (see create()). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: WatchServiceOptions) {}

  /**
   * 201 with a new watch, or 200 with: the watch this Idempotency-Key already answered (422 if the body
   * differs), or the open watch of this task in this chat (a `/status` or another API call), so a chat never
   * gets a second card for one task. Concurrent identical requests: one watch, across replicas too (the store
   * keeps one open watch per task and chat, and one watch per key).
   */
  create(client: ApiClient, tenantKey: string, body: CreateWatchBody, key?: string): Promise<Created> {
    const target = "chat_id" in body ? `chat:${body.chat_id}` : `user:${body.open_id}`;
    return this.serialized(`${tenantKey}\u0000${target}\u0000${body.task_id}`, async () => {
      const request = digestOf(body);
      // One record per key (api_requests): the watch it answers and the digest of its request, written in the
      // same transaction as the watch.
      const idempotency =
        key === undefined ? undefined : { scope: `api:${tenantKey}:${client.id}`, key, request };
      const wanted = newWatchOf(client, tenantKey, body);
      const {
        watch,
        created,
        existing,
        request: recorded,
      } = await stored(() => this.options.store.createWatch(wanted, this.options.now(), idempotency));
      if (existing === "key") {
        // This key answered before (perhaps on another replica): the same request gets the same watch.
        if (recorded !== request) throw keyReused();
        return { status: 200, watch };
      }
      // The chat's open watch of this task (a `/status`, another API call): that one answers.
      if (!created) return { status: 200, watch };
      this.options.logger.info("watch started", {
        watch_id: watch.id,
        task_id: watch.taskId,
        api_client: watch.apiClient,
        origin: "api",
      });
      this.track(this.options.engine.runNow([watch.id]));
      return { status: 201, watch };
    });
  }

  /** A watch of this tenant, or 404: watch ids are shared by every token of the tenant. */
  async get(tenantKey: string, id: number): Promise<Watch> {
    const watch = await stored(() => this.options.store.getWatch(id));
    if (!watch || watch.tenantKey !== tenantKey) {
      throw new ApiError("watch_not_found", `no watch ${id}`);
    }
    return watch;
  }

  /** The watches this token created, oldest first. */
  list(client: ApiClient, tenantKey: string, query: ListRequest): Promise<Watch[]> {
    return stored(() =>
      this.options.store.listWatches({
        tenantKey,
        apiClient: client.id,
        openOnly: query.openOnly,
        limit: query.limit,
        ...(query.chatId ? { chatId: query.chatId } : {}),
      }),
    );
  }

  /**
   * Stops watching: recorded at once (the answer says `stopped`), the card updated right after. A watch that
   * has ended is answered as it is. No completion notice follows a stop.
   */
  async stop(client: ApiClient, tenantKey: string, id: number): Promise<Watch> {
    const watch = await this.get(tenantKey, id);
    const by = `${API_STOPPER_PREFIX}${client.id}`;
    if (!(await stored(() => this.options.store.requestStop(id, by, this.options.now())))) return watch;
    this.options.logger.info("watch stop requested", {
      watch_id: id,
      task_id: watch.taskId,
      api_client: client.id,
    });
    this.track(this.options.engine.requestStop(id, by).then(() => undefined));
    return this.get(tenantKey, id);
  }

  /** Resolves when the background work (first cards, stops) started so far is over. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  private track(work: Promise<void>): void {
    const p = work.catch((error: unknown) => {
      this.options.logger.error("watch API background work failed", { error: String(error) });
    });
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return next;
  }
}
