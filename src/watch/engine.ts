import { createHash } from "node:crypto";
import { buildCard, notificationText } from "../../cards";
import type { CardJson, CardView, Locale } from "../../cards/types";
import { classify, type FailureKind, FeishuApiError } from "../feishu/errors";
import type { FeishuApi } from "../feishu/paced";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { Store, Watch, WatchChanges } from "../store/types";
import { messageUuid, pollIntervalMs, retryDelayMs, stateOf } from "./policy";

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
  locale: Locale;
}

type Check = { ok: true; status: string } | { ok: false; error: FeishuApiError; kind: FailureKind };

/** Raised inside a step when an outbound call failed for a reason worth retrying later. */
class Postpone extends Error {
  constructor(readonly error: FeishuApiError) {
    super(error.message);
  }
}

/** Raised inside a step when the watch was ended (chat gone); the step stops there. */
class Ended extends Error {}

const LEASE_MS = 60_000;
/** cardHash while the first card is being posted: it may exist on Feishu's side without our knowing. */
const POSTING = "posting";
const TASKS_PER_ROUND = 50;
const BEAT_SLACK_MS = 500;
const PARALLEL_TASKS = 8;

/**
 * Moves watches through their phases (see store/types.ts). Each due task gets one task_check per round,
 * shared by every watch of that task; each visible change patches the card; each end is notified once.
 */
export class WatchEngine {
  constructor(private readonly o: EngineOptions) {}

