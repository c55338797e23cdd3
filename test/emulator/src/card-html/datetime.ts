/**
 * `<local_datetime millisecond='…' format_type='…'>`: an instant shown in the reader's own time zone, in the
 * patterns of the Feishu PC client (cards-v2-rendering.md §4: the doc's examples, and the client's dayjs
 * patterns [SRC]). The zone is the browser's unless a renderer is given one (pictures and tests fix it).
 */

const EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const EN_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const ZH_DAYS = ["日", "一", "二", "三", "四", "五", "六"];

interface Parts {
  year: number;
  month: number; // 1-12
  day: number;
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
  second: number;
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsOf(ms: number, timeZone: string | undefined): Parts {
  const key = timeZone ?? "";
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(key, f);
  }
  const get = (type: string) => Number(f.formatToParts(ms).find((p) => p.type === type)?.value ?? 0);
  const year = get("year");
  const month = get("month");
  const day = get("day");
  const hour = get("hour") % 24;
  const minute = get("minute");
  const second = get("second");
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, weekday, hour, minute, second, offsetMinutes };
}

const two = (n: number) => String(n).padStart(2, "0");

function zone(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `GMT${sign}${Math.floor(abs / 60)}:${two(abs % 60)}`;
}

/** The text Feishu shows for one `<local_datetime>`; `zh` for zh_cn (and other Chinese locales), else English. */
export function formatLocalDatetime(
  ms: number,
  formatType: string | undefined,
  locale: string,
  timeZone?: string,
): string {
  if (!Number.isFinite(ms)) return "";
  const p = partsOf(ms, timeZone);
  const zh = locale.startsWith("zh");
  const dateNum = `${p.year}-${two(p.month)}-${two(p.day)}`;
  switch (formatType ?? "date_num") {
    case "date_short":
      return zh ? `${p.month}月${p.day}日` : `${EN_MONTHS[p.month - 1]} ${p.day}`;
    case "date":
      return zh ? `${p.year}年${p.month}月${p.day}日` : `${EN_MONTHS[p.month - 1]} ${p.day}, ${p.year}`;
    case "week":
      return zh ? `星期${ZH_DAYS[p.weekday]}` : (EN_DAYS[p.weekday] ?? "");
    case "week_short":
      return zh ? `周${ZH_DAYS[p.weekday]}` : (EN_DAYS[p.weekday] ?? "").slice(0, 3);
    case "time":
      return `${two(p.hour)}:${two(p.minute)}`;
    case "time_sec":
      return `${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
    case "timezone":
      return zone(p.offsetMinutes);
    default:
      return dateNum;
  }
}
