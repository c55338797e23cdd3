import { validateCard } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { buildCard, escapeMarkdown, formatDuration, notificationText, STRINGS, truncate } from "../cards";
import type { CardJson, CardState, CardView, Locale } from "../cards/types";
import { ID, type Json, LOCALES, MIN, NOW, walk } from "./support/card-fixtures";

const BASE: CardView = {
  taskId: ID,
  state: "running",
  startedAt: NOW - 125 * MIN - 10_000, // 08:37:20, so 2 h 05 min at 10:42
  lastCheckAt: NOW - 20_000,
  watchId: "w1",
  pollIntervalSeconds: 5,
};
const ENDED = { finishedAt: NOW - 30_000 };
const VIEWS: Record<CardState, CardView> = {
  running: { ...BASE, actions: true },
  success: { ...BASE, ...ENDED, state: "success" },
  fail: { ...BASE, ...ENDED, state: "fail" },
  unknown: { ...BASE, state: "unknown", rawStatus: "paused", actions: true },
  not_found: { ...BASE, ...ENDED, state: "not_found" },
  invalid: { ...BASE, ...ENDED, state: "invalid", taskId: "abc-123", lastCheckAt: undefined },
  stopped: { ...BASE, ...ENDED, state: "stopped", stoppedBy: "ou_84aa1f2e" },
  timed_out: { ...BASE, ...ENDED, state: "timed_out", timeoutMinutes: 120 },
  awaiting_auth: {
    ...BASE,
    state: "awaiting_auth",
    lastCheckAt: undefined,
    actions: true,
    requesterOpenId: "ou_84aa1f2e",
    authorize: { url: "https://bot.example.com/oauth/start?s=abc.def", until: NOW + 10 * MIN },
  },
};
const STATES = Object.keys(VIEWS) as CardState[];

const byId = (card: CardJson, id: string): Json => {
  const found = walk(card).find((o) => o.element_id === id);
  if (!found) throw new Error(`no element ${id}`);
  return found;
};
const markdownIn = (card: CardJson, locale: Locale): string[] =>
  walk(card)
    .filter((o) => o.tag === "markdown")
    .map((o) => (o.i18n_content as Record<Locale, string>)[locale]);
const buttons = (card: CardJson): Json[] => walk(card).filter((o) => o.tag === "button");
const bytes = (card: CardJson): number => Buffer.byteLength(JSON.stringify(card), "utf8");

describe("buildCard, per state", () => {
  it.each(STATES.flatMap((state) => LOCALES.map((locale) => [state, locale] as const)))(
    "%s card is valid 2.0 and carries %s everywhere",
    (state, locale) => {
      const card = buildCard(VIEWS[state], NOW);
      expect(validateCard(card)).toEqual([]);
      const localized = walk(card).filter((o) => o.i18n_content !== undefined);
      expect(localized.length).toBeGreaterThanOrEqual(6); // summary, title, subtitle, 3 markdown, buttons
      for (const o of localized) {
        const i18n = o.i18n_content as Record<Locale, string>;
        expect(i18n[locale]).toMatch(/\S/);
        expect(o.content).toBe(i18n.en_us); // the default content is English
      }
      const tags = (card.header as Json).i18n_text_tag_list as Record<Locale, Json[]>;
      expect((tags[locale][0].text as Json).content).toBe(STRINGS[locale].label[state]);
      expect(markdownIn(card, "zh_cn").join("")).toMatch(/[\u4e00-\u9fff]/); // really translated
    },
  );

  it.each(STATES)("%s card matches its snapshot", (state) => {
    expect(buildCard(VIEWS[state], NOW)).toMatchSnapshot();
  });

  it("shows id and start; running cards the last check and the schedule, ended ones finish and elapsed", () => {
    for (const state of STATES) {
      const times = markdownIn(buildCard(VIEWS[state], NOW), "en_us").join("\n");
      expect(times).toContain(`<local_datetime millisecond='${BASE.startedAt - 20_000}' format_type='time'>`);
      const running = state === "running" || state === "unknown";
      const ended = !running && state !== "awaiting_auth";
      expect(times.includes("- Last check: ")).toBe(running);
      expect(times.includes("Checked every 5 s")).toBe(running);
      expect(times.includes("- Elapsed: ")).toBe(ended);
      expect(times.includes("- Finished: ")).toBe(ended);
    }
    const running = markdownIn(buildCard(VIEWS.running, NOW), "en_us");
    expect(running[0]).toBe(`**Task ID:** \`${ID}\``);
    expect(running[2]).toContain("then every 30 s, after an hour every 2 min, after 6 hours every 5 min");
    const success = markdownIn(buildCard(VIEWS.success, NOW), "en_us");
    expect(success[2]).toContain("- Elapsed: 2 h 05 min");
    const slow = markdownIn(buildCard({ ...VIEWS.running, pollIntervalSeconds: 600 }, NOW), "zh_cn");
    expect(slow[2]).toContain("前 10 分钟每 10 分钟检查一次");
  });

  it("says what each state means", () => {
    const text = (view: CardView): string => markdownIn(buildCard(view, NOW), "en_us")[1];
    expect(text(VIEWS.unknown)).toContain("`paused`");
    expect(text(VIEWS.stopped)).toBe("<at id=ou_84aa1f2e></at> stopped watching this task.");
    expect(text({ ...VIEWS.stopped, stoppedBy: undefined })).toBe("Stopped watching this task.");
    expect(text(VIEWS.invalid)).toContain("string of digits");
    expect(text(VIEWS.not_found)).toContain("Drive permission");
    expect(text(VIEWS.timed_out)).toContain("after 2 h 00 min");
    const retrying = text({ ...VIEWS.running, retrying: { attempt: 3, nextRetryAt: NOW + 30_000 } });
    expect(retrying).toContain("not answering");
    expect(retrying).toContain("attempt 3");
    expect((buildCard(VIEWS.fail, NOW).header as Json).template).toBe("red");
  });
});

