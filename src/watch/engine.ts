import type { CardView, Locale } from "../../cards/types";
import type { FeishuApi, Purpose } from "../core/feishu-api";
import type { Watch, WatchChanges } from "../core/watch";
import { classify } from "../feishu/errors";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { Outbox } from "../outbox";
import { sleep } from "../sleep";
import { LEASE_MS, type Lease, LeaseLostError, leaseOf, type WakeBus, type WatchStore } from "../store/roles";
import { type Check, type PersonIdentities, TaskChecks } from "./checks";
import { type Outcome, WatchMessages } from "./messages";
import {
  AUTH_WINDOW_MS,
  freshnessDue,
  judgeStep,
  MAX_PHASE_FAILURES,
  pollIntervalMs,
  retryDelayMs,
  stateOf,
} from "./policy";

export interface EngineOptions {
  store: WatchStore & WakeBus;
  feishu: FeishuApi;
  outbox: Outbox;
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
  /** People's identities (user authorization); absent when it is off. */
  identities?: PersonIdentities;
}

/**
 * Records changes of the watch being stepped. `later`: no side effect waits for them, so they ride along with
 * the next write (at the latest the step's last one, which releases the lease): one statement instead of two.
 */
type Save = (changes: WatchChanges, later?: boolean) => Promise<void>;

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
 * A claimed watch is checked only while this process surely still holds it: until LEASE_MS after the claim,
 * less this margin for the call and the write that follow. A turn in the task_check budget that comes later
 * (a long queue after many tasks ended at once, a frozen process) checks nothing: the watch is another
 * replica's by then (found by the soak: such checks of tasks already ended elsewhere).
 */
const LEASE_GUARD_MS = 5000;
/** A step that failed for a reason of its own (not Feishu's) is tried again this much later. */
const STEP_FAILURE_DELAY_MS = 30_000;
/** A refresh asked on one replica waits up to HANDOVER_LOOKS × HANDOVER_LOOK_MS (2 s) for the holder's check. */
const HANDOVER_LOOKS = 40;
const HANDOVER_LOOK_MS = 50;

/**
 * Moves watches through their phases (see store/types.ts); the only code that changes a watch's phase. Each
 * due task gets one task_check per round, shared by every watch of that task; each visible change patches the
 * card; each end is notified once. A failed step is retried with backoff, each phase at most
 * MAX_PHASE_FAILURES times (the active phase until the watch times out); a refusal that retrying never fixes
 * ends the step at once, with one warn line naming Feishu's code.
 */
export class WatchEngine {
  readonly messages: WatchMessages;
  private readonly checks: TaskChecks;
  /** Watches this process is stepping right now: never stepped twice at once, even if a lease ran out. */
  private readonly busy = new Set<number>();

  constructor(private readonly options: EngineOptions) {
    const { identities } = options;
    this.messages = new WatchMessages({
      ...options,
      // The waiting card's Authorize button: the requester's link, until the wait ends.
      linkFor:
        identities &&
        ((w, until, again) => identities.link(w.tenantKey, w.requesterOpenId, w.id, until, again)),
    });
    this.checks = new TaskChecks(options);
  }

  /** One scheduler round: claim due watches (oldest due first), check each task once, advance them. */
  async round(): Promise<number> {
    // Due "now" includes the next half second: the once-a-second beat may fire a few ms before a watch's
    // due time, and skipping it would stretch every interval by a whole second.
    const now = this.options.now() + BEAT_SLACK_MS;
    const coalesceUntil = now + this.options.pollIntervalSeconds * 1000;
    const tasks = tasksPerRound(this.options.taskCheckRps);
    const watches = await this.options.store.claimDueWatches(tasks, coalesceUntil, this.lease(now));
    await this.run(watches);
    return watches.length;
  }

  /** Runs the given watches at once (new watches, a stop), if nobody else holds them. */
  async runNow(ids: number[]): Promise<void> {
    await this.run(await this.options.store.claimWatches(ids, this.lease()));
  }

