import type { FailureKind } from "../feishu/errors";

const MINUTE = 60_000;

/**
 * Adaptive polling: the base interval while a task is young, then slower, so a day-long watch does not burn
 * a free tenant's monthly API quota. Returns milliseconds until the next task_check.
 *
 *   age < 10 min   base interval (POLL_INTERVAL_SECONDS, default 5 s)
 *   age < 1 h      max(base, 30 s)
 *   age < 6 h      max(base, 2 min)
 *   older          max(base, 5 min)
 */
export function pollIntervalMs(ageMs: number, baseSeconds: number): number {
  const base = baseSeconds * 1000;
  if (ageMs < 10 * MINUTE) return base;
  if (ageMs < 60 * MINUTE) return Math.max(base, 30_000);
  if (ageMs < 360 * MINUTE) return Math.max(base, 2 * MINUTE);
  return Math.max(base, 5 * MINUTE);
}

/**
 * How many failed attempts each phase of a watch gets before the bot gives that step up (docs/reliability.md,
 * "Retry limits per phase"). With the backoff below (capped at 5 min) 12 attempts span about half an hour. The
 * active phase has no count: its task_check failures are retried until the task ends or WATCH_TIMEOUT_MINUTES
 * passes.
 */
export const MAX_PHASE_FAILURES = 12;

/**
 * How long a watch waits for its requester's authorization (user authorization), and how long an Authorize
 * button and an OAuth state work: 10 minutes.
 */
export const AUTH_WINDOW_MS = 10 * 60_000;

/**
 * When the card's "last checked" line moves while nothing else changes: at the ages 1, 2, 4, 8, ... minutes,
 * so a watch of duration d costs about log2(d / 1 min) such updates (11 in a day), not one a minute.
 */
export function freshnessDue(createdAt: number, shownCheckAt: number | null, lastCheckAt: number): boolean {
  const step = (at: number) => {
    const minutes = (at - createdAt) / MINUTE;
    return minutes < 1 ? -1 : Math.floor(Math.log2(minutes));
  };
  return step(lastCheckAt) > step(shownCheckAt ?? createdAt);
}

/** Exponential backoff with full jitter on top of the base: base·2^(n-1), capped at 5 min. */
export function backoffMs(failures: number, baseSeconds: number, random: () => number = Math.random): number {
  const ceiling = Math.min(5 * MINUTE, baseSeconds * 1000 * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** When to try again after a failure of the given kind. */
export function retryDelayMs(
  kind: FailureKind,
  failures: number,
  baseSeconds: number,
  retryAfterSeconds?: number,
): number {
  if (kind === "rate_limited" && retryAfterSeconds !== undefined) {
    return Math.max(1000, retryAfterSeconds * 1000) + Math.round(Math.random() * 250);
  }
  return backoffMs(failures, baseSeconds);
}

/** The status task_check answered, as a card state. */
export function stateOf(status: string): "running" | "success" | "fail" | "unknown" {
  if (status === "process") return "running";
  if (status === "success" || status === "fail") return status;
  return "unknown";
}

/** How a message step (card, final card, notice) went, as the decision below reads it. */
export type StepOutcome =
  | { ok: true }
  /** `retry`: worth trying again later; else refused for good, for this message alone or for the whole chat. */
  | { ok: false; retry: boolean; scope?: "chat" | "message"; code: number };

/** What a message step's outcome means for the watch. */
export type StepVerdict =
  /** It went through. */
  | { act: "go_on" }
  /** Refused for good, this message alone, and the watch can do without it: go on. */
  | { act: "go_on_without" }
  /** A skippable message given up after MAX_PHASE_FAILURES attempts: stop updating the card, go on. */
  | { act: "skip_card" }
  /** The watch ends quietly (no notice): refused for good, or given up. */
  | { act: "end"; endReason: string; why: "refused" | "gave_up" }
  /** Try the step again later; `failures` counts this attempt. */
  | { act: "retry"; failures: number };

/**
 * Decides what a message step's outcome means (the engine carries it out). `skippable`: the step may be done
 * without (the final card, when a notice still follows). While a watch is active its card updates may be
 * refused or fail without end; other phases get MAX_PHASE_FAILURES attempts.
 */
export function judgeStep(
  outcome: StepOutcome,
  watch: { phase: string; failures: number },
  skippable: boolean,
): StepVerdict {
  if (outcome.ok) return { act: "go_on" };
  if (!outcome.retry) {
    if (outcome.scope === "message" && (skippable || watch.phase === "active"))
      return { act: "go_on_without" };
    return { act: "end", endReason: `refused:${outcome.code}`, why: "refused" };
  }
  const failures = watch.failures + 1;
  if (watch.phase !== "active" && failures >= MAX_PHASE_FAILURES) {
    return skippable
      ? { act: "skip_card" }
      : { act: "end", endReason: `gave_up:${watch.phase}`, why: "gave_up" };
  }
  return { act: "retry", failures };
}
