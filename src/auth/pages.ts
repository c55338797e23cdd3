/**
 * The small pages a browser sees at the end of an authorization, in both languages, saying what happened.
 * Constant text only: nothing from the request (no code, state, token or name) is ever written into a page.
 */
export type PageKind =
  | "authorized"
  | "denied"
  | "invalid_state"
  | "expired_state"
  | "replayed_state"
  | "no_code"
  | "wrong_person"
  | "exchange_failed"
  | "invalid_link"
  | "expired_link";

const TEXT: Readonly<Record<PageKind, { en: [string, string]; zh: [string, string] }>> = {
  authorized: {
    en: ["Done", "The bot can now check your Drive tasks as you. You can close this window."],
    zh: ["完成", "机器人现在可以以你的身份查看云空间任务。你可以关闭此窗口。"],
  },
  denied: {
    en: ["Not authorized", "You did not authorize the bot, so nothing was kept. You can close this window."],
    zh: ["未授权", "你没有授权机器人，因此未保存任何内容。你可以关闭此窗口。"],
  },
  invalid_state: {
    en: ["This link is not valid", "It did not come from this bot. Nothing was kept. Ask again with /login."],
    zh: ["链接无效", "该链接并非来自本机器人，未保存任何内容。请发送 /login 重新授权。"],
  },
  expired_state: {
    en: [
      "This sign-in expired",
      "It has to be finished within 10 minutes. Nothing was kept. Ask again with /login.",
    ],
    zh: ["授权已过期", "授权需在 10 分钟内完成，未保存任何内容。请发送 /login 重新授权。"],
  },
  replayed_state: {
    en: [
      "This sign-in was used already",
      "Each sign-in works once. Nothing more was kept. Ask again with /login.",
    ],
    zh: ["该授权已使用过", "每次授权只能使用一次，未再保存任何内容。请发送 /login 重新授权。"],
  },
  no_code: {
    en: ["Feishu sent no authorization", "Nothing was kept. Ask again with /login."],
    zh: ["飞书没有返回授权", "未保存任何内容。请发送 /login 重新授权。"],
  },
  wrong_person: {
    en: [
      "This button was for someone else",
      "Only the person who asked can authorize here. Nothing was kept.",
    ],
    zh: ["该按钮属于其他人", "只有发起请求的人才能在这里授权，未保存任何内容。"],
  },
  exchange_failed: {
    en: ["Feishu did not complete the sign-in", "Nothing was kept. Try again in a moment."],
    zh: ["飞书未能完成授权", "未保存任何内容。请稍后重试。"],
  },
  invalid_link: {
    en: ["This link is not valid", "It did not come from this bot. Ask again with /login."],
    zh: ["链接无效", "该链接并非来自本机器人。请发送 /login 重新授权。"],
  },
  expired_link: {
    en: [
      "This button has expired",
      "Authorize buttons work for 10 minutes. Ask again with /login, or send /status again.",
    ],
    zh: ["按钮已过期", "授权按钮的有效期为 10 分钟。请发送 /login，或重新发送 /status。"],
  },
};

export function page(kind: PageKind): string {
  const { en, zh } = TEXT[kind];
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${zh[0]} · ${en[0]}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2329}
h1{font-size:1.3rem}p{line-height:1.5}section+section{margin-top:2rem;border-top:1px solid #dee0e3}</style>
</head><body>
<section lang="zh-CN"><h1>${zh[0]}</h1><p>${zh[1]}</p></section>
<section lang="en"><h1>${en[0]}</h1><p>${en[1]}</p></section>
</body></html>
`;
}