  /**
   * Checks one watch now (the card's "Refresh now" button), ignoring its schedule but not the task_check
   * budget. When another replica holds the watch, it is made due now and that replica is woken; this waits a
   * moment for its check. Returns the watch afterwards, or undefined when it has ended.
   */
  async refresh(id: number): Promise<Watch | undefined> {
    const claimed = await this.options.store.claimWatches([id], this.lease());
    if (claimed.length > 0) {
      await this.run(claimed, true);
      return this.options.store.getWatch(id);
    }
    const before = await this.options.store.getWatch(id);
    if (!before || !(await this.options.store.requestCheck(id, this.options.now()))) return before;
    await this.options.store.wake();
    // A few looks, a moment apart (no clock read: the injected one may stand still in tests).
    for (let look = 0; look < HANDOVER_LOOKS; look++) {
      await sleep(HANDOVER_LOOK_MS);
      const after = await this.options.store.getWatch(id);
      if (!after || after.updatedAt !== before.updatedAt) return after;
    }
    return this.options.store.getWatch(id);
  }

  /** Asks for a watch to end as "stopped" (by /stop or the card button); false if it had already ended. */
  async requestStop(id: number, by: string): Promise<boolean> {
    if (!(await this.options.store.requestStop(id, by, this.options.now()))) return false;
    await this.runNow([id]);
    // Held by another replica: it ends the watch as soon as its step is over (woken now).
    if ((await this.options.store.getWatch(id))?.phase !== "done") await this.options.store.wake();
    return true;
  }

  private lease(now = this.options.now()): Lease {
    return leaseOf(this.options.owner, now);
  }

