/**
 * Every word the cards and notices show, one table per locale. Both tables are typed `Strings`, so a key
 * missing from either locale is a compile error.
 * Markdown templates receive arguments that are already escaped (or generated markup such as
 * `<local_datetime>`); plain-text templates receive cleaned plain text.
 */
import type { DurationWords } from "./time-format";
import type { CardState, Locale } from "./types";

export interface NoticeArgs {
  id: string;
  status: string;
  duration: string;
}

export interface Strings {
  /** Header title (plain text). */
  title: (id: string) => string;
  /** Header subtitle (plain text): one line saying where the task is. */
  headline: Record<CardState, string>;
  /** Header tag and summary word for each state (plain text). */
  label: Record<CardState, string>;
  /** Chat-list preview of the card (plain text). */
  summary: (id: string, label: string) => string;
  // Markdown below.
  taskId: (id: string) => string;
  running: string;
  retrying: (attempt: number, nextAt: string) => string;
  success: string;
  fail: string;
  unknown: (status: string) => string;
  notFound: (id: string) => string;
  invalid: (id: string) => string;
  stopped: string;
  stoppedBy: (who: string) => string;
  timedOut: (duration: string) => string;
  empty: string;
  timeLine: (label: string, value: string) => string;
  watchingSince: string;
  elapsed: string;
  lastCheck: string;
  finished: string;
  notYet: string;
  duration: DurationWords;
  // Plain text below.
  refreshButton: string;
  stopButton: string;
  notice: Record<CardState, (args: NoticeArgs) => string>;
  help: string;
}

const EXAMPLE_ID = "7360595374803812356";

const EN_US: Strings = {
  title: (id) => `Drive task ${id}`,
  headline: {
    running: "Still running",
    success: "Finished successfully",
    fail: "Finished with an error",
    unknown: "Feishu sent a status this bot does not know",
    not_found: "Task not found",
    invalid: "Not a valid task id",
    stopped: "No longer watched",
    timed_out: "Still running, no longer watched",
  },
  label: {
    running: "Running",
    success: "Success",
    fail: "Failed",
    unknown: "Unknown",
    not_found: "Not found",
    invalid: "Invalid",
    stopped: "Stopped",
    timed_out: "Timed out",
  },
  summary: (id, label) => `Task ${id}: ${label}`,
  taskId: (id) => `**Task ID:** ${id}`,
  running: "Feishu is still working on this task. This card updates itself until the task ends.",
  retrying: (attempt, nextAt) =>
    `⚠️ Feishu is not answering right now. Retrying (attempt ${attempt}), next try around ${nextAt}.`,
  success: "✅ The task finished successfully.",
  fail: "❌ The task failed. Open the folder in Drive to see what is left.",
  unknown: (status) => `Feishu answered with a status this bot does not know: ${status}. Still watching.`,
  notFound: (id) =>
    `Feishu does not know task ${id}, or this app is not allowed to see it. ` +
    "Check the id, and check that the app has Drive permission on the folder.",
  invalid: (id) =>
    `${id} is not a valid task id. A task id is a string of digits, such as \`${EXAMPLE_ID}\`.`,
  stopped: "Stopped watching this task.",
  stoppedBy: (who) => `${who} stopped watching this task.`,
  timedOut: (duration) =>
    `The task was still running after ${duration}, so the bot stopped watching. Check it in Drive.`,
  empty: "(empty)",
  timeLine: (label, value) => `- ${label}: ${value}`,
  watchingSince: "Watching since",
  elapsed: "Elapsed",
  lastCheck: "Last check",
  finished: "Finished",
  notYet: "not yet",
  duration: {
    lessThanMinute: "< 1 min",
    minutes: (m) => `${m} min`,
    hoursMinutes: (h, mm) => `${h} h ${mm} min`,
    daysHours: (d, h) => `${d} d ${h} h`,
  },
  refreshButton: "Refresh now",
  stopButton: "Stop watching",
  notice: {
    running: ({ id }) => `Task ${id} is still running.`,
    success: ({ id }) => `Task ${id} finished: success`,
    fail: ({ id }) => `Task ${id} finished: failed`,
    unknown: ({ id, status }) => `Task ${id}: Feishu answered with an unknown status "${status}".`,
    not_found: ({ id }) => `Task ${id} was not found, or this app cannot see it.`,
    invalid: ({ id }) => `"${id}" is not a valid task id.`,
    stopped: ({ id }) => `Stopped watching task ${id}.`,
    timed_out: ({ id, duration }) =>
      `Task ${id} is still running after ${duration}; stopped watching. Check it in Drive.`,
  },
  help: [
    "Commands:",
    "/status <taskId> [<taskId> ...]  watch one or more Drive folder tasks until they end",
    "/stop <taskId>  stop watching a task",
    "/list  list the tasks watched in this chat",
    "/help  show this help",
    `A task id is a string of digits, such as ${EXAMPLE_ID}.`,
  ].join("\n"),
};

