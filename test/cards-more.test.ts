import { MAX_CARD_BYTES, MAX_COMPONENTS, validateCard } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import {
  buildCard,
  EXAMPLE_ID,
  escapeMarkdown,
  helpCard,
  LIST_ESCAPED_ID_CHARS,
  listCard,
  MAX_IDS_PER_STATUS,
  MAX_LIST_ENTRIES,
  markdownValue,
  type ReplyTexts,
  replyText,
  STRINGS,
  safeOpenId,
  stateTagColor,
  welcomeCard,
} from "../cards";
import type { CardJson, ListEntry, Locale } from "../cards/types";
import { parseCommand } from "../handlers/parse";
import { ALL_STATES, ID, type Json, LOCALES, MIN, NOW, walk } from "./support/card-fixtures";

const OPEN_ID = "ou_84aa1f2e5c9d4b7a8e6f0c1d2b3a4f5e"; // the real shape: ou_ + 32 hex digits
const STATES = ALL_STATES;
const INJECTION = "<at id=all></at> **b** [x](https://evil.example) `t` <font color=red>r</font>\n# h | a |";
/** A 64-character id made only of the marks that cost most to escape (`~` is `&#126;`). */
const WORST_ID = "~".repeat(64);

const elements = (card: CardJson): Json[] => (card.body as { elements: Json[] }).elements;
const byId = (card: CardJson, id: string): Json => {
  const found = walk(card).find((o) => o.element_id === id);
  if (!found) throw new Error(`no element ${id}`);
  return found;
};
const md = (card: CardJson, id: string, locale: Locale): string =>
  (byId(card, id).i18n_content as Record<Locale, string>)[locale];
const bytes = (card: CardJson): number => Buffer.byteLength(JSON.stringify(card), "utf8");
const components = (card: CardJson): number => walk(card).filter((o) => typeof o.tag === "string").length;
/** Our own markup in list lines; whatever else is angle-bracketed came from a user. */
const stripOurTags = (text: string): string =>
  text.replace(/<text_tag color='\w+'>[^<]*<\/text_tag>/g, "").replace(/<person id='ou_\w+'><\/person>/g, "");

const entry = (i: number, over: Partial<ListEntry> = {}): ListEntry => ({
  taskId: String(BigInt(ID) + BigInt(i)),
  state: STATES[i % STATES.length],
  requesterOpenId: OPEN_ID,
  startedAt: NOW - (i * 7 + 3) * MIN,
  lastCheckAt: NOW - 20_000,
  ...over,
});
const entries = (n: number, over: (i: number) => Partial<ListEntry> = () => ({})): ListEntry[] =>
  Array.from({ length: n }, (_, i) => entry(i, over(i)));

const SAMPLE: ListEntry[] = [
  { taskId: ID, state: "running", requesterOpenId: OPEN_ID, startedAt: NOW - 125 * MIN - 10_000 },
  { taskId: "7360595374803812399", state: "unknown", startedAt: NOW - 20_000, lastCheckAt: NOW - 5_000 },
  {
    taskId: "7360595374803812400",
    state: "timed_out",
    requesterOpenId: "ou_x></at><at id=all",
    startedAt: NOW - 27 * 60 * MIN,
    lastCheckAt: NOW - 3 * 60 * MIN,
  },
];

/** Checks the multi-language rule of every card: both locales everywhere, English as the default. */
function expectBothLocales(card: CardJson): void {
  const localized = walk(card).filter((o) => o.i18n_content !== undefined);
  expect(localized.length).toBeGreaterThanOrEqual(4); // summary, title, subtitle, body
  for (const o of localized) {
    const i18n = o.i18n_content as Record<Locale, string>;
    expect(Object.keys(i18n).sort()).toEqual(["en_us", "zh_cn"]);
    for (const locale of LOCALES) expect(i18n[locale]).toMatch(/\S/);
    expect(o.content).toBe(i18n.en_us);
  }
  const zh = localized.map((o) => (o.i18n_content as Record<Locale, string>).zh_cn).join("");
  expect(zh).toMatch(/[\u4e00-\u9fff]/);
}

