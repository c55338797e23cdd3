/** The `/help` card, the welcome card, and the short plain-text replies of the commands and buttons. */
import { validateCard } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import {
  EXAMPLE_ID,
  escapeMarkdown,
  helpCard,
  MAX_IDS_PER_STATUS,
  type ReplyTexts,
  replyText,
  STRINGS,
  welcomeCard,
} from "../cards";
import type { Locale } from "../cards/types";
import { parseCommand } from "../handlers/parse";
import {
  elements,
  expectBothLocales,
  ID,
  type Json,
  LOCALES,
  md,
  OPEN_ID,
  walk,
} from "./support/card-fixtures";

describe("helpCard and welcomeCard", () => {
  it("match their snapshots", () => {
    expect(helpCard()).toMatchSnapshot();
    expect(welcomeCard()).toMatchSnapshot();
  });

  it("are valid 2.0 and carry both locales", () => {
    for (const card of [helpCard(), welcomeCard()]) {
      expect(validateCard(card)).toEqual([]);
      expectBothLocales(card);
    }
  });

  it("explain every command with an example, in both languages", () => {
    for (const locale of LOCALES) {
      const commands = md(helpCard(), "md_commands", locale);
      expect(commands).toContain(`**${escapeMarkdown("/status <taskId>")}**`);
      expect(commands).toContain(`\`/status ${EXAMPLE_ID}\``);
      expect(commands).toContain(`**${escapeMarkdown("/status <id1> <id2> …")}**`);
      expect(commands).toMatch(new RegExp(`\`/status ${EXAMPLE_ID} \\d+\``));
      expect(commands).toContain(String(MAX_IDS_PER_STATUS));
      expect(commands).toContain(`**${escapeMarkdown("/stop <taskId>")}**`);
      expect(commands).toContain(`\`/stop ${EXAMPLE_ID}\``);
      expect(commands).toContain(`**${escapeMarkdown("/list")}**`);
      expect(commands).toContain(`**${escapeMarkdown("/help")}**`);
      expect(commands.split("\n").filter((line) => line.startsWith("- "))).toHaveLength(5);
    }
    expect(md(helpCard(), "md_commands", "en_us")).toContain("up to 10 per message");
    expect(md(helpCard(), "md_intro", "en_us")).toMatch(/^I watch .* until each task ends\.$/);
  });

  it("tell where to send commands and what the live card's buttons do", () => {
    const en = md(helpCard(), "md_usage", "en_us");
    expect(en).toContain("In a group, @-mention the bot");
    expect(en).toContain(`a bare task id is enough: \`${EXAMPLE_ID}\``);
    expect(en).toContain("Only the person who asked can stop it.");
    const zh = md(helpCard(), "md_usage", "zh_cn");
    expect(zh).toContain("@ 机器人");
    expect(zh).toContain("只有发起关注的人才能停止");
    for (const locale of LOCALES) {
      const usage = md(helpCard(), "md_usage", locale);
      expect(usage).toContain(`**${STRINGS[locale].refreshButton}**`);
      expect(usage).toContain(`**${STRINGS[locale].stopButton}**`);
    }
  });

  it("escape every angle bracket of the command syntax", () => {
    for (const card of [helpCard(), welcomeCard()]) {
      for (const o of walk(card).filter((x) => x.tag === "markdown")) {
        for (const text of Object.values(o.i18n_content as Record<Locale, string>)) {
          expect(text).not.toMatch(/[<>]/);
        }
      }
    }
  });

  it("welcome with a greeting, then the help card's body", () => {
    const welcome = welcomeCard();
    expect(elements(welcome).map((e) => e.element_id)).toEqual([
      "md_welcome",
      "md_commands",
      "hr_usage",
      "md_usage",
    ]);
    expect(elements(welcome).slice(1)).toEqual(elements(helpCard()).slice(1));
    expect(md(welcome, "md_welcome", "en_us")).toContain("task id");
    expect(((welcome.header as Json).title as Json).content).toBe("Hello! I watch Drive folder tasks");
  });

  it("state the id limit the command parser really enforces, in both languages", () => {
    // Far more ids than any limit: however many the parser keeps is the number the card must state.
    const ids = Array.from({ length: 100 }, (_, i) => String(100_000 + i));
    const command = parseCommand(
      {
        messageId: "om_limit",
        eventId: "ev_limit",
        chatId: "oc_limit",
        chatType: "p2p",
        threadId: "",
        senderOpenId: OPEN_ID,
        senderType: "user",
        messageType: "text",
        text: `/status ${ids.join(" ")}`,
        mentions: [],
      },
      "ou_bot",
    );
    if (command.kind !== "status") throw new Error(`parsed as ${command.kind}`);
    const kept = command.taskIds.length;
    expect(kept).toBeGreaterThan(1);
    expect(kept + command.dropped).toBe(ids.length);
    for (const card of [helpCard(), welcomeCard()]) {
      expect(md(card, "md_commands", "en_us")).toContain(`up to ${kept} per message`);
      expect(md(card, "md_commands", "zh_cn")).toContain(`每条消息最多 ${kept} 个`);
    }
  });
});

