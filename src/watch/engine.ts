import type { CardJson, CardView, Locale } from "../../cards/types";
import { classify, type FailureKind, type FeishuApiError } from "../feishu/errors";
import type { FeishuApi } from "../feishu/paced";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { Store, Watch, WatchChanges } from "../store/types";
import { asFeishuError, Ended, Postpone, type Save, WatchMessages } from "./messages";
import { pollIntervalMs, retryDelayMs, stateOf } from "./policy";

export interface EngineOptions {
  store: Store;
  feishu: FeishuApi;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  /** Lease owner name of this process. */
  owner: string;
  pollIntervalSeconds: number;
  watchTimeoutMinutes: number;
  /** The task_check budget (TASK_CHECK_RPS); sizes each round. */
  taskCheckRps: number;
  locale: Locale;
}

type Check = { ok: true; status: string } | { ok: false; error: FeishuApiError; kind: FailureKind };

const LEASE_MS = 60_000;
/**
 * Tasks claimed per round: about two seconds of the task_check budget (at least 1, at most 50). A round
 * claims no more than it can check soon, so a task that falls due meanwhile is not queued behind a long
 * claimed batch: oldest-due-first holds at the scale of one beat.
 */
function tasksPerRound(taskCheckRps: number): number {
  return Math.max(1, Math.min(50, Math.ceil(taskCheckRps * 2)));
}
const BEAT_SLACK_MS = 500;
const PARALLEL_TASKS = 8;

/**
 * Moves watches through their phases (see store/types.ts). Each due task gets one task_check per round,
 * shared by every watch of that task; each visible change patches the card; each end is notified once.
 */
export class WatchEngine {
  private readonly messages: WatchMessages;

  constructor(private readonly o: EngineOptions) {
    this.messages = new WatchMessages(o);
  }

  /** The card a watch shows now (also the answer to a button click). */
  cardOf(w: Watch): CardJson {
    return this.messages.cardOf(w);
  }

  /** One scheduler round: claim due watches (oldest due first), check each task once, advance them. */
  async round(): Promise<number> {
    // Due "now" includes the next half second: the once-a-second beat may fire a few ms before a watch's
    // due time, and skipping it would stretch every interval by a whole second.
    const now = this.o.now() + BEAT_SLACK_MS;
    const coalesceUntil = now + this.o.pollIntervalSeconds * 1000;
    const watches = await this.o.store.claimDueWatches(
      now,
      tasksPerRound(this.o.taskCheckRps),
      this.o.owner,
      LEASE_MS,
      coalesceUntil,
    );
    await this.run(watches);
    return watches.length;
  }

  /** Runs the given watches at once (new watches, a refresh click), if nobody else holds them. */
  async runNow(ids: number[]): Promise<void> {
    await this.run(await this.o.store.claimWatches(ids, this.o.now(), this.o.owner, LEASE_MS));
  }

  /**
   * Checks one watch now (the card's "Refresh now" button), ignoring its schedule but not the task_check
   * budget. Returns the watch afterwards, or undefined when it has ended or another step holds it.
   */
  async refresh(id: number): Promise<Watch | undefined> {
    const claimed = await this.o.store.claimWatches([id], this.o.now(), this.o.owner, LEASE_MS);
    if (claimed.length === 0) return undefined;
    await this.run(claimed);
    return this.o.store.getWatch(id);
  }

  /** Asks for a watch to end as "stopped" (by /stop or the card button); false if it had already ended. */
  async requestStop(id: number, by: string): Promise<boolean> {
    if (!(await this.o.store.requestStop(id, by, this.o.now()))) return false;
    await this.runNow([id]);
    return true;
  }

