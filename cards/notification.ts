/**
 * Plain-text messages: the completion notice. It goes out as a `text` message, so
 * nothing here is markdown; the caller prepends any @-mention itself.
 */
import { timedOutMinutes } from "./build-card";
import { plainValue } from "./escape";
import { STRINGS } from "./strings";
import { formatDuration, minutesBetween } from "./time-format";
import type { CardView, Locale } from "./types";

/** "Task 123 finished: success" / "任务 123 已完成：成功", and the matching line for every other state. */
export function notificationText(view: CardView, locale: Locale): string {
  const t = STRINGS[locale];
  const minutes =
    view.state === "timed_out"
      ? timedOutMinutes(view, view.finishedAt)
      : minutesBetween(view.startedAt, view.finishedAt ?? view.lastCheckAt ?? view.startedAt);
  return t.notice[view.state]({
    id: plainValue(view.taskId) || t.empty,
    status: plainValue(view.rawStatus ?? "") || t.empty,
    duration: formatDuration(minutes, t.duration),
  });
}
