import { createHash } from "node:crypto";
import { buildCard, notificationText } from "../../cards";
import type { AuthorizeLink, CardJson, CardView, Locale } from "../../cards/types";
import type { FeishuApi, OutgoingMessage, Purpose } from "../core/feishu-api";
import type { Watch, WatchChanges } from "../core/watch";
import { classify, type FailureKind, FeishuApiError, isRetryable } from "../feishu/errors";
import type { Logger } from "../logger";
import { messageUuid, type Outbox, type OutboxSent } from "../outbox";

/** The card's own fields: what this module may save on a watch (the engine owns everything else). */
export type CardChanges = Pick<
  WatchChanges,
  "cardMessageId" | "cardHash" | "cardDisabled" | "chatId" | "shownCheckAt"
>;
export type SaveCard = (changes: CardChanges) => Promise<void>;

/**
 * How a message step went. `retry`: worth trying again later. `refused`: Feishu will never take it; `scope`
 * "chat" when the chat or user takes nothing from the bot (the watch ends), "message" when only this message
 * is refused.
 */
export type Outcome =
  | { ok: true }
  | { ok: false; retry: true; error: FeishuApiError }
  | { ok: false; retry: false; error: FeishuApiError; scope: "chat" | "message" };

const OK: Outcome = { ok: true };

/** cardHash while the first card is being posted: it may exist on Feishu's side without our knowing. */
const POSTING = "posting";

export interface WatchMessagesOptions {
  /** Cards are patched directly (a patch carries no uuid: it is the same card again). */
  feishu: FeishuApi;
  outbox: Outbox;
  logger: Logger;
  now: () => number;
  locale: Locale;
  watchTimeoutMinutes: number;
  pollIntervalSeconds: number;
  /** The requester's Authorize link for a watch waiting for them (user authorization on). */
  linkFor?: (w: Watch, until: number, again: boolean) => AuthorizeLink;
}

/**
 * What a watch says in the chat: its card (posted once, patched when what it shows changes) and its one
 * completion notice. Every message goes through the outbox with a uuid derived from the watch, so redoing a step
 * after a crash or a failure never posts twice. Each method says how
 * it went (an Outcome); the engine decides what that means for the watch.
 */
export class WatchMessages {
  constructor(private readonly options: WatchMessagesOptions) {}

  /** Posts the first card: a reply to the command, or (API watches) a new message into the chat or DM. */
  async postCard(w: Watch, save: SaveCard, retrying?: CardView["retrying"]): Promise<Outcome> {
    const card = buildCard(this.viewOf(w, retrying), this.options.now());
    // If an earlier attempt may have reached Feishu, the same uuid (and the same pinned content) makes Feishu
    // hand back that first card: it is patched right after, so it shows what this attempt meant to post. The
    // marker may be missing (the next attempt did not see it; found by the soak): the outbox then says the
    // uuid carried other content first, and the card is patched all the same.
    let mayExist = w.cardHash === POSTING;
    if (!mayExist) await save({ cardHash: POSTING });
    const uuid = messageUuid("card", anchorOf(w), w.taskId);
    let sent: OutboxSent;
    try {
      sent = await this.deliver(w, { card }, uuid, "reply", w.commandMessageId);
    } catch (error) {
      return this.failed("message.reply", error);
    }
    mayExist ||= sent.pinnedEarlier;
    await save({
      cardMessageId: sent.messageId,
      cardHash: mayExist ? null : hashOf(card),
      ...(w.chatId ? {} : { chatId: sent.chatId }),
    });
    if (mayExist) return this.patchCard(w, save, "state_change", retrying);
    return OK;
  }

  /** Patches the card when what it shows changed. A recalled card is left alone; a too old one forgotten. */
  async patchCard(
    w: Watch,
    save: SaveCard,
    purpose: Purpose,
    retrying?: CardView["retrying"],
  ): Promise<Outcome> {
    if (!w.cardMessageId || w.cardDisabled) return OK;
    const card = buildCard(this.viewOf(w, retrying), this.options.now());
    const hash = hashOf(card);
    if (hash === w.cardHash) return OK;
    try {
      if ((await this.options.feishu.patchCard(w.tenantKey, w.cardMessageId, card, purpose)) === "dropped")
        return OK;
      await save({ cardHash: hash });
      return OK;
    } catch (error) {
      const e = asFeishuError("message.patch", error);
      const kind = classify(e);
      if (kind === "card_gone" || kind === "card_too_old") {
        // Recalled or deleted: leave it alone. Older than 14 days: forget it, the final state goes out anew.
        this.options.logger.info("card can no longer be updated", { watch_id: w.id, code: e.code });
        await save(kind === "card_gone" ? { cardDisabled: true } : { cardMessageId: null });
        return OK;
      }
      const outcome = this.failed("message.patch", e);
      if (!outcome.ok && !outcome.retry && outcome.scope === "message") await save({ cardDisabled: true });
      return outcome;
    }
  }