describe("stable rendering", () => {
  const minuteStart = Math.floor(NOW / MIN) * MIN;
  const json = (view: CardView, now: number): string => JSON.stringify(buildCard(view, now));

  it("gives a running card identical JSON whatever the clock says, until its view changes", () => {
    const early = json(VIEWS.running, minuteStart + 1_000);
    expect(json(VIEWS.running, minuteStart + 59_999)).toBe(early);
    expect(json(VIEWS.running, minuteStart + 24 * 60 * MIN)).toBe(early);
    expect(json({ ...VIEWS.running, lastCheckAt: minuteStart + 50_000 }, minuteStart + 59_000)).toBe(
      json({ ...VIEWS.running, lastCheckAt: minuteStart + 2_000 }, minuteStart + 59_000),
    );
    expect(json({ ...VIEWS.running, lastCheckAt: minuteStart + MIN }, NOW)).not.toBe(early);
  });

  it("freezes a finished card", () => {
    expect(json(VIEWS.success, NOW + 3 * 60 * MIN)).toBe(json(VIEWS.success, NOW));
  });

  it("formats durations at minute resolution in both languages", () => {
    const cases: Array<[number, string, string]> = [
      [0, "< 1 min", "不到 1 分钟"],
      [3, "3 min", "3 分钟"],
      [125, "2 h 05 min", "2 小时 05 分钟"],
      [27 * 60, "1 d 3 h", "1 天 3 小时"],
    ];
    for (const [minutes, en, zh] of cases) {
      expect(formatDuration(minutes, STRINGS.en_us.duration)).toBe(en);
      expect(formatDuration(minutes, STRINGS.zh_cn.duration)).toBe(zh);
    }
  });
});

