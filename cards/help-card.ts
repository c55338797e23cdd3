/**
 * The `/help` card and the card posted when the bot joins a group. Both are constant: no user input, no
 * clock. Command syntax is escaped (`<taskId>` would otherwise read as an HTML tag); examples are code spans
 * of digits, spaces and slashes, which nothing inside a code span can misread.
 */
import { divider, type Json, markdown, simpleCard, translate } from "./components";
import { escapeMarkdown } from "./escape";
import { EXAMPLE_ID, type Strings } from "./strings";
import type { CardJson } from "./types";

/** Most task ids one `/status` watches (the parser keeps the first this many; the help card says so). */
export const MAX_IDS_PER_STATUS = 10;

const SECOND_EXAMPLE_ID = "7360595374803812357";

const code = (text: string): string => `\`${text}\``;

/** What the help depends on: whether user authorization is on (then /login and /logout are listed). */
export interface HelpOptions {
  userAuth?: boolean;
}

function commandLines(t: Strings, options: HelpOptions): string {
  const h = t.helpCard;
  const line = (syntax: string, what: string, example?: string): string =>
    h.commandLine(escapeMarkdown(syntax), what, example === undefined ? undefined : code(example));
  const userAuth = options.userAuth
    ? [line("/login", h.commands.login), line("/logout", h.commands.logout)]
    : [];
  return [
    h.commandsHeading,
    line("/status <taskId>", h.commands.status, `/status ${EXAMPLE_ID}`),
    line(
      "/status <id1> <id2> …",
      h.commands.statusMany(MAX_IDS_PER_STATUS),
      `/status ${EXAMPLE_ID} ${SECOND_EXAMPLE_ID}`,
    ),
    line("/stop <taskId>", h.commands.stop, `/stop ${EXAMPLE_ID}`),
    line("/list", h.commands.list),
    ...userAuth,
    line("/help", h.commands.help),
    "",
    h.taskIdHint(code(EXAMPLE_ID)),
  ].join("\n");
}

function usageLines(t: Strings): string {
  const h = t.helpCard;
  return [
    h.whereHeading,
    h.inGroup,
    h.inDirectMessage(code(EXAMPLE_ID)),
    "",
    h.buttonsHeading,
    h.refreshButton(escapeMarkdown(t.refreshButton)),
    h.stopButton(escapeMarkdown(t.stopButton)),
  ].join("\n");
}

/** Commands, where to send them and the live card's buttons: shared by the help and welcome cards. */
function helpBody(options: HelpOptions): Json[] {
  return [
    markdown(
      "md_commands",
      translate((t) => commandLines(t, options)),
    ),
    divider("hr_usage"),
    markdown("md_usage", translate(usageLines)),
  ];
}

/** The `/help` answer: constant for a given configuration. */
export function helpCard(options: HelpOptions = {}): CardJson {
  return simpleCard({
    title: translate((t) => t.helpCard.title),
    subtitle: translate((t) => t.helpCard.subtitle),
    summary: translate((t) => t.helpCard.summary),
    template: "blue",
    elements: [
      markdown(
        "md_intro",
        translate((t) => t.helpCard.intro),
      ),
      ...helpBody(options),
    ],
  });
}

/** Posted when the bot is added to a group: a greeting, then the help card's body. */
export function welcomeCard(options: HelpOptions = {}): CardJson {
  return simpleCard({
    title: translate((t) => t.welcome.title),
    subtitle: translate((t) => t.welcome.subtitle),
    summary: translate((t) => t.welcome.summary),
    template: "blue",
    elements: [
      markdown(
        "md_welcome",
        translate((t) => t.welcome.greeting),
      ),
      ...helpBody(options),
    ],
  });
}
