import { replyText, STRINGS } from "../cards";
import type { CardJson, Locale } from "../cards/types";
import type { CallbackAnswer, CardActionContext, ToastType } from "../src/core/handling";
import type { CardAction } from "../src/core/incoming";

/**
 * The card's buttons. The answer (toast and updated card) must reach Feishu within 3 s. A click is honoured
 * only from the card the watch owns, in the tenant the watch belongs to, so a forged or copied button value
 * cannot touch another chat's (or another company's) watch.
 */
export async function handleCardAction(ctx: CardActionContext, action: CardAction): Promise<CallbackAnswer> {
  const toast = (type: ToastType, pick: (t: ReturnType<typeof replyText>) => string, card?: CardJson) => ({
    toast: {
      type,
      content: pick(replyText(ctx.locale)),
      i18n: { zh_cn: pick(replyText("zh_cn")), en_us: pick(replyText("en_us")) },
    },
    ...(card ? { card: { type: "raw" as const, data: card } } : {}),
  });
  // Values come from the click and may be anything JSON allows (even {"toString": 1}): accept plain strings only.
  const verb = typeof action.value.action === "string" ? action.value.action.slice(0, 32) : "";
  const rawId = action.value.watch_id;
  const watchId = typeof rawId === "string" && /^\d{1,15}$/.test(rawId) ? Number(rawId) : Number.NaN;
  const watch = Number.isSafeInteger(watchId) ? await ctx.watches.getWatch(watchId) : undefined;
  const owned =
    watch !== undefined &&
    watch.tenantKey === action.tenantKey &&
    watch.cardMessageId === action.openMessageId;
  if (!watch || !owned || (verb !== "refresh" && verb !== "stop")) {
    ctx.logger.info("card action refused", {
      watch_id: Number.isSafeInteger(watchId) ? watchId : null,
      action: verb,
    });
    return toast("warning", (t) => t.unknownAction);
  }
  if (watch.phase === "done" || watch.stopRequestedBy) {
    return toast("info", (t) => t.watchEnded, ctx.cardOf(watch));
  }
  if (verb === "stop") {
    if (watch.requesterOpenId !== action.operatorOpenId)
      return toast("warning", (t) => t.onlyRequesterCanStop);
    await ctx.stopWatch(watch.id, action.operatorOpenId);
    const after = (await ctx.watches.getWatch(watch.id)) ?? watch;
    ctx.logger.info("watch stopped from its card", { watch_id: watch.id, task_id: watch.taskId });
    return toast("success", (t) => t.stopped(watch.taskId), ctx.cardOf(after));
  }
  const after = await ctx.refresh(watch.id);
  if (!after || (after.failures > 0 && after.phase !== "done")) {
    return toast("warning", (t) => t.refreshFailed, after && ctx.cardOf(after));
  }
  const label = (locale: Locale) => STRINGS[locale].label[after.state];
  return {
    toast: {
      type: "info",
      content: replyText(ctx.locale).refreshed(label(ctx.locale)),
      i18n: {
        zh_cn: replyText("zh_cn").refreshed(label("zh_cn")),
        en_us: replyText("en_us").refreshed(label("en_us")),
      },
    },
    card: { type: "raw", data: ctx.cardOf(after) },
  };
}
