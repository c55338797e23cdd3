/**
 * Times on a card, at minute resolution. The caller re-renders a card on every poll and PATCHes only when
 * the JSON changed, so every time shown here must change at most once a minute.
 */

export const MINUTE_MS = 60_000;

/** Words for a duration, per locale (see strings.ts). */
export interface DurationWords {
  seconds: (s: number) => string;
  lessThanMinute: string;
  minutes: (m: number) => string;
  hoursMinutes: (h: number, mm: string) => string;
  daysHours: (d: number, h: number) => string;
}

export function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * Whole minutes between two instants, counted on minute-floored clocks: within one wall-clock minute of
 * `to` the answer cannot change, and it always equals the difference of the two times the card displays.
 */
export function minutesBetween(from: number, to: number): number {
  return Math.max(0, Math.round((floorToMinute(to) - floorToMinute(from)) / MINUTE_MS));
}

/** "< 1 min", "3 min", "2 h 05 min", "1 d 3 h" (or the locale's words for them). */
export function formatDuration(totalMinutes: number, words: DurationWords): string {
  if (totalMinutes < 1) return words.lessThanMinute;
  if (totalMinutes < 60) return words.minutes(totalMinutes);
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) return words.hoursMinutes(totalHours, String(totalMinutes % 60).padStart(2, "0"));
  return words.daysHours(Math.floor(totalHours / 24), totalHours % 24);
}

/** A polling interval: "5 s", "30 s", "2 min" (or the locale's words for them). */
export function formatInterval(seconds: number, words: DurationWords): string {
  return seconds >= 60 && seconds % 60 === 0 ? words.minutes(seconds / 60) : words.seconds(seconds);
}

/**
 * Feishu markdown's `<local_datetime>` tag (card JSON 2.0 rich text): each reader sees the instant in their
 * own timezone. `date_num` renders like 2019-03-15 and `time` like 13:42, so seconds never show.
 */
export function localDateTime(ms: number): string {
  const at = floorToMinute(ms);
  return (
    `<local_datetime millisecond='${at}' format_type='date_num'></local_datetime> ` +
    `<local_datetime millisecond='${at}' format_type='time'></local_datetime>`
  );
}

/** Only the hour and minute, for times that are always close to now (the next retry). */
export function localTime(ms: number): string {
  return `<local_datetime millisecond='${floorToMinute(ms)}' format_type='time'></local_datetime>`;
}