describe("hostile input", () => {
  const INJECTION =
    "<at id=all></at> **b** [x](https://evil.example) `t` <font color=red>r</font>\n# h | a |";
  /** Our own markup is only these two tags; anything else angle-bracketed came from the user. */
  const stripOurTags = (md: string): string =>
    md
      .replace(/<local_datetime millisecond='\d+' format_type='\w+'><\/local_datetime>/g, "")
      .replace(/<at id=ou_\w+><\/at>/g, "");

  it("escapes markdown and tags in ids and raw statuses", () => {
    for (const view of [
      { ...VIEWS.invalid, taskId: INJECTION },
      { ...VIEWS.unknown, taskId: INJECTION, rawStatus: INJECTION },
    ]) {
      const card = buildCard(view, NOW);
      expect(validateCard(card)).toEqual([]);
      for (const md of [...markdownIn(card, "en_us"), ...markdownIn(card, "zh_cn")]) {
        expect(stripOurTags(md)).not.toMatch(/[<>]|\[x\]|\*\*b/);
      }
      expect(markdownIn(card, "en_us")[0]).toBe(
        `**Task ID:** ${escapeMarkdown(truncate(INJECTION.replace("\n", " ")))}`,
      );
      expect(JSON.stringify(card.header)).not.toContain("<at");
    }
    expect(escapeMarkdown("<b>&`*_")).toBe("&#60;b&#62;&#38;&#96;&#42;&#95;");
  });

  it("truncates a 10 KB id and keeps the card small and valid", () => {
    const card = buildCard({ ...VIEWS.running, taskId: "9".repeat(10 * 1024) }, NOW);
    expect(validateCard(card)).toEqual([]);
    expect(bytes(card)).toBeLessThan(8 * 1024);
    expect(markdownIn(card, "en_us")[0]).toBe(`**Task ID:** ${"9".repeat(64)}…`);
    for (const b of buttons(card)) {
      expect(((b.behaviors as Json[])[0].value as Json).task_id).toHaveLength(128);
    }
  });

  it("keeps unicode whole and drops invisible characters", () => {
    const card = buildCard({ ...VIEWS.invalid, taskId: `任务\u202e\u200b${"😀".repeat(100)}` }, NOW);
    expect(validateCard(card)).toEqual([]);
    const idLine = markdownIn(card, "en_us")[0];
    expect(idLine).toBe(`**Task ID:** 任务${"😀".repeat(62)}…`);
    expect(JSON.stringify(card)).not.toMatch(/[\u202e\u200b]|[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("mentions only well-formed open_ids", () => {
    const card = buildCard({ ...VIEWS.stopped, stoppedBy: "ou_x></at><at id=all" }, NOW);
    expect(markdownIn(card, "en_us")[1]).toBe("Stopped watching this task.");
  });
});

describe("buttons", () => {
  it("appear only when asked, and only while watching (awaiting an authorization: Authorize, always)", () => {
    for (const state of STATES) {
      const expected = state === "running" || state === "unknown" || state === "awaiting_auth" ? 2 : 0;
      expect(buttons(buildCard({ ...VIEWS[state], actions: true }, NOW))).toHaveLength(expected);
      expect(buttons(buildCard({ ...VIEWS[state], actions: false }, NOW))).toHaveLength(
        state === "awaiting_auth" ? 1 : 0,
      );
    }
  });

  it("awaiting an authorization: the requester's Authorize button opens the bot's link, the text says for whom and until when", () => {
    const view = VIEWS.awaiting_auth;
    const link = { url: "https://bot.example.com/oauth/start?s=abc.def", until: NOW + 10 * MIN };
    const card = buildCard({ ...view, authorize: { ...link, pcUrl: "https://applink.feishu.cn/x" } }, NOW);
    expect(byId(card, "btn_authorize").behaviors).toEqual([
      {
        type: "open_url",
        default_url: "https://bot.example.com/oauth/start?s=abc.def",
        pc_url: "https://applink.feishu.cn/x",
      },
    ]);
    expect(byId(card, "btn_stop").behaviors).toEqual([
      { type: "callback", value: { action: "stop", watch_id: "w1", task_id: ID } },
    ]);
    const [en, zh] = [markdownIn(card, "en_us").join("\n"), markdownIn(card, "zh_cn").join("\n")];
    expect(en).toContain("<person id='ou_84aa1f2e'></person> can let the bot check it as them");
    // Until when, at minute resolution (the card changes no more often than that).
    expect(en).toContain(
      `waits until <local_datetime millisecond='${Math.floor((NOW + 10 * MIN) / MIN) * MIN}'`,
    );
    expect(zh).toContain("<person id='ou_84aa1f2e'></person> 可以点击**授权**");
    const again = markdownIn(buildCard({ ...view, authorize: { ...link, again: true } }, NOW), "en_us");
    expect(again.join("\n")).toContain("authorization, which has ended");
    // Without a link (user authorization off, or a view without one): no Authorize button is drawn.
    expect(buttons(buildCard({ ...view, authorize: undefined }, NOW)).map((b) => b.element_id)).toEqual([]);
  });

  it("a card checked with someone's authorization says so while it runs, not once it has ended", () => {
    const line = (v: CardView) =>
      markdownIn(buildCard(v, NOW), "en_us").find((m) => m.startsWith("Checked with"));
    expect(line({ ...VIEWS.running, checkedAs: "ou_84aa1f2e" })).toBe(
      "Checked with <person id='ou_84aa1f2e'></person>'s authorization.",
    );
    expect(line({ ...VIEWS.success, checkedAs: "ou_84aa1f2e" })).toBeUndefined();
    expect(line({ ...VIEWS.running, checkedAs: "all" })).toBeUndefined();
  });

  it("call back with the action, watch and task", () => {
    const card = buildCard(VIEWS.running, NOW);
    const [refresh, stop] = [byId(card, "btn_refresh"), byId(card, "btn_stop")];
    expect(refresh.type).toBe("primary");
    expect(stop.type).toBe("danger");
    expect(refresh.behaviors).toEqual([
      { type: "callback", value: { action: "refresh", watch_id: "w1", task_id: ID } },
    ]);
    expect(stop.behaviors).toEqual([
      { type: "callback", value: { action: "stop", watch_id: "w1", task_id: ID } },
    ]);
    expect((stop.text as Json).i18n_content).toEqual({ zh_cn: "停止关注", en_us: "Stop watching" });
  });
});

describe("plain-text messages", () => {
  it("announce the end of a task in both languages, without mentions", () => {
    expect(notificationText(VIEWS.success, "en_us")).toBe(`Task ${ID} finished: success`);
    expect(notificationText(VIEWS.success, "zh_cn")).toBe(`任务 ${ID} 已完成：成功`);
    expect(notificationText(VIEWS.fail, "en_us")).toBe(`Task ${ID} finished: failed`);
    expect(notificationText(VIEWS.fail, "zh_cn")).toBe(`任务 ${ID} 已完成：失败`);
    expect(notificationText(VIEWS.timed_out, "en_us")).toContain("still running after 2 h 00 min");
    expect(notificationText(VIEWS.timed_out, "zh_cn")).toContain("运行 2 小时 00 分钟 后仍未结束");
    const hostile = notificationText(
      { ...VIEWS.success, taskId: `<at user_id="all"></at>${"1".repeat(500)}` },
      "en_us",
    );
    expect(hostile).not.toMatch(/[<>]/);
    expect(hostile.length).toBeLessThan(120);
  });
});

describe("validateCard rejects what Feishu would reject", () => {
  const good = (): Json => structuredClone(buildCard(VIEWS.running, NOW)) as Json;
  const elements = (card: Json): Json[] => (card.body as { elements: Json[] }).elements;
  const rejects = (card: Json, problem: RegExp): void => {
    expect(validateCard(card).join("\n")).toMatch(problem);
  };

  it("accepts the good card it is given", () => expect(validateCard(good())).toEqual([]));

  it("rejects unknown fields at every level", () => {
    rejects({ ...good(), i18n_elements: {} }, /card: unknown field "i18n_elements"/);
    const card = good();
    (card.config as Json).wide_screen_mode = true;
    elements(card)[0].foo = 1;
    (byId(card, "btn_stop").text as Json).bold = true;
    rejects(card, /config: unknown field "wide_screen_mode"/);
    rejects(card, /body\.elements\[0\]: unknown field "foo"/);
    rejects(card, /columns\[1\]\.elements\[0\]\.text: unknown field "bold"/);
  });

  it("rejects duplicate or malformed element_ids", () => {
    const card = good();
    elements(card)[1].element_id = "md_task";
    elements(card)[2].element_id = "2_starts_with_digit";
    rejects(card, /duplicate element_id "md_task"/);
    rejects(card, /bad element_id "2_starts_with_digit"/);
  });

  it("rejects cards over 30 KB or over 200 components", () => {
    const big = good();
    elements(big)[0].content = "x".repeat(30 * 1024);
    rejects(big, /bytes, more than 30720/);
    const dividers = (n: number): Json => ({
      schema: "2.0",
      body: { elements: Array.from({ length: n }, (_, i) => ({ tag: "hr", element_id: `hr_${i}` })) },
    });
    expect(validateCard(dividers(200))).toEqual([]);
    rejects(dividers(201), /201 components, more than 200/);
  });

  it("rejects bad values and shapes", () => {
    rejects({ ...good(), schema: "1.0" }, /card\.schema/);
    rejects(
      { ...good(), header: { ...(good().header as Json), template: "pink" } },
      /header\.template: bad value "pink"/,
    );
    const card = good();
    elements(card).push({ tag: "action", actions: [] });
    ((byId(card, "btn_refresh").behaviors as Json[])[0] as Json).value = "refresh";
    rejects(card, /unknown component tag "action"/);
    rejects(card, /behaviors\[0\]\.value: must be an object/);
  });
});
