import type { Logger } from "../logger";
import type { NewWatch, Store, Watch } from "../store/types";
import type { ApiClient } from "./auth";
import { ApiError, stored } from "./errors";
import {
  digestOf,
  IDEMPOTENCY_TTL_MS,
  type KeyBinding,
  keyReused,
  newWatchOf,
  sameRequest,
} from "./idempotency";
import type { ListRequest } from "./request";
import type { CreateWatchBody } from "./schemas";
import { API_STOPPER_PREFIX } from "./view";

export interface WatchServiceOptions {
  store: Store;
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
      const scope = `api:${tenantKey}:${client.id}`;
      const request = digestOf(body);
      const bindingKey = key === undefined ? undefined : `api-idempotency:${scope}:${key}`;
      if (bindingKey) {
        const earlier = await this.bound(bindingKey);
        if (earlier) {
          if (earlier.binding.request !== request) throw keyReused();
          return { status: 200, watch: earlier.watch };
        }
      }
      const existing =
        "chat_id" in body
          ? await stored(() => this.options.store.findOpenWatch(tenantKey, body.chat_id, body.task_id))
          : undefined;
      const result: Created = existing
        ? { status: 200, watch: existing }
        : await this.insert(newWatchOf(client, tenantKey, body), scope, key);
      if (bindingKey) {
        const binding: KeyBinding = { watchId: result.watch.id, request };
        const now = this.options.now();
        await stored(() =>
          this.options.store.setValue(bindingKey, JSON.stringify(binding), now + IDEMPOTENCY_TTL_MS, now),
        );
      }
      return result;
    });
  }

  private async insert(wanted: NewWatch, scope: string, key?: string): Promise<Created> {
    const idempotency = key === undefined ? undefined : { scope, key };
    const { watch, created, existing } = await stored(() =>
      this.options.store.createWatch(wanted, this.options.now(), idempotency),
    );
    // The chat's open watch of this task (started meanwhile, perhaps on another replica): that one answers.
    if (existing === "open_watch") return { status: 200, watch };
    if (!created) {
      // Another replica recorded this key first (or the binding below was lost in a crash).
      if (!sameRequest(watch, wanted)) throw keyReused();
      return { status: 200, watch };
    }
    this.options.logger.info("watch started", {
      watch_id: watch.id,
      task_id: watch.taskId,
      api_client: watch.apiClient,
      origin: "api",
    });
    this.track(this.options.engine.runNow([watch.id]));
    return { status: 201, watch };
  }

  private async bound(key: string): Promise<{ binding: KeyBinding; watch: Watch } | undefined> {
    const raw = await stored(() => this.options.store.getValue(key, this.options.now()));
    if (raw === undefined) return undefined;
    const binding = JSON.parse(raw) as KeyBinding;
    const watch = await stored(() => this.options.store.getWatch(binding.watchId));
    return watch ? { binding, watch } : undefined;
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
