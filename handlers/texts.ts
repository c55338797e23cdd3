import type { Locale } from "../cards/types";

/** Short plain-text replies of the command layer (the cards have their own strings in cards/strings.ts). */
export const TEXTS: Record<
  Locale,
  { unknown: (name: string) => string; tooMany: (max: number, dropped: number) => string }
> = {
  en_us: {
    unknown: (name) => `I don't know the command /${name}. Send /help to see what I can do.`,
    tooMany: (max, dropped) => `I watch at most ${max} tasks per command; ${dropped} more were left out.`,
  },
  zh_cn: {
    unknown: (name) => `不认识命令 /${name}。发送 /help 查看可用命令。`,
    tooMany: (max, dropped) => `每条命令最多查看 ${max} 个任务，另外 ${dropped} 个已忽略。`,
  },
};
