/** The `/list` card, and the escaping helpers its lines rely on. */
import { MAX_CARD_BYTES, MAX_COMPONENTS, validateCard } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import {
  buildCard,
  escapeMarkdown,
  LIST_ESCAPED_ID_CHARS,
  listCard,
  MAX_LIST_ENTRIES,
  markdownValue,
  STRINGS,
  safeOpenId,
  stateTagColor,
} from "../cards";
import type { CardJson, ListEntry, Locale } from "../cards/types";
import {
  ALL_STATES,
  byId,
  elements,
  expectBothLocales,
  ID,
  type Json,
  LOCALES,
  MIN,
  md,
  NOW,
  OPEN_ID,
  walk,
} from "./support/card-fixtures";

const STATES = ALL_STATES;
const INJECTION = "<at id=all></at> **b** [x](https://evil.example) `t` <font color=red>r</font>\n# h | a |";
/** A 64-character id made only of the marks that cost most to escape (`~` is `&#126;`). */
const WORST_ID = "~".repeat(64);

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
