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

/** Parts of one `/list` line; all already escaped markdown (or generated markup such as `<at>`). */
export interface ListLineArgs {
  id: string;
  state: string;
  /** The requester shown by name with `<person>` (no notification), when there is a well-formed open_id. */
  who?: string;
  duration: string;
}

/** Words of the `/list` card. */
export interface ListWords {
  /** Header title (plain text). */
  title: string;
  /** Header subtitle (plain text): how many watches there are. */
  count: (n: number) => string;
  /** Chat-list preview (plain text). */
  summary: (n: number) => string;
  /** One markdown list item. */
  line: (args: ListLineArgs) => string;
  /** Markdown: how many watches the card leaves out. */
  more: (n: number) => string;
  /** Markdown: nobody is watching anything; `command` is escaped markdown. */
  empty: (command: string) => string;
}

/** Words of the `/help` card (the welcome card reuses its body). Markdown unless noted. */
export interface HelpWords {
  /** Header title (plain text). */
  title: string;
  /** Header subtitle (plain text). */
  subtitle: string;
  /** Chat-list preview (plain text). */
  summary: string;
  /** What the bot does, in one sentence. */
  intro: string;
  commandsHeading: string;
  /** One command: `syntax` is escaped markdown, `example` a code span or undefined. */
  commandLine: (syntax: string, what: string, example?: string) => string;
  commands: {
    status: string;
    statusMany: (max: number) => string;
    stop: string;
    list: string;
    help: string;
    /** Only when user authorization is on. */
    login: string;
    logout: string;
  };
  /** What a task id looks like; `example` is a code span. */
  taskIdHint: (example: string) => string;
  whereHeading: string;
  inGroup: string;
  /** `example` is a code span. */
  inDirectMessage: (example: string) => string;
  buttonsHeading: string;
  /** `label` is the button's escaped label. */
  refreshButton: (label: string) => string;
  stopButton: (label: string) => string;
}

/** Words of the card posted when the bot joins a group. */
export interface WelcomeWords {
  /** Header title (plain text). */
  title: string;
  /** Header subtitle (plain text). */
  subtitle: string;
  /** Chat-list preview (plain text). */
  summary: string;
  /** Markdown. */
  greeting: string;
}

/**
 * Short plain-text replies of the command handlers, and the toasts of card callbacks. Every argument is
 * cleaned plain text: `replyText()` (cards/replies.ts) runs user values through `plainValue` first.
 */
export interface ReplyTexts {
  /** `name` is the command without its slash. */
  unknownCommand: (name: string) => string;
  tooMany: (max: number, dropped: number) => string;
  alreadyWatching: (taskId: string) => string;
  stopped: (taskId: string) => string;
  notWatching: (taskId: string) => string;
  /** Toast (and /stop reply). */
  onlyRequesterCanStop: string;
  /** Toast. */
  watchEnded: string;
  /** Toast; `stateLabel` is the state's label in the same locale (STRINGS[locale].label). */
  refreshed: (stateLabel: string) => string;
  /** Toast. */
  refreshFailed: string;
  /** Toast for a button we do not recognise or that no longer matches a watch. */
  unknownAction: string;
  /** /logout: the person's tokens were revoked and forgotten. */
  loggedOut: string;
  /** /logout by someone the bot holds no authorization of. */
  notLoggedIn: string;
  /** /login or /logout when user authorization is off. */
  userAuthOff: string;
}

/** Words of the /login card (markdown unless noted). */
export interface LoginWords {
  /** Header title (plain text). */
  title: string;
  /** Header subtitle (plain text). */
  subtitle: string;
  /** Chat-list preview (plain text). */
  summary: string;
  /** What authorizing does; `who` is the person (markup), `until` when the button stops working (markup). */
  body: (who: string, until: string) => string;
  /** The person has authorized the bot already. */
  already: string;
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
  /** awaiting_auth; `who` is the requester (markup), `until` when the bot stops waiting (markup). */
  awaitingAuth: (who: string, until: string) => string;
  /** awaiting_auth after the requester's authorization ended. */
  awaitingAuthAgain: (who: string, until: string) => string;
  /** A line on a card checked with someone's authorization; `who` is markup. */
  checkedAs: (who: string) => string;
  empty: string;
  timeLine: (label: string, value: string) => string;
  watchingSince: string;
  elapsed: string;
  lastCheck: string;
  finished: string;
  notYet: string;
  /** How the bot checks a running task, so the card need not say it again every minute. */
  schedule: (duration: (seconds: number) => string, baseSeconds: number) => string;
  /** A short line a script attached to the watch (watch API), shown as plain text. */
  note: string;
  duration: DurationWords;
  // Plain text below.
  refreshButton: string;
  stopButton: string;
  authorizeButton: string;
  notice: Record<CardState, (args: NoticeArgs) => string>;
  list: ListWords;
  helpCard: HelpWords;
  login: LoginWords;
  welcome: WelcomeWords;
  reply: ReplyTexts;
}