  private async run(watches: Watch[], refreshing = false): Promise<void> {
    // Real time, as leases run out in real time whatever clock the engine is given (tests drive it by hand).
    const notAfter = Date.now() + LEASE_MS - LEASE_GUARD_MS;
    const byTask = new Map<string, Watch[]>();
    for (const w of watches) {
      if (this.busy.has(w.id)) continue; // this process is still stepping it (its lease ran out meanwhile)
      // One check per task and identity; a watch waiting for its requester's authorization goes on its own.
      const key =
        w.authUntil !== null ? `wait\u0000${w.id}` : `${w.tenantKey}\u0000${w.taskId}\u0000${w.asUser ?? ""}`;
      byTask.set(key, [...(byTask.get(key) ?? []), w]);
    }
    const groups = [...byTask.values()];
    const worker = async () => {
      for (let group = groups.shift(); group; group = groups.shift())
        await this.runTask(group, refreshing, notAfter);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_TASKS, groups.length) }, worker));
  }

  private async runTask(watches: Watch[], refreshing: boolean, notAfter: number): Promise<void> {
    for (const w of watches) this.busy.add(w.id);
    try {
      const needsCheck = watches.filter((w) => this.isOpen(w) && !this.timedOut(w) && w.authUntil === null);
      let check: Check | undefined;
      try {
        check = needsCheck.length > 0 ? await this.checks.check(watches[0], notAfter) : undefined;
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
        this.options.logger.warn(
          "lease ran out while waiting for the task_check budget; leaving the task to others",
          {
            task_id: watches[0].taskId,
            watches: watches.length,
          },
        );
        return;
      }
      for (const w of watches) {
        await this.step({ ...w }, needsCheck.includes(w) ? check : undefined, refreshing);
      }
    } finally {
      for (const w of watches) this.busy.delete(w.id);
    }
  }

  private isOpen(w: Watch): boolean {
    return w.phase === "new" || w.phase === "active";
  }

  private timedOut(w: Watch): boolean {
    return this.options.now() - w.createdAt >= this.options.watchTimeoutMinutes * 60_000;
  }

  /** One step of one watch; every save renews the lease, the last one releases it. */
  private async step(w: Watch, check: Check | undefined, refreshing: boolean): Promise<void> {
    let pending: WatchChanges = {};
    const save: Save = async (changes, later = false) => {
      Object.assign(w, changes);
      pending = { ...pending, ...changes };
      if (later) return;
      const now = this.options.now();
      const all = pending;
      pending = {};
      await this.options.store.updateWatch(w.id, all, this.lease(now), false);
    };
    const release = (changes: WatchChanges = {}) =>
      this.options.store.updateWatch(w.id, { ...pending, ...changes }, this.lease(), true);
    try {
      if (this.isOpen(w) && w.stopRequestedBy) {
        await this.end(w, { state: "stopped", stoppedBy: w.stopRequestedBy, notify: false }, save);
      } else if (this.isOpen(w) && this.timedOut(w)) {
        await save({ state: "timed_out", phase: "finishing", failures: 0, finishedAt: this.options.now() });
      } else if (this.isOpen(w) && w.authUntil !== null) {
        await this.viaRequester(w, save, refreshing);
      } else if (check) {
        await this.applyCheck(w, check, save, refreshing);
      }
      if (w.phase === "finishing") await this.finish(w, save);
      if (w.phase === "notifying") await this.notify(w, save);
      await release();
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.options.logger.warn("another process took this watch over; leaving it to that one", {
          watch_id: w.id,
        });
        return;
      }
      if (error instanceof Stop) {
        await release();
        return;
      }
      // Not Feishu's doing (the store failing, a bug): give the watch back for later, so it does not wait for
      // its lease to run out (if even that fails, the lease expiry hands it on); like any failure, it counts
      // toward the phase's retry limit.
      this.options.logger.error("watch step failed", {
        watch_id: w.id,
        task_id: w.taskId,
        error: String(error),
      });
      const now = this.options.now();
      const failures = w.failures + 1;
      const changes: WatchChanges =
        w.phase !== "active" && failures >= MAX_PHASE_FAILURES
          ? { phase: "done", notify: false, endReason: `gave_up:${w.phase}`, finishedAt: w.finishedAt ?? now }
          : { failures, nextCheckAt: now + STEP_FAILURE_DELAY_MS };
      await release(changes).catch(() => undefined);
    }
  }

  private async applyCheck(w: Watch, check: Check, save: Save, refreshing: boolean): Promise<void> {
    const now = this.options.now();
    if (!check.ok) {
      if ("identityGone" in check) return this.waitForAuthorization(w, save);
      if (check.kind === "task_not_found" && w.asUser === null && this.mayAskRequester(w)) {
        return this.viaRequester(w, save, refreshing);
      }
      if (check.kind === "task_not_found" || check.kind === "task_invalid") {
        const state = check.kind === "task_not_found" ? "not_found" : "invalid";
        return this.end(w, { state, lastCheckAt: now, notify: false }, save);
      }
      const failures = w.failures + 1;
      const nextRetryAt =
        now +
        retryDelayMs(check.kind, failures, this.options.pollIntervalSeconds, check.error.retryAfterSeconds);
      await save({ failures, nextCheckAt: nextRetryAt });
      return this.showCard(w, save, "state_change", { attempt: failures, nextRetryAt });
    }
    const state = stateOf(check.status);
    const changed = state !== w.state || check.status !== w.rawStatus || w.failures > 0;
    const seen: WatchChanges = {
      state,
      rawStatus: check.status,
      lastCheckAt: now,
      checks: w.checks + 1,
      // A new watch has not taken its step until its first card is out: a good check alone resets nothing.
      failures: w.phase === "new" ? w.failures : 0,
    };
    if (state === "success" || state === "fail") {
      // Notified even when already over at the first check: after a crash the asker may have seen a
      // running card, and in a group the notice is what @-mentions them.
      return this.end(w, seen, save);
    }
    const purpose = cardPurpose(w, changed, refreshing, now);
    // What a check saw changes no phase, and nothing sent depends on it being stored first (a crash before the
    // next write only repeats the check): it rides with the card's own write, or, when there is nothing to
    // show (most rounds), with the release.
    const nextCheckAt = now + pollIntervalMs(now - w.createdAt, this.options.pollIntervalSeconds);
    await save({ ...seen, nextCheckAt }, true);
    if (purpose) await this.showCard(w, save, purpose, undefined, now);
  }

  /** User authorization is on, and the watch has a requester to ask (a command's, not a script's). */
  private mayAskRequester(w: Watch): boolean {
    return this.options.identities !== undefined && w.origin === "command" && w.requesterOpenId !== "";
  }

  /**
   * The app cannot see the task (or the watch waits for its requester): with the requester's token, check as
   * them; without, wait for their authorization (the card asks for it) until the wait ends, then end.
   */
  private async viaRequester(w: Watch, save: Save, refreshing: boolean): Promise<void> {
    const person = w.requesterOpenId;
    let token: string | undefined;
    try {
      token = await this.options.identities?.accessToken(w.tenantKey, person);
    } catch (error) {
      // Feishu could not refresh the token just now: a failed check, retried like any other.
      return this.applyCheck(w, this.checks.failure(w, error), save, refreshing);
    }
    if (token) {
      await save({ asUser: person, authUntil: null }, true);
      return this.applyCheck(w, await this.checks.asPerson(w, person, token), save, refreshing);
    }
    if (w.authUntil === null) return this.waitForAuthorization(w, save);
    if (this.options.now() < w.authUntil) return save({ nextCheckAt: w.authUntil });
    // Nobody authorized in time: a task no identity could see is "not found" as before; one that was being
    // checked as the requester stops, saying their authorization ended.
    const seen = w.rawStatus !== null;
    const ended: WatchChanges = seen
      ? { state: "stopped", endReason: "authorization_ended", notify: false, authUntil: null }
      : { state: "not_found", notify: false, authUntil: null };
    return this.end(w, ended, save);
  }

  /** The card asks the requester to authorize; the watch waits AUTH_WINDOW_MS, checking nothing meanwhile. */
  private async waitForAuthorization(w: Watch, save: Save): Promise<void> {
    if (!this.mayAskRequester(w)) {
      return this.end(w, { state: "not_found", lastCheckAt: this.options.now(), notify: false }, save);
    }
    const until = this.options.now() + AUTH_WINDOW_MS;
    await save({ state: "awaiting_auth", asUser: null, authUntil: until, nextCheckAt: until }, true);
    return this.showCard(w, save, "state_change");
  }

  /**
   * Posts the first card, or patches the existing one with what it should show now; `shown` moves the card's
   * "last checked" time, kept only when the card really got it.
   */
  private async showCard(
    w: Watch,
    save: Save,
    purpose: Purpose,
    retrying?: CardView["retrying"],
    shown?: number,
  ): Promise<void> {
    const previous = w.shownCheckAt;
    if (shown !== undefined) w.shownCheckAt = shown;
    if (w.phase === "new") {
      await this.expect(w, await this.messages.postCard(w, save, retrying), save, "first card");
      // A card that says "retrying (attempt n)" keeps counting its attempts; a good first card starts afresh.
      await save(
        { phase: "active", failures: retrying ? w.failures : 0, shownCheckAt: w.shownCheckAt },
        true,
      );
      return;
    }
    const hash = w.cardHash;
    const outcome = await this.messages.patchCard(w, save, purpose, retrying);
    await this.expect(w, outcome, save, "card update");
    if (w.cardHash !== hash) await save({ shownCheckAt: w.shownCheckAt }, true);
    else w.shownCheckAt = previous;
  }

  /** Ends an open watch: a new one with its first (final) card, an active one through finishing. */
  private async end(w: Watch, changes: WatchChanges, save: Save): Promise<void> {
    // Entering finishing starts its own count; a new watch keeps counting until its (final) first card is out.
    const final: WatchChanges = {
      ...changes,
      finishedAt: this.options.now(),
      failures: w.phase === "new" ? w.failures : 0,
    };
    if (w.phase !== "new") return save({ ...final, phase: "finishing" });
    await save(final);
    await this.expect(w, await this.messages.postCard(w, save), save, "final card");
    await save({ phase: w.notify ? "notifying" : "done", failures: 0 });
  }

  private async finish(w: Watch, save: Save): Promise<void> {
    const patched = await this.messages.patchCard(w, save, "final");
    await this.expect(w, patched, save, "final card", true);
    if (!w.cardMessageId && !w.cardDisabled) {
      await this.expect(w, await this.messages.postFinalAnew(w), save, "final card", true);
    }
    await save({ phase: w.notify ? "notifying" : "done", failures: 0 });
    this.options.logger.info("watch ended", {
      watch_id: w.id,
      task_id: w.taskId,
      state: w.state,
      checks: w.checks,
    });
  }

  private async notify(w: Watch, save: Save): Promise<void> {
    const outcome = await this.messages.notify(w);
    this.options.metrics.notifications.inc({
      result: outcome.ok ? "ok" : outcome.retry ? "retry" : "refused",
    });
    await this.expect(w, outcome, save, "notice");
    await save({ phase: "done", failures: 0 });
  }

  /**
   * Carries out what a message step's outcome means for the watch (policy.ts judgeStep decides): goes on
   * (returns), or ends the step (throws Stop) after scheduling a retry or ending the watch.
   */
  private async expect(
    w: Watch,
    outcome: Outcome,
    save: Save,
    what: string,
    skippable = false,
  ): Promise<void> {
    if (outcome.ok) return;
    const { error } = outcome;
    const verdict = judgeStep(
      { ok: false, retry: outcome.retry, scope: outcome.retry ? undefined : outcome.scope, code: error.code },
      w,
      skippable,
    );
    const log = {
      watch_id: w.id,
      task_id: w.taskId,
      phase: w.phase,
      code: error.code,
      http_status: error.httpStatus,
    };
    const { logger } = this.options;
    switch (verdict.act) {
      case "go_on":
        return;
      case "go_on_without":
        logger.warn(`Feishu refused the ${what} for good (code ${error.code}); going on without it`, log);
        return;
      case "skip_card":
        logger.error(`gave up the ${what} after ${w.failures + 1} attempts`, log);
        await save({ failures: 0, cardDisabled: true });
        return;
      case "end":
        if (verdict.why === "refused") {
          logger.warn(`Feishu refused the ${what} for good (code ${error.code}); the watch ends`, log);
        } else {
          logger.error(`gave up the ${what} after ${w.failures + 1} attempts`, log);
        }
        await save({
          phase: "done",
          notify: false,
          endReason: verdict.endReason,
          finishedAt: w.finishedAt ?? this.options.now(),
        });
        throw new Stop();
      case "retry": {
        const delay = retryDelayMs(
          classify(error),
          verdict.failures,
          this.options.pollIntervalSeconds,
          error.retryAfterSeconds,
        );
        logger.warn(`Feishu call failed; will retry the ${what}`, {
          ...log,
          attempt: verdict.failures,
          retry_in_ms: delay,
        });
        await save({ failures: verdict.failures, nextCheckAt: this.options.now() + delay });
        throw new Stop();
      }
    }
  }
}

/** Ends the current step of a watch (its lease is released by step()). */
class Stop extends Error {}

/** Why a good check should update the card, or undefined when the card would show nothing new. */
function cardPurpose(w: Watch, changed: boolean, refreshing: boolean, now: number): Purpose | undefined {
  if (refreshing) return "reply";
  if (changed || w.phase === "new") return "state_change";
  return freshnessDue(w.createdAt, w.shownCheckAt, now) ? "freshness" : undefined;
}
