import cron, { type ScheduledTask } from "node-cron";
import type { InboxProcessor } from "./inbox";
import type { Logger } from "./logger";
import type { Store, TenantStore, WakeBus } from "./store/roles";
import type { WatchEngine } from "./watch/engine";

export interface SchedulerOptions {
  engine: WatchEngine;
  inbox: InboxProcessor;
  store: WakeBus & Pick<TenantStore, "purgeUninstalledTenants"> & Pick<Store, "purge">;
  logger: Logger;
  now: () => number;
}

/** Delivery records are kept 24 h: longer than Feishu's ~7.1 h re-push window, so dedupe always sees them. */
export const DEDUPE_RETENTION_MS = 24 * 3600_000;
/** A tenant that uninstalled the app keeps its watch history this long (a reinstall finds it), then it goes. */
export const TENANT_RETENTION_MS = 30 * 24 * 3600_000;
const PURGE_EVERY_MS = 3600_000;
const MAX_BEAT_MS = 10_000;

/**
 * Once a second (node-cron, seconds resolution, no overlapping runs): pick up commands due for a retry and
 * run one round of due watches. The round itself decides what is due; the cron only provides the beat.
 */
export class Scheduler {
  private task: ScheduledTask | undefined;
  private current: Promise<void> | undefined;
  private lastPurge = 0;
  private unwake: (() => void) | undefined;
  lastRoundAt = 0;

  constructor(private readonly options: SchedulerOptions) {}

  get running(): boolean {
    return this.task !== undefined;
  }

  start(): void {
    this.task = cron.schedule("* * * * * *", () => this.tick(), { name: "watch-rounds", noOverlap: true });
    // Another process (or this one) made a watch due now: a refresh or a stop it could not do itself.
    this.unwake = this.options.store.onWake(() => {
      if (this.task) void this.tick();
    });
  }

  /** One beat; also called directly by tests. Never throws. */
  tick(): Promise<void> {
    if (!this.current) {
      this.current = this.beat().finally(() => {
        this.current = undefined;
      });
    }
    return this.current;
  }

  async stop(): Promise<void> {
    const task = this.task;
    this.task = undefined;
    this.unwake?.();
    await task?.destroy();
    await this.current;
  }

  private async beat(): Promise<void> {
    const now = this.options.now();
    try {
      this.options.inbox.kick();
      // While rounds find due work, the next one starts at once instead of on the next beat, so a round that
      // spent seconds within the task_check budget is not followed by an idle second (bounded, and stopped
      // as soon as stop() is called).
      const until = this.options.now() + MAX_BEAT_MS;
      while ((await this.options.engine.round()) > 0 && this.task && this.options.now() < until) {}
      this.lastRoundAt = this.options.now();
      if (now - this.lastPurge >= PURGE_EVERY_MS) {
        this.lastPurge = now;
        const removed = await this.options.store.purge(now - DEDUPE_RETENTION_MS, now);
        if (removed > 0) this.options.logger.info("purged old delivery records", { removed });
        const tenants = await this.options.store.purgeUninstalledTenants(now - TENANT_RETENTION_MS);
        if (tenants > 0) this.options.logger.info("purged the data of uninstalled tenants", { tenants });
      }
    } catch (error) {
      this.options.logger.error("scheduler round failed", { error: String(error) });
    }
  }
}