  private async run(watches: Watch[]): Promise<void> {
    const byTask = new Map<string, Watch[]>();
    for (const w of watches) byTask.set(w.taskId, [...(byTask.get(w.taskId) ?? []), w]);
    const groups = [...byTask.values()];
    const worker = async () => {
      for (let group = groups.shift(); group; group = groups.shift()) await this.runTask(group);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_TASKS, groups.length) }, worker));
  }

  private async runTask(watches: Watch[]): Promise<void> {
    const needsCheck = watches.filter(
      (w) => (w.phase === "new" || w.phase === "active") && !this.timedOut(w),
    );
    const check = needsCheck.length > 0 ? await this.check(watches[0].taskId) : undefined;
    for (const w of watches) {
      try {
        await this.advance({ ...w }, needsCheck.includes(w) ? check : undefined);
      } catch (error) {
        this.o.logger.error("watch step failed", { watch_id: w.id, task_id: w.taskId, error: String(error) });
        await this.o.store.updateWatch(
          w.id,
          { nextCheckAt: this.o.now() + 30_000 },
          this.o.owner,
          true,
          this.o.now(),
        );
      }
    }
  }

  private async check(taskId: string): Promise<Check> {
    try {
      const status = await this.o.feishu.taskCheck(taskId);
      this.o.metrics.taskChecks.inc({ result: stateOf(status) === "unknown" ? "unknown" : status });
      return { ok: true, status };
    } catch (error) {
      const e = asFeishuError("task_check", error);
      const kind = classify(e);
      this.o.metrics.taskChecks.inc({ result: kind });
      this.o.logger.warn("task_check failed", {
        task_id: taskId,
        kind,
        code: e.code,
        http_status: e.httpStatus,
      });
      return { ok: false, error: e, kind };
    }
  }

  private isOpen(w: Watch): boolean {
    return w.phase === "new" || w.phase === "active";
  }

  private timedOut(w: Watch): boolean {
    return this.o.now() - w.createdAt >= this.o.watchTimeoutMinutes * 60_000;
  }

  private async advance(w: Watch, check: Check | undefined): Promise<void> {
    const save = async (changes: WatchChanges, release = false) => {
      Object.assign(w, changes);
      await this.o.store.updateWatch(w.id, changes, this.o.owner, release, this.o.now());
    };
    try {
      if (this.isOpen(w) && w.stopRequestedBy) {
        const stop: WatchChanges = {
          state: "stopped",
          stoppedBy: w.stopRequestedBy,
          finishedAt: this.o.now(),
        };
        await this.end(w, { ...stop, notify: false }, save);
      } else if (this.isOpen(w) && this.timedOut(w)) {
        await save({ state: "timed_out", phase: "finishing", finishedAt: this.o.now() });
      } else if (check) {
        await this.applyCheck(w, check, save);
      }
      if (w.phase === "finishing") await this.finish(w, save);
      if (w.phase === "notifying") await this.messages.notify(w, save);
      await save({}, true);
    } catch (error) {
      if (error instanceof Ended) return save({}, true);
      if (!(error instanceof Postpone)) throw error;
      const failures = w.failures + 1;
      const delay = retryDelayMs(
        classify(error.error),
        failures,
        this.o.pollIntervalSeconds,
        error.error.retryAfterSeconds,
      );
      this.o.logger.warn("Feishu call failed; will retry", {
        watch_id: w.id,
        task_id: w.taskId,
        code: error.error.code,
        http_status: error.error.httpStatus,
        retry_in_ms: delay,
      });
      await save({ failures, nextCheckAt: this.o.now() + delay }, true);
    }
  }

  private async applyCheck(w: Watch, check: Check, save: Save): Promise<void> {
    const now = this.o.now();
    if (!check.ok) {
      if (check.kind === "task_not_found" || check.kind === "task_invalid") {
        const state = check.kind === "task_not_found" ? "not_found" : "invalid";
        return this.end(w, { state, finishedAt: now, lastCheckAt: now, notify: false }, save);
      }
      const failures = w.failures + 1;
      const nextCheckAt =
        now + retryDelayMs(check.kind, failures, this.o.pollIntervalSeconds, check.error.retryAfterSeconds);
      await save({ failures, nextCheckAt });
      await this.showCard(w, save, { attempt: failures, nextRetryAt: nextCheckAt });
      return;
    }
    const state = stateOf(check.status);
    const seen: WatchChanges = {
      state,
      rawStatus: check.status,
      lastCheckAt: now,
      checks: w.checks + 1,
      failures: 0,
    };
    if (state === "success" || state === "fail") {
      // Notified even when already over at the first check: after a crash the asker may have seen a
      // running card, and in a group the notice is what @-mentions them.
      return this.end(w, { ...seen, finishedAt: now }, save);
    }
    await save({ ...seen, nextCheckAt: now + pollIntervalMs(now - w.createdAt, this.o.pollIntervalSeconds) });
    await this.showCard(w, save);
  }

  /** A new watch ends with its first (final) card; an active one goes on to patch its card. Both may notify. */
  private async end(w: Watch, changes: WatchChanges, save: Save): Promise<void> {
    if (w.phase !== "new") return save({ ...changes, phase: "finishing" });
    await save(changes);
    await this.messages.postCard(w, save);
    await save({ phase: w.notify ? "notifying" : "done" });
  }

  /** Posts the first card, or patches the existing one when what it shows has changed. */
  private async showCard(w: Watch, save: Save, retrying?: CardView["retrying"]) {
    if (w.phase === "new") {
      await this.messages.postCard(w, save, retrying);
      await save({ phase: "active" });
    } else {
      await this.messages.patchCard(w, save, retrying);
    }
  }

  private async finish(w: Watch, save: Save): Promise<void> {
    await this.messages.patchCard(w, save);
    if (!w.cardMessageId && !w.cardDisabled) await this.messages.postFinalAsNewMessage(w, save);
    await save({ phase: w.notify ? "notifying" : "done" });
    this.o.logger.info("watch ended", {
      watch_id: w.id,
      task_id: w.taskId,
      state: w.state,
      checks: w.checks,
    });
  }
}
