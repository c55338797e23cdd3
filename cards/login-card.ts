/**
 * The `/login` answer: what authorizing the bot does, and the person's own "Authorize" button (the bot's signed
 * link, which starts the sign-in at Feishu).
 */
import { authorizeButton, buttonRow, markdown, simpleCard, translate } from "./components";
import { escapeMarkdown, safeOpenId } from "./escape";
import { localTime } from "./time-format";
import type { AuthorizeLink, CardJson } from "./types";

export function loginCard(openId: string, link: AuthorizeLink, authorized: boolean): CardJson {
  const who = safeOpenId(openId);
  return simpleCard({
    title: translate((t) => t.login.title),
    subtitle: translate((t) => t.login.subtitle),
    summary: translate((t) => t.login.summary),
    template: "blue",
    elements: [
      markdown(
        "md_login",
        translate((t) => {
          const name = who ? `<person id='${who}'></person>` : escapeMarkdown(t.empty);
          const body = t.login.body(name, localTime(link.until));
          return authorized ? `${body}\n\n${t.login.already}` : body;
        }),
      ),
      buttonRow("row_login", [
        {
          columnId: "col_authorize",
          button: authorizeButton(link),
        },
      ]),
    ],
  });
}
