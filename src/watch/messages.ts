import { createHash } from "node:crypto";
import { buildCard, notificationText } from "../../cards";
import type { CardJson, CardView, Locale } from "../../cards/types";
import { classify, FeishuApiError } from "../feishu/errors";
import type { FeishuApi } from "../feishu/paced";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { Watch, WatchChanges } from "../store/types";
import { messageUuid } from "./policy";

export type Save = (changes: WatchChanges) => Promise<void>;

/** Raised inside a step when an outbound call failed for a reason worth retrying later. */
export class Postpone extends Error {
  constructor(readonly error: FeishuApiError) {
    super(error.message);
  }
}

/** Raised inside a step when the watch was ended (chat gone); the step stops there. */
export class Ended extends Error {}

/** cardHash while the first card is being posted: it may exist on Feishu's side without our knowing. */
const POSTING = "posting";

export interface WatchMessagesOptions {
  feishu: FeishuApi;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  locale: Locale;
  watchTimeoutMinutes: number;
}

/**
 * What a watch says in the chat: its card (posted once, patched when what it shows changes) and its one
 * completion notice. Every message carries a uuid derived from the watch, so redoing a step after a crash
 * or a failure never posts twice. Failures are turned into Postpone (retry later) or Ended (chat gone).
 */
export class WatchMessages {
  constructor(private readonly o: WatchMessagesOptions) {}

  async postCard(w: Watch, save: Save, retrying?: CardView["retrying"]) {
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

  async patchCard(w: Watch, save: Save, retrying?: CardView["retrying"]) {
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

  /** The final card as a new message, for a card too old to patch (230031). */
  async postFinalAsNewMessage(w: Watch, save: Save) {
    const card = this.cardOf(w);
    try {
      await this.o.feishu.send(w.chatId, { card }, messageUuid("final", w.commandMessageId, w.taskId));
      this.o.metrics.messagesSent.inc({ kind: "final_card", result: "ok" });
    } catch (error) {
      this.o.metrics.messagesSent.inc({ kind: "final_card", result: "error" });
      await this.outboundFailed(w, error, "message.create", save);
    }
  }

  /** The one completion notice: a reply to the command; in a group it @-mentions the requester. */
  async notify(w: Watch, save: Save): Promise<void> {
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
  private async outboundFailed(w: Watch, error: unknown, op: string, save: Save) {
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

  viewOf(w: Watch, retrying?: CardView["retrying"]): CardView {
    const stopping = (w.phase === "new" || w.phase === "active") && w.stopRequestedBy !== null;
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

export function asFeishuError(op: string, error: unknown): FeishuApiError {
  return error instanceof FeishuApiError ? error : new FeishuApiError(op, 0, 0, String(error));
}