const ZH_CN: Strings = {
  title: (id) => `云空间任务 ${id}`,
  headline: {
    running: "仍在进行中",
    success: "已成功完成",
    fail: "执行失败",
    unknown: "飞书返回了本机器人不认识的状态",
    not_found: "找不到该任务",
    invalid: "不是有效的任务 ID",
    stopped: "已停止关注",
    timed_out: "仍在运行，已停止关注",
  },
  label: {
    running: "进行中",
    success: "成功",
    fail: "失败",
    unknown: "未知",
    not_found: "未找到",
    invalid: "无效",
    stopped: "已停止",
    timed_out: "已超时",
  },
  summary: (id, label) => `任务 ${id}：${label}`,
  taskId: (id) => `**任务 ID：** ${id}`,
  running: "飞书仍在处理该任务。任务结束前，本卡片会自动更新。",
  retrying: (attempt, nextAt) => `⚠️ 飞书暂时没有响应，正在重试（第 ${attempt} 次），预计 ${nextAt} 再试。`,
  success: "✅ 任务已成功完成。",
  fail: "❌ 任务执行失败。请到云空间打开该文件夹，查看剩余内容。",
  unknown: (status) => `飞书返回了本机器人不认识的状态：${status}。仍在关注。`,
  notFound: (id) =>
    `飞书找不到任务 ${id}，或本应用无权查看。请检查任务 ID，并确认应用拥有该文件夹的云空间权限。`,
  invalid: (id) => `${id} 不是有效的任务 ID。任务 ID 是一串数字，例如 \`${EXAMPLE_ID}\`。`,
  stopped: "已停止关注该任务。",
  stoppedBy: (who) => `${who} 已停止关注该任务。`,
  timedOut: (duration) => `任务运行 ${duration} 后仍未结束，机器人已停止关注。请到云空间查看。`,
  empty: "（空）",
  timeLine: (label, value) => `- ${label}：${value}`,
  watchingSince: "开始关注",
  elapsed: "已用时间",
  lastCheck: "最近检查",
  finished: "结束时间",
  notYet: "尚未检查",
  duration: {
    lessThanMinute: "不到 1 分钟",
    minutes: (m) => `${m} 分钟`,
    hoursMinutes: (h, mm) => `${h} 小时 ${mm} 分钟`,
    daysHours: (d, h) => `${d} 天 ${h} 小时`,
  },
  refreshButton: "立即刷新",
  stopButton: "停止关注",
  notice: {
    running: ({ id }) => `任务 ${id} 仍在进行中。`,
    success: ({ id }) => `任务 ${id} 已完成：成功`,
    fail: ({ id }) => `任务 ${id} 已完成：失败`,
    unknown: ({ id, status }) => `任务 ${id}：飞书返回了未知状态“${status}”。`,
    not_found: ({ id }) => `找不到任务 ${id}，或本应用无权查看。`,
    invalid: ({ id }) => `“${id}”不是有效的任务 ID。`,
    stopped: ({ id }) => `已停止关注任务 ${id}。`,
    timed_out: ({ id, duration }) => `任务 ${id} 运行 ${duration} 后仍未结束，已停止关注，请到云空间查看。`,
  },
  help: [
    "命令：",
    "/status <taskId> [<taskId> ...]  关注一个或多个云空间文件夹任务，直到结束",
    "/stop <taskId>  停止关注某个任务",
    "/list  列出本会话正在关注的任务",
    "/help  显示本帮助",
    `任务 ID 是一串数字，例如 ${EXAMPLE_ID}。`,
  ].join("\n"),
};

export const STRINGS: Readonly<Record<Locale, Strings>> = { en_us: EN_US, zh_cn: ZH_CN };

/** The locales every card carries (`config.locales`); each text's default `content` is en_us. */
export const LOCALES: readonly Locale[] = ["zh_cn", "en_us"];
export const DEFAULT_LOCALE: Locale = "en_us";
