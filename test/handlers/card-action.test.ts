import { describe, expect, it } from "vitest";
import { replyText } from "../../cards";
import { handleCardAction } from "../../handlers/card-action";
import type { CardAction } from "../../src/core/incoming";
import { ALICE, BOB, cardActionContext, watchOf } from "../support/fake-context";

/** The card's buttons: honoured only from the card the watch owns, in its tenant; Stop by the requester alone. */
describe("card buttons", () => {
  const t = replyText("en_us");
  const click = (value: Record<string, unknown>, over: Partial<CardAction> = {}): CardAction => ({
    eventId: "ev_click",
    tenantKey: "",
    operatorOpenId: ALICE,
    openMessageId: "om_card",
    chatId: "oc_group",
    value,
    ...over,
  });

  it("Refresh: checks now and answers with a toast naming the new state, and the card", async () => {
    const w = watchOf({ id: 5 });
    const { ctx, refreshes } = cardActionContext([w], (x) => ({ ...x, state: "success", phase: "done" }));
    const answer = await handleCardAction(ctx, click({ action: "refresh", watch_id: "5" }));
    expect(refreshes).toEqual([5]);
    expect(answer.toast).toMatchObject({ type: "info", content: t.refreshed("Success") });
    expect(answer.toast?.i18n.zh_cn).toBe(replyText("zh_cn").refreshed("成功"));
    expect(JSON.stringify(answer.card)).toContain("success");
  });

  it("Refresh that failed: a warning toast", async () => {
    const { ctx } = cardActionContext([watchOf({ id: 5 })], (x) => ({ ...x, failures: 1 }));
    const answer = await handleCardAction(ctx, click({ action: "refresh", watch_id: "5" }));
    expect(answer.toast).toMatchObject({ type: "warning", content: t.refreshFailed });
  });

  it("Stop by the requester: stops, says so, shows the card", async () => {
    const { ctx, stops } = cardActionContext([watchOf({ id: 5 })]);
    const answer = await handleCardAction(ctx, click({ action: "stop", watch_id: "5" }));
    expect(stops).toEqual([{ watchId: 5, by: ALICE }]);
    expect(answer.toast).toMatchObject({ type: "success", content: t.stopped("7360595374803812356") });
    expect(answer.card?.type).toBe("raw");
  });

  it("Stop by someone else: refused, nothing stops", async () => {
    const { ctx, stops } = cardActionContext([watchOf({ id: 5 })]);
    const answer = await handleCardAction(
      ctx,
      click({ action: "stop", watch_id: "5" }, { operatorOpenId: BOB }),
    );
    expect(stops).toEqual([]);
    expect(answer.toast).toMatchObject({ type: "warning", content: t.onlyRequesterCanStop });
  });

  it("on a watch that has ended: a polite toast and the final card, no refresh", async () => {
    const { ctx, refreshes } = cardActionContext([watchOf({ id: 5, phase: "done", state: "fail" })]);
    const answer = await handleCardAction(ctx, click({ action: "refresh", watch_id: "5" }));
    expect(refreshes).toEqual([]);
    expect(answer.toast).toMatchObject({ type: "info", content: t.watchEnded });
    expect(JSON.stringify(answer.card)).toContain("fail");
  });

  it.each([
    ["another card's message", click({ action: "stop", watch_id: "5" }, { openMessageId: "om_elsewhere" })],
    ["another tenant", click({ action: "stop", watch_id: "5" }, { tenantKey: "tenant_b" })],
    ["an unknown verb", click({ action: "delete", watch_id: "5" })],
    ["a watch id that is not digits", click({ action: "stop", watch_id: "5 OR 1=1" })],
    ["a watch id of the wrong type", click({ action: "stop", watch_id: 5 })],
    ["a verb of the wrong type", click({ action: { toString: "stop" }, watch_id: "5" })],
    ["no such watch", click({ action: "stop", watch_id: "999" })],
    ["an empty value", click({})],
  ])("refuses a click from %s, touching nothing", async (_what, action) => {
    const { ctx, stops, refreshes } = cardActionContext([watchOf({ id: 5 })]);
    const answer = await handleCardAction(ctx, action);
    expect(stops).toEqual([]);
    expect(refreshes).toEqual([]);
    expect(answer).toEqual({
      toast: { type: "warning", content: t.unknownAction, i18n: expect.any(Object) },
    });
  });
});