/** A real-looking task id for examples in help texts. */
export const EXAMPLE_ID = "7360595374803812356";

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
    awaiting_auth: "Not visible to the bot",
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
    awaiting_auth: "Needs authorization",
  },
  summary: (id, label) => `Task ${id}: ${label}`,
  taskId: (id) => `**Task ID:** ${id}`,
  running: "Feishu is still working on this task. This card changes as soon as the task does.",
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
  awaitingAuth: (who, until) =>
    "The bot cannot see this task with its own identity: it may have been started in someone's own space, " +
    `or it may not exist. ${who} can let the bot check it as them: press **Authorize** (it works for ${who} ` +
    `only). The bot waits until ${until}.`,
  awaitingAuthAgain: (who, until) =>
    `The bot checked this task with ${who}'s authorization, which has ended (signed out, or revoked in Feishu). ` +
    `${who} can press **Authorize** to keep this card up to date. The bot waits until ${until}.`,
  checkedAs: (who) => `Checked with ${who}'s authorization.`,
  empty: "(empty)",
  timeLine: (label, value) => `- ${label}: ${value}`,
  watchingSince: "Watching since",
  elapsed: "Elapsed",
  lastCheck: "Last check",
  finished: "Finished",
  notYet: "not yet",
  schedule: (d, base) =>
    `Checked every ${d(base)} for the first 10 minutes, then every ${d(Math.max(base, 30))}, ` +
    `after an hour every ${d(Math.max(base, 120))}, after 6 hours every ${d(Math.max(base, 300))}. ` +
    "The last-check time moves at 1, 2, 4, 8… minutes, or when you press Refresh now.",
  note: "Note",
  duration: {
    seconds: (n) => `${n} s`,
    lessThanMinute: "< 1 min",
    minutes: (m) => `${m} min`,
    hoursMinutes: (h, mm) => `${h} h ${mm} min`,
    daysHours: (d, h) => `${d} d ${h} h`,
  },
  refreshButton: "Refresh now",
  stopButton: "Stop watching",
  authorizeButton: "Authorize",
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
    awaiting_auth: ({ id }) => `Task ${id} is not visible to the bot without your authorization.`,
  },
  list: {
    title: "Tasks watched in this chat",
    count: (n) => (n === 0 ? "No tasks" : n === 1 ? "1 task" : `${n} tasks`),
    summary: (n) => (n === 1 ? "1 task watched in this chat" : `${n} tasks watched in this chat`),
    line: ({ id, state, who, duration }) =>
      `- ${id} ${state}${who ? ` · ${who}` : ""} · watching for ${duration}`,
    more: (n) => `…and ${n} more.`,
    empty: (command) => `No task is being watched in this chat. Send ${command} to start.`,
  },
  helpCard: {
    title: "Drive task bot: help",
    subtitle: "Watches Drive folder tasks until they end",
    summary: "Help: what this bot does and its commands",
    intro:
      "I watch the asynchronous tasks Feishu Drive starts when a folder is moved or deleted, " +
      "and keep a live card up to date until each task ends.",
    commandsHeading: "**Commands**",
    commandLine: (syntax, what, example) => `- **${syntax}** ${what}${example ? ` Example: ${example}` : ""}`,
    commands: {
      status: "watches a task until it ends.",
      statusMany: (max) => `watches several tasks at once, up to ${max} per message.`,
      stop: "stops watching a task.",
      list: "lists the tasks watched in this chat.",
      help: "shows this help.",
      login:
        "lets the bot check Drive tasks as you: tasks started in your own space are hidden from it otherwise.",
      logout: "revokes that authorization; the bot stops using it at once.",
    },
    taskIdHint: (example) =>
      `A task id is the \`task_id\` Drive returns when it moves or deletes a folder, such as ${example}.`,
    whereHeading: "**Where to send commands**",
    inGroup: "- In a group, @-mention the bot in the same message, otherwise it does not see the message.",
    inDirectMessage: (example) => `- In a direct message with the bot, a bare task id is enough: ${example}`,
    buttonsHeading: "**Buttons on a live card**",
    refreshButton: (label) => `- **${label}** checks the task right away.`,
    stopButton: (label) => `- **${label}** ends the watch. Only the person who asked can stop it.`,
  },
  welcome: {
    title: "Hello! I watch Drive folder tasks",
    subtitle: "Thanks for adding me to this group",
    summary: "The Drive task bot joined this chat",
    greeting:
      "Moving or deleting a big folder in Feishu Drive runs as a background task. " +
      "Send me its task id and I will keep a live card here until the task ends, then tell whoever asked.",
  },
  reply: {
    unknownCommand: (name) => `I don't know the command /${name}. Send /help to see what I can do.`,
    tooMany: (max, dropped) =>
      `Only the first ${max} task ids are watched; ${dropped} more ${dropped === 1 ? "was" : "were"} left out. ` +
      "Send them in another /status message.",
    alreadyWatching: (taskId) =>
      `Task ${taskId} is already being watched in this chat; its card above updates by itself.`,
    stopped: (taskId) => `Stopped watching task ${taskId}.`,
    notWatching: (taskId) =>
      `Task ${taskId} is not being watched in this chat. Send /list to see the tasks watched here.`,
    onlyRequesterCanStop: "Only the person who asked can stop this watch.",
    watchEnded: "This watch has already ended.",
    refreshed: (stateLabel) => `Refreshed: ${stateLabel}`,
    refreshFailed: "Feishu did not answer; try again in a moment.",
    unknownAction: "This button is no longer valid. Send /list to see the tasks watched here.",
    loggedOut: "Done: the bot no longer checks tasks as you. Your authorization is revoked and forgotten.",
    notLoggedIn: "The bot holds no authorization of yours: there is nothing to revoke.",
    userAuthOff: "This bot checks tasks with its own identity only (user authorization is not set up).",
  },
  login: {
    title: "Check Drive tasks as you",
    subtitle: "For tasks started in your own space",
    summary: "Authorize the bot to check Drive tasks as you",
    body: (who, until) =>
      `A task started in someone's own space (by them, a script or the Drive client) may be hidden from the bot. ${who}, ` +
      "press **Authorize** to let the bot check such tasks as you: it only asks Feishu about tasks you ask it " +
      `to watch, and /logout ends it at any time. The button works for you only, until ${until}.`,
    already: "You have authorized the bot already; authorizing again renews it.",
  },
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
    awaiting_auth: "机器人看不到该任务",
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
    awaiting_auth: "需要授权",
  },
  summary: (id, label) => `任务 ${id}：${label}`,
  taskId: (id) => `**任务 ID：** ${id}`,
  running: "飞书仍在处理该任务。任务状态一有变化，本卡片随即更新。",
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
  awaitingAuth: (who, until) =>
    `机器人以自身身份看不到该任务：它可能是在某人的个人空间里发起的，也可能不存在。${who} 可以点击**授权**，` +
    `让机器人以其身份查看（按钮仅对 ${who} 有效）。机器人会等待到 ${until}。`,
  awaitingAuthAgain: (who, until) =>
    `机器人此前以 ${who} 的授权查看该任务，该授权已结束（已退出，或已在飞书中撤销）。${who} 可以点击**授权**，` +
    `让本卡片继续更新。机器人会等待到 ${until}。`,
  checkedAs: (who) => `以 ${who} 的授权查看。`,
  empty: "（空）",
  timeLine: (label, value) => `- ${label}：${value}`,
  watchingSince: "开始关注",
  elapsed: "已用时间",
  lastCheck: "最近检查",
  finished: "结束时间",
  notYet: "尚未检查",
  schedule: (d, base) =>
    `前 10 分钟每 ${d(base)}检查一次，之后每 ${d(Math.max(base, 30))}，1 小时后每 ${d(Math.max(base, 120))}，` +
    `6 小时后每 ${d(Math.max(base, 300))}。「最近检查」时间在第 1、2、4、8… 分钟或点击「立即刷新」时更新。`,
  note: "备注",
  duration: {
    seconds: (n) => `${n} 秒`,
    lessThanMinute: "不到 1 分钟",
    minutes: (m) => `${m} 分钟`,
    hoursMinutes: (h, mm) => `${h} 小时 ${mm} 分钟`,
    daysHours: (d, h) => `${d} 天 ${h} 小时`,
  },
  refreshButton: "立即刷新",
  authorizeButton: "授权",
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
    awaiting_auth: ({ id }) => `没有你的授权，机器人看不到任务 ${id}。`,
  },
  list: {
    title: "本会话正在关注的任务",
    count: (n) => (n === 0 ? "没有任务" : `${n} 个任务`),
    summary: (n) => `本会话正在关注 ${n} 个任务`,
    line: ({ id, state, who, duration }) => `- ${id} ${state}${who ? ` · ${who}` : ""} · 已关注 ${duration}`,
    more: (n) => `……还有 ${n} 个任务未列出。`,
    empty: (command) => `本会话没有正在关注的任务。发送 ${command} 开始关注。`,
  },
  helpCard: {
    title: "云空间任务机器人：帮助",
    subtitle: "关注云空间文件夹任务，直到结束",
    summary: "帮助：本机器人的用途和命令",
    intro:
      "移动或删除文件夹时，飞书云空间会启动异步任务；我会关注这些任务，并用一张实时更新的卡片显示状态，直到任务结束。",
    commandsHeading: "**命令**",
    commandLine: (syntax, what, example) => `- **${syntax}**：${what}${example ? `例如：${example}` : ""}`,
    commands: {
      status: "关注一个任务，直到它结束。",
      statusMany: (max) => `一次关注多个任务，每条消息最多 ${max} 个。`,
      stop: "停止关注某个任务。",
      list: "列出本会话正在关注的任务。",
      help: "显示本帮助。",
      login: "让机器人以你的身份查看云空间任务：在你的个人空间发起的任务，机器人本身看不到。",
      logout: "撤销该授权，机器人立即停止使用。",
    },
    taskIdHint: (example) => `任务 ID 是云空间移动或删除文件夹时返回的 \`task_id\`，例如 ${example}。`,
    whereHeading: "**在哪里发命令**",
    inGroup: "- 在群聊中，请在同一条消息里 @ 机器人，否则机器人收不到这条消息。",
    inDirectMessage: (example) => `- 与机器人单聊时，直接发送任务 ID 即可：${example}`,
    buttonsHeading: "**实时卡片上的按钮**",
    refreshButton: (label) => `- **${label}**：立即检查任务状态。`,
    stopButton: (label) => `- **${label}**：结束关注。只有发起关注的人才能停止。`,
  },
  welcome: {
    title: "你好！我来关注云空间文件夹任务",
    subtitle: "感谢把我加入本群",
    summary: "云空间任务机器人加入了本会话",
    greeting:
      "在飞书云空间移动或删除大文件夹时，会在后台运行一个任务。把任务 ID 发给我，" +
      "我会在这里保持一张实时更新的卡片，任务结束后通知发起人。",
  },
  reply: {
    unknownCommand: (name) => `我不认识命令 /${name}。发送 /help 查看我能做什么。`,
    tooMany: (max, dropped) =>
      `只关注前 ${max} 个任务 ID，另外 ${dropped} 个未关注。请另发一条 /status 消息关注它们。`,
    alreadyWatching: (taskId) => `本会话已在关注任务 ${taskId}，上方的卡片会自动更新。`,
    stopped: (taskId) => `已停止关注任务 ${taskId}。`,
    notWatching: (taskId) => `本会话没有在关注任务 ${taskId}。发送 /list 查看正在关注的任务。`,
    onlyRequesterCanStop: "只有发起关注的人才能停止关注。",
    watchEnded: "这次关注已经结束。",
    refreshed: (stateLabel) => `已刷新：${stateLabel}`,
    refreshFailed: "飞书暂时没有响应，请稍后再试。",
    unknownAction: "这个按钮已失效。发送 /list 查看本会话正在关注的任务。",
    loggedOut: "好的：机器人不再以你的身份查看任务，你的授权已撤销并删除。",
    notLoggedIn: "机器人没有你的授权，无需撤销。",
    userAuthOff: "本机器人只以自身身份查看任务（未配置用户授权）。",
  },
  login: {
    title: "以你的身份查看云空间任务",
    subtitle: "适用于在个人空间发起的任务",
    summary: "授权机器人以你的身份查看云空间任务",
    body: (who, until) =>
      `在个人空间发起的任务（由本人、脚本或云空间客户端发起）可能对机器人不可见。${who}，点击**授权**，` +
      `让机器人以你的身份查看这类任务：它只会向飞书查询你让它关注的任务，随时可用 /logout 结束授权。` +
      `按钮仅对你有效，有效期至 ${until}。`,
    already: "你已经授权过机器人；再次授权即可续期。",
  },
};

export const STRINGS: Readonly<Record<Locale, Strings>> = { en_us: EN_US, zh_cn: ZH_CN };

/** The locales every card carries (`config.locales`); each text's default `content` is en_us. */
export const LOCALES: readonly Locale[] = ["zh_cn", "en_us"];
export const DEFAULT_LOCALE: Locale = "en_us";