describe("replyText", () => {
  const HOSTILE = `<at user_id="all"></at>\u202e${"9".repeat(200)}`;
  /** One call per key; typed so that a new key in ReplyTexts fails to compile until it is tested here. */
  const CALLS: { [K in keyof ReplyTexts]: (r: ReplyTexts, value: string) => string } = {
    unknownCommand: (r, v) => r.unknownCommand(v),
    tooMany: (r) => r.tooMany(10, 3),
    alreadyWatching: (r, v) => r.alreadyWatching(v),
    stopped: (r, v) => r.stopped(v),
    notWatching: (r, v) => r.notWatching(v),
    onlyRequesterCanStop: (r) => r.onlyRequesterCanStop,
    watchEnded: (r) => r.watchEnded,
    refreshed: (r, v) => r.refreshed(v),
    refreshFailed: (r) => r.refreshFailed,
    unknownAction: (r) => r.unknownAction,
    loggedOut: (r) => r.loggedOut,
    notLoggedIn: (r) => r.notLoggedIn,
    userAuthOff: (r) => r.userAuthOff,
  };
  const rendered = (locale: Locale, value: string): Record<string, string> =>
    Object.fromEntries(Object.entries(CALLS).map(([key, call]) => [key, call(replyText(locale), value)]));

  it("has every reply in both locales, non-empty and translated", () => {
    for (const locale of LOCALES) {
      expect(Object.keys(replyText(locale)).sort()).toEqual(Object.keys(CALLS).sort());
      for (const text of Object.values(rendered(locale, ID))) expect(text).toMatch(/\S/);
    }
    for (const text of Object.values(rendered("zh_cn", ID))) expect(text).toMatch(/[\u4e00-\u9fff]/);
    expect(rendered("zh_cn", ID)).not.toEqual(rendered("en_us", ID));
  });

  it("match their snapshot in both locales", () => {
    expect({ en_us: rendered("en_us", ID), zh_cn: rendered("zh_cn", ID) }).toMatchSnapshot();
  });

  it("say what the handlers need", () => {
    const en = replyText("en_us");
    expect(en.unknownCommand("x")).toBe("I don't know the command /x. Send /help to see what I can do.");
    expect(en.tooMany(10, 3)).toMatch(/^Only the first 10 task ids are watched; 3 more were left out\./);
    expect(en.tooMany(10, 1)).toContain("1 more was left out");
    expect(en.alreadyWatching(ID)).toBe(
      `Task ${ID} is already being watched in this chat; its card above updates by itself.`,
    );
    expect(en.stopped(ID)).toBe(`Stopped watching task ${ID}.`);
    expect(en.notWatching(ID)).toMatch(new RegExp(`^Task ${ID} is not being watched in this chat\\.`));
    expect(en.refreshed(STRINGS.en_us.label.success)).toBe("Refreshed: Success");
    expect(replyText("zh_cn").refreshed(STRINGS.zh_cn.label.success)).toBe("已刷新：成功");
    expect(en.refreshFailed).toBe("Feishu did not answer; try again in a moment.");
    expect(en.stopped("")).toBe("Stopped watching task (empty).");
  });

  it("clean user values: no tags, no invisible marks, one line, bounded", () => {
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(rendered(locale, `${HOSTILE}\nline`))) {
        expect(text, key).not.toMatch(/[<>\n\u202e]/);
        expect(text.length, key).toBeLessThan(200);
      }
      expect(replyText(locale).unknownCommand(HOSTILE)).toContain(
        `‹at user_id="all"›‹/at›${"9".repeat(9)}…`, // 32 characters, the bidi mark dropped
      );
      expect(replyText(locale).stopped(HOSTILE)).toContain(`‹at user_id="all"›‹/at›${"9".repeat(41)}…`);
    }
    expect(replyText("en_us").tooMany(Number.NaN, -2.5)).toMatch(/first 0 .* 0 more/);
  });
});