  /** One scheduler round: claim due watches (oldest due first), check each task once, advance them. */
  async round(): Promise<number> {
    // Due "now" includes the next half second: the once-a-second beat may fire a few ms before a watch's
    // due time, and skipping it would stretch every interval by a whole second.
    const now = this.o.now() + BEAT_SLACK_MS;
    const coalesceUntil = now + this.o.pollIntervalSeconds * 1000;
    const watches = await this.o.store.claimDueWatches(
      now,
      TASKS_PER_ROUND,
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
      if (w.phase === "notifying") await this.notify(w, save);
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

  private async applyCheck(w: Watch, check: Check, save: (c: WatchChanges) => Promise<void>): Promise<void> {
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
  private async end(
    w: Watch,
    changes: WatchChanges,
    save: (c: WatchChanges) => Promise<void>,
  ): Promise<void> {
    if (w.phase !== "new") return save({ ...changes, phase: "finishing" });
    await save(changes);
    await this.postCard(w, save);
    await save({ phase: w.notify ? "notifying" : "done" });
  }

  /** Posts the first card, or patches the existing one when what it shows has changed. */
  private async showCard(
    w: Watch,
    save: (c: WatchChanges) => Promise<void>,
    retrying?: CardView["retrying"],
  ) {
    if (w.phase === "new") {
      await this.postCard(w, save, retrying);
      await save({ phase: "active" });
    } else {
      await this.patchCard(w, save, retrying);
    }
  }

  private async postCard(
    w: Watch,
    save: (c: WatchChanges) => Promise<void>,
    retrying?: CardView["retrying"],
  ) {
    const card = buildCard(this.viewOf(w, retrying), this.o.now());
    // If an earlier attempt may have reached Feishu, the uuid makes Feishu hand back that first card
    // unchanged: it is patched right after, so it shows what this attempt meant to post.
    const mayExist = w.cardHash === POSTING;
    if (!mayExist) await save({ cardHash: POSTING });
    try {
      const id = await this.o.feishu.reply(
        w.commandMessageId,
        { card },
        messageUuid("card", w.commandMessageId, w.taskId),
        w.chatId,
      );
      this.o.metrics.messagesSent.inc({ kind: "card", result: "ok" });
      await save({ cardMessageId: id, cardHash: mayExist ? null : hashOf(card) });
    } catch (error) {
      this.o.metrics.messagesSent.inc({ kind: "card", result: "error" });
      await this.outboundFailed(w, error, "message.reply", save);
    }
    if (mayExist) await this.patchCard(w, save, retrying);
  }

  private async patchCard(
    w: Watch,
    save: (c: WatchChanges) => Promise<void>,
    retrying?: CardView["retrying"],
  ) {
    if (!w.cardMessageId || w.cardDisabled) return;
    const card = buildCard(this.viewOf(w, retrying), this.o.now());
    const hash = hashOf(card);
    if (hash === w.cardHash) return;
    try {
      await this.o.feishu.patchCard(w.cardMessageId, card);
      this.o.metrics.cardPatches.inc({ result: "ok" });
      await save({ cardHash: hash });
    } catch (error) {
      this.o.metrics.cardPatches.inc({ result: "error" });
      const e = asFeishuError("message.patch", error);
      const kind = classify(e);
      if (kind === "card_gone" || kind === "card_too_old") {
        // Recalled or deleted: leave it alone. Older than 14 days: forget it, the final state goes out anew.
        this.o.logger.info("card can no longer be updated; still watching", { watch_id: w.id, code: e.code });
        await save(kind === "card_gone" ? { cardDisabled: true } : { cardMessageId: null });
        return;
      }
      await this.outboundFailed(w, e, "message.patch", save);
    }
  }

  private async postFinalAsNewMessage(w: Watch, card: object, save: (c: WatchChanges) => Promise<void>) {
    try {
      await this.o.feishu.send(w.chatId, { card }, messageUuid("final", w.commandMessageId, w.taskId));
      this.o.metrics.messagesSent.inc({ kind: "final_card", result: "ok" });
    } catch (error) {
      this.o.metrics.messagesSent.inc({ kind: "final_card", result: "error" });
      await this.outboundFailed(w, error, "message.create", save);
    }
  }

  private async finish(w: Watch, save: (c: WatchChanges) => Promise<void>): Promise<void> {
    await this.patchCard(w, save);
    if (!w.cardMessageId && !w.cardDisabled) {
      await this.postFinalAsNewMessage(w, buildCard(this.viewOf(w), this.o.now()), save);
    }
    await save({ phase: w.notify ? "notifying" : "done" });
    this.o.logger.info("watch ended", {
      watch_id: w.id,
      task_id: w.taskId,
      state: w.state,
      checks: w.checks,
    });
  }

  private async notify(w: Watch, save: (c: WatchChanges) => Promise<void>): Promise<void> {
    const mention =
      w.chatType === "group" && w.requesterOpenId ? `<at user_id="${w.requesterOpenId}"></at> ` : "";
    const text = mention + notificationText(this.viewOf(w), this.o.locale);
    const uuid = messageUuid("notify", w.commandMessageId, w.taskId);
    try {
      await this.o.feishu.reply(w.commandMessageId, { text }, uuid, w.chatId);
    } catch (error) {
      const e = asFeishuError("message.reply", error);
      if (classify(e) !== "card_gone") {
        this.o.metrics.notifications.inc({ result: "error" });
        await this.outboundFailed(w, e, "message.reply", save);
        return;
      }
      // The command message was recalled: say it in the chat instead.
      await this.o.feishu
        .send(w.chatId, { text }, uuid)
        .catch((err) => this.outboundFailed(w, err, "message.create", save));
    }
    this.o.metrics.notifications.inc({ result: "ok" });
    await save({ phase: "done" });
  }

  /** Chat gone: end quietly. Anything else: postpone the step (Postpone unwinds to advance()). */
  private async outboundFailed(
    w: Watch,
    error: unknown,
    op: string,
    save: (c: WatchChanges) => Promise<void>,
  ) {
    const e = asFeishuError(op, error);
    if (classify(e) === "chat_gone") {
      this.o.logger.warn("chat is gone or the bot was removed; ending the watch", {
        watch_id: w.id,
        task_id: w.taskId,
        code: e.code,
      });
      await save({ phase: "done", notify: false, finishedAt: w.finishedAt ?? this.o.now() });
      throw new Ended();
    }
    throw new Postpone(e);
  }

  /** The card a watch shows now (also the answer to a button click). */
  cardOf(w: Watch): CardJson {
    return buildCard(this.viewOf(w), this.o.now());
  }

  private viewOf(w: Watch, retrying?: CardView["retrying"]): CardView {
    const stopping = this.isOpen(w) && w.stopRequestedBy !== null;
    return {
      taskId: w.taskId,
      state: stopping ? "stopped" : w.state,
      rawStatus: w.rawStatus ?? undefined,
      startedAt: w.createdAt,
      lastCheckAt: w.lastCheckAt ?? undefined,
      finishedAt: w.finishedAt ?? undefined,
      retrying,
      stoppedBy: w.stoppedBy ?? w.stopRequestedBy ?? undefined,
      requesterOpenId: w.requesterOpenId || undefined,
      watchId: String(w.id),
      actions: true,
      timeoutMinutes: this.o.watchTimeoutMinutes,
    };
  }
}

function hashOf(card: object): string {
  return createHash("sha1").update(JSON.stringify(card)).digest("base64url");
}

function asFeishuError(op: string, error: unknown): FeishuApiError {
  return error instanceof FeishuApiError ? error : new FeishuApiError(op, 0, 0, String(error));
}
