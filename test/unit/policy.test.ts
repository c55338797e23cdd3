import { describe, expect, it } from "vitest";
import { messageUuid } from "../../src/outbox";
import {
  backoffMs,
  judgeStep,
  MAX_PHASE_FAILURES,
  pollIntervalMs,
  retryDelayMs,
  type StepOutcome,
  type StepVerdict,
  stateOf,
} from "../../src/watch/policy";

const MIN = 60_000;

describe("pollIntervalMs", () => {
  it("polls at the base interval while the task is young, then slower up to a cap", () => {
    expect(pollIntervalMs(0, 5)).toBe(5000);
    expect(pollIntervalMs(9 * MIN, 5)).toBe(5000);
    expect(pollIntervalMs(10 * MIN, 5)).toBe(30_000);
    expect(pollIntervalMs(2 * 60 * MIN, 5)).toBe(120_000);
    expect(pollIntervalMs(20 * 60 * MIN, 5)).toBe(300_000);
    expect(pollIntervalMs(20 * 60 * MIN, 600)).toBe(600_000); // never faster than the base
  });

  it("keeps a 24-hour watch under 600 calls (17,280 at a fixed 5 s)", () => {
    let calls = 0;
    for (let age = 0; age < 24 * 60 * MIN; age += pollIntervalMs(age, 5)) calls++;
    expect(calls).toBeLessThan(600);
  });
});

describe("backoff", () => {
  it("grows exponentially with jitter and is capped", () => {
    expect(backoffMs(1, 1, () => 0)).toBe(500);
    expect(backoffMs(1, 1, () => 1)).toBe(1000);
    expect(backoffMs(4, 1, () => 1)).toBe(8000);
    expect(backoffMs(50, 1, () => 1)).toBe(300_000);
  });

  it("honours Feishu's reset header when rate limited", () => {
    const d = retryDelayMs("rate_limited", 1, 1, 7);
    expect(d).toBeGreaterThanOrEqual(7000);
    expect(d).toBeLessThan(7300);
  });
});

describe("messageUuid", () => {
  it("is deterministic, distinct per purpose and at most 50 characters", () => {
    const a = messageUuid("card", "om_".padEnd(300, "x"), "7360595374803812356");
    expect(a).toBe(messageUuid("card", "om_".padEnd(300, "x"), "7360595374803812356"));
    expect(a.length).toBeLessThanOrEqual(50);
    expect(messageUuid("notify", "om_1", "t")).not.toBe(messageUuid("card", "om_1", "t"));
    expect(messageUuid("card", "om_1", "t2")).not.toBe(messageUuid("card", "om_1", "t"));
    // Parts are separated, so ("ab","c") and ("a","bc") differ.
    expect(messageUuid("x", "ab", "c")).not.toBe(messageUuid("x", "a", "bc"));
  });
});

describe("stateOf", () => {
  it("maps Feishu's statuses and treats anything else as unknown", () => {
    expect(stateOf("process")).toBe("running");
    expect(stateOf("success")).toBe("success");
    expect(stateOf("fail")).toBe("fail");
    expect(stateOf("paused")).toBe("unknown");
  });
});

describe("judgeStep: what a message step's outcome means for the watch", () => {
  const ok: StepOutcome = { ok: true };
  const retry: StepOutcome = { ok: false, retry: true, code: 99991400 };
  const chat: StepOutcome = { ok: false, retry: false, scope: "chat", code: 230002 };
  const message: StepOutcome = { ok: false, retry: false, scope: "message", code: 230031 };
  const last = MAX_PHASE_FAILURES - 1; // failures so far before the attempt that reaches the limit
  const rows: Array<[string, StepOutcome, string, number, boolean, StepVerdict]> = [
    ["went through", ok, "new", 0, false, { act: "go_on" }],
    ["went through after failures", ok, "notifying", 5, false, { act: "go_on" }],
    [
      "chat refused, first card",
      chat,
      "new",
      0,
      false,
      { act: "end", endReason: "refused:230002", why: "refused" },
    ],
    [
      "chat refused, while active",
      chat,
      "active",
      0,
      false,
      { act: "end", endReason: "refused:230002", why: "refused" },
    ],
    [
      "chat refused, a skippable final card",
      chat,
      "finishing",
      0,
      true,
      { act: "end", endReason: "refused:230002", why: "refused" },
    ],
    ["message refused while active", message, "active", 0, false, { act: "go_on_without" }],
    ["message refused, skippable", message, "finishing", 0, true, { act: "go_on_without" }],
    [
      "message refused, first card",
      message,
      "new",
      0,
      false,
      { act: "end", endReason: "refused:230031", why: "refused" },
    ],
    [
      "message refused, the notice",
      message,
      "notifying",
      0,
      false,
      { act: "end", endReason: "refused:230031", why: "refused" },
    ],
    ["transient, first attempt", retry, "new", 0, false, { act: "retry", failures: 1 }],
    ["transient, while active, past the limit", retry, "active", 40, false, { act: "retry", failures: 41 }],
    [
      "transient, one before the limit",
      retry,
      "notifying",
      last - 1,
      false,
      { act: "retry", failures: last },
    ],
    [
      "transient, at the limit",
      retry,
      "notifying",
      last,
      false,
      { act: "end", endReason: "gave_up:notifying", why: "gave_up" },
    ],
    [
      "transient, at the limit, first card",
      retry,
      "new",
      last,
      false,
      { act: "end", endReason: "gave_up:new", why: "gave_up" },
    ],
    ["transient, at the limit, skippable", retry, "finishing", last, true, { act: "skip_card" }],
  ];

  it.each(rows)("%s", (_what, outcome, phase, failures, skippable, verdict) => {
    expect(judgeStep(outcome, { phase, failures }, skippable)).toEqual(verdict);
  });

  it("covers every verdict", () => {
    expect(new Set(rows.map((r) => r[5].act))).toEqual(
      new Set(["go_on", "go_on_without", "skip_card", "end", "retry"]),
    );
  });
});