describe("listCard", () => {
  it("matches its snapshot (both locales in every text)", () => {
    expect(listCard(SAMPLE, NOW)).toMatchSnapshot();
  });

  it("matches its snapshot when nothing is watched", () => {
    expect(listCard([], NOW)).toMatchSnapshot();
  });

  it("is valid 2.0 and carries both locales", () => {
    for (const list of [SAMPLE, [], entries(MAX_LIST_ENTRIES)]) {
      const card = listCard(list, NOW);
      expect(validateCard(card)).toEqual([]);
      expectBothLocales(card);
    }
  });

  it("shows id, coloured state, requester and minute-resolution duration on one line per entry", () => {
    const card = listCard(SAMPLE, NOW);
    const en = md(card, "md_list", "en_us").split("\n");
    const zh = md(card, "md_list", "zh_cn").split("\n");
    expect(en).toHaveLength(3);
    expect(en[0]).toBe(
      `- \`${ID}\` <text_tag color='blue'>Running</text_tag> · <person id='${OPEN_ID}'></person> · watching for 2 h 05 min`,
    );
    expect(zh[0]).toBe(
      `- \`${ID}\` <text_tag color='blue'>进行中</text_tag> · <person id='${OPEN_ID}'></person> · 已关注 2 小时 05 分钟`,
    );
    // No requester: no mention. "< 1 min" is escaped, or "<" would open a tag.
    expect(en[1]).toBe(
      "- `7360595374803812399` <text_tag color='orange'>Unknown</text_tag> · watching for &#60; 1 min",
    );
    // A malformed open_id is dropped, and a final state stops its clock at the last check (24 h, not 27 h).
    expect(en[2]).toBe(
      "- `7360595374803812400` <text_tag color='yellow'>Timed out</text_tag> · watching for 1 d 0 h",
    );
    expect((card.header as Json).template).toBe("blue");
    expect(((card.header as Json).subtitle as Json).i18n_content).toEqual({
      zh_cn: "3 个任务",
      en_us: "3 tasks",
    });
  });

  it("colours each state like the status card's header tag, in both locales", () => {
    const card = listCard(
      STATES.map((state, i) => entry(i, { state })),
      NOW,
    );
    for (const locale of LOCALES) {
      const lines = md(card, "md_list", locale).split("\n");
      STATES.forEach((state, i) => {
        const headerTag = (
          (buildCard({ taskId: ID, state, startedAt: NOW }, NOW).header as Json).i18n_text_tag_list as Record<
            Locale,
            Json[]
          >
        )[locale][0];
        expect(stateTagColor(state)).toBe(headerTag.color);
        expect(lines[i]).toContain(
          `<text_tag color='${headerTag.color}'>${STRINGS[locale].label[state]}</text_tag>`,
        );
      });
    }
  });

  it("says how to start when nothing is watched", () => {
    const card = listCard([], NOW);
    expect(elements(card).map((e) => e.element_id)).toEqual(["md_empty"]);
    expect(md(card, "md_empty", "en_us")).toBe(
      "No task is being watched in this chat. Send **&#47;status &#60;taskId&#62;** to start.",
    );
    expect(md(card, "md_empty", "zh_cn")).toContain("本会话没有正在关注的任务");
    expect((card.header as Json).template).toBe("grey");
    expect(((card.config as Json).summary as Json).content).toBe("0 tasks watched in this chat");
  });

  it("shows 50 entries of 200, then says how many more there are", () => {
    const card = listCard(entries(200), NOW);
    expect(validateCard(card)).toEqual([]);
    expect(md(card, "md_list", "en_us").split("\n")).toHaveLength(MAX_LIST_ENTRIES);
    expect(md(card, "md_more", "en_us")).toBe("…and 150 more.");
    expect(md(card, "md_more", "zh_cn")).toBe("……还有 150 个任务未列出。");
    expect(((card.header as Json).subtitle as Json).content).toBe("200 tasks");
    expect(components(card)).toBeLessThanOrEqual(10); // one markdown for the whole list
  });

  it("keeps the callers' order and the first entries", () => {
    const list = entries(60);
    const lines = md(listCard(list, NOW), "md_list", "en_us").split("\n");
    expect(lines).toHaveLength(MAX_LIST_ENTRIES);
    for (const [i, line] of lines.entries()) expect(line.startsWith(`- \`${list[i].taskId}\``)).toBe(true);
  });

  it("fits 50 real-looking entries, all shown, with room to spare", () => {
    const card = listCard(entries(MAX_LIST_ENTRIES), NOW);
    expect(validateCard(card)).toEqual([]);
    expect(byId(card, "md_list").content).not.toContain("more");
    expect(walk(card).some((o) => o.element_id === "md_more")).toBe(false);
    expect(bytes(card)).toBeLessThan(24 * 1024);
  });

  it("fits 50 hostile 64-character ids and shows them all, escaped and shortened", () => {
    const hostile = (i: number): string => `${INJECTION}${i}`.repeat(2).slice(0, 64);
    const list = entries(MAX_LIST_ENTRIES, (i) => ({
      taskId: hostile(i),
      requesterOpenId: i % 2 === 0 ? OPEN_ID : "ou_x></at><at id=all",
    }));
    const card = listCard(list, NOW);
    expect(validateCard(card)).toEqual([]);
    expect(bytes(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    for (const locale of LOCALES) {
      const text = md(card, "md_list", locale);
      const lines = text.split("\n");
      expect(lines).toHaveLength(MAX_LIST_ENTRIES);
      expect(stripOurTags(text)).not.toMatch(/[<>]|\[x\]|\*\*b|`t`|^#/m);
      expect(text).not.toContain("<at id=all");
      expect(text.match(/<person id='/g)).toHaveLength(25); // only the well-formed open_ids
      expect(lines[0].split(" <text_tag")[0]).toBe(
        `- ${escapeMarkdown(Array.from(hostile(0).replace("\n", " ")).slice(0, LIST_ESCAPED_ID_CHARS).join(""))}…`,
      );
    }
    expect(JSON.stringify(card.header)).not.toMatch(/[<>]/);
  });

  it("stays under 30 KB and 200 components in the worst case, counting what it leaves out", () => {
    const worst = [
      entries(MAX_LIST_ENTRIES, () => ({ taskId: WORST_ID, requesterOpenId: "o".repeat(64) })),
      entries(MAX_LIST_ENTRIES, (i) => ({
        taskId: `a${i}`.padEnd(64, "x"),
        requesterOpenId: "o".repeat(64),
      })),
      entries(1000, () => ({ taskId: WORST_ID, requesterOpenId: "o".repeat(64), startedAt: 0 })),
    ];
    for (const list of worst) {
      const card = listCard(list, NOW);
      expect(validateCard(card)).toEqual([]);
      expect(bytes(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
      expect(components(card)).toBeLessThanOrEqual(MAX_COMPONENTS);
      const shown = md(card, "md_list", "en_us").split("\n").length;
      expect(shown).toBeGreaterThanOrEqual(30);
      expect(md(card, "md_more", "en_us")).toBe(`…and ${list.length - shown} more.`);
      expect(md(card, "md_list", "zh_cn").split("\n")).toHaveLength(shown);
    }
  });

  it("shows an empty id as a placeholder and never mentions a malformed open_id", () => {
    for (const requesterOpenId of ["", "all", "ALL", "ou_1 ou_2", "ou_é", "o".repeat(65), "ou_a\nb"]) {
      const text = md(listCard([entry(0, { taskId: "", requesterOpenId })], NOW), "md_list", "en_us");
      expect(text).not.toContain("<at");
      expect(text.startsWith("- &#40;empty&#41; ")).toBe(true);
    }
  });

  it("renders the same JSON within a minute and a new duration the next minute", () => {
    const minuteStart = Math.floor(NOW / MIN) * MIN;
    const json = (now: number): string => JSON.stringify(listCard(SAMPLE, now));
    expect(json(minuteStart + 59_999)).toBe(json(minuteStart));
    expect(json(minuteStart + MIN)).not.toBe(json(minuteStart));
    expect(json(minuteStart + MIN)).toContain("watching for 2 h 06 min");
  });
});

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

describe("escaping helpers and the card validator", () => {
  it("safeOpenId refuses `all`, which would mention everyone", () => {
    expect(safeOpenId("all")).toBeUndefined();
    expect(safeOpenId("All")).toBeUndefined();
    expect(safeOpenId(OPEN_ID)).toBe(OPEN_ID);
    const stopped = buildCard({ taskId: ID, state: "stopped", startedAt: NOW, stoppedBy: "all" }, NOW);
    expect(JSON.stringify(stopped)).not.toContain("<at id=all");
  });

  it("markdownValue caps only values that need escaping when asked", () => {
    expect(markdownValue("a".repeat(40), 64, 16)).toBe(`\`${"a".repeat(40)}\``);
    expect(markdownValue("<".repeat(40), 64, 16)).toBe(`${"&#60;".repeat(16)}…`);
    expect(markdownValue("<".repeat(40))).toBe(`${"&#60;".repeat(40)}`);
  });

  it("validateCard checks text_tag colours inside markdown", () => {
    const card = listCard(SAMPLE, NOW) as Json;
    const list = byId(card, "md_list");
    (list.i18n_content as Record<Locale, string>).zh_cn += "\n<text_tag color='pink'>x</text_tag>";
    list.content = `${list.content}\n<text_tag color=red>x</text_tag>`;
    const problems = validateCard(card).join("\n");
    expect(problems).toMatch(/i18n_content\.zh_cn text_tag color: bad value "pink"/);
    expect(problems).toMatch(/content: text_tag needs exactly color='\.\.\.'/);
  });
});