  /** The final card as a new message, for a card too old to patch (230031): in the command's topic if any. */
  async postFinalAnew(w: Watch): Promise<Outcome> {
    const uuid = messageUuid("final", anchorOf(w), w.taskId);
    try {
      await this.deliver(w, { card: this.cardOf(w) }, uuid, "final", w.commandMessageId);
      return OK;
    } catch (error) {
      return this.failed("message.create", error);
    }
  }

  /**
   * The one completion notice, in a group @-mentioning the requester: a reply to the command (API watches:
   * to the card), so it stays in the topic. When that message is gone, a reply to the card, then a new message.
   */
  async notify(w: Watch): Promise<Outcome> {
    const mention =
      w.chatType !== "p2p" && w.requesterOpenId ? `<at user_id="${w.requesterOpenId}"></at> ` : "";
    const text = mention + notificationText(this.viewOf(w), this.options.locale);
    const uuid = messageUuid("notify", anchorOf(w), w.taskId);
    const targets = [w.commandMessageId, w.cardMessageId].filter((id): id is string => Boolean(id));
    for (const target of [...new Set(targets), null]) {
      try {
        await this.deliver(w, { text }, uuid, "notice", target);
        return OK;
      } catch (error) {
        const e = asFeishuError("message.reply", error);
        if (classify(e) !== "card_gone") return this.failed("message.reply", e);
        // That message was recalled or deleted: try the next place.
      }
    }
    return OK;
  }

  /** The card a watch shows now (also the answer to a button click). */
  cardOf(w: Watch): CardJson {
    return buildCard(this.viewOf(w), this.options.now());
  }

  viewOf(w: Watch, retrying?: CardView["retrying"]): CardView {
    const stopping = (w.phase === "new" || w.phase === "active") && w.stopRequestedBy !== null;
    return {
      taskId: w.taskId,
      state: stopping ? "stopped" : w.state,
      rawStatus: w.rawStatus ?? undefined,
      startedAt: w.createdAt,
      lastCheckAt: w.shownCheckAt ?? w.lastCheckAt ?? undefined,
      finishedAt: w.finishedAt ?? undefined,
      retrying,
      stoppedBy: w.stoppedBy ?? w.stopRequestedBy ?? undefined,
      requesterOpenId: w.requesterOpenId || undefined,
      watchId: String(w.id),
      actions: true,
      timeoutMinutes: this.options.watchTimeoutMinutes,
      pollIntervalSeconds: this.options.pollIntervalSeconds,
      note: w.note ?? undefined,
      checkedAs: w.asUser ?? undefined,
      // Waiting for the requester: their button, until the wait ends ("again" once the task was seen as them).
      authorize:
        w.state === "awaiting_auth" && w.authUntil !== null
          ? this.options.linkFor?.(w, w.authUntil, w.rawStatus !== null)
          : undefined,
    };
  }

  /**
   * Sends `message` (through the outbox, under `uuid`): a reply to `replyTo` when given (it stays in that
   * message's topic), else a new message into the watch's chat, or to its user when the chat is not known yet.
   */
  private async deliver(
    w: Watch,
    message: OutgoingMessage,
    uuid: string,
    purpose: Purpose,
    replyTo: string | null,
  ): Promise<OutboxSent> {
    const { outbox } = this.options;
    if (replyTo) {
      return outbox.reply(w.tenantKey, { messageId: replyTo, chatId: w.chatId }, message, uuid, purpose);
    }
    const to = w.chatId
      ? { type: "chat_id" as const, id: w.chatId }
      : { type: "open_id" as const, id: w.receiveOpenId ?? "" };
    return outbox.send(w.tenantKey, to, message, uuid, purpose);
  }

  private failed(op: string, error: unknown): Outcome {
    const e = asFeishuError(op, error);
    const kind: FailureKind = classify(e);
    if (isRetryable(kind)) return { ok: false, retry: true, error: e };
    return { ok: false, retry: false, error: e, scope: kind === "chat_refused" ? "chat" : "message" };
  }
}

/** What a watch's message uuids derive from: its command message, or the watch itself (API watches). */
function anchorOf(w: Watch): string {
  return w.commandMessageId ?? `watch:${w.id}`;
}

function hashOf(card: object): string {
  return createHash("sha1").update(JSON.stringify(card)).digest("base64url");
}

export function asFeishuError(op: string, error: unknown): FeishuApiError {
  return error instanceof FeishuApiError ? error : new FeishuApiError(op, 0, 0, String(error));
}
