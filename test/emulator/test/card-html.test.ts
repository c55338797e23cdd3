/**
 * The HTML card renderer: what a reader sees (texts, colours, mentions, times) and that nothing a card carries
 * can inject markup, script or styles into the page.
 */
import { describe, expect, it } from "vitest";
import {
  CARD_CSS,
  cardPage,
  conversationPage,
  formatLocalDatetime,
  renderCardHtml,
  renderPostHtml,
  renderTextHtml,
} from "../src";

const AT = Date.UTC(2019, 2, 19, 5, 42, 53); // a Tuesday, 13:42:53 in Shanghai
const md = (content: string, extra: Record<string, unknown> = {}) => ({
  schema: "2.0",
  body: { elements: [{ tag: "markdown", content, ...extra }] },
});
const html = (card: unknown, locale = "en_us") =>
  renderCardHtml(card, { locale, timeZone: "Asia/Shanghai", names: { ou_alice: "Alice" } });

describe("header", () => {
  const card = {
    schema: "2.0",
    header: {
      title: { tag: "plain_text", content: "Title", i18n_content: { zh_cn: "标题", en_us: "Title" } },
      subtitle: { tag: "plain_text", content: "Sub" },
      template: "green",
      text_tag_list: [{ tag: "text_tag", text: { tag: "plain_text", content: "plain" }, color: "red" }],
      i18n_text_tag_list: {
        zh_cn: [{ tag: "text_tag", text: { tag: "plain_text", content: "成功" }, color: "green" }],
      },
    },
    body: { elements: [] },
  };

  it("takes the template's colours, the locale's title and its own tag list before text_tag_list", () => {
    const zh = html(card, "zh_cn");
    expect(zh).toContain("background:#D0F5CE;color:#1A7526");
    expect(zh).toContain(">标题<");
    expect(zh).toContain('rgba(53,189,75,.20);color:#1A7526">成功</span>');
    expect(zh).not.toContain("plain");
    const en = html(card, "en_us");
    expect(en).toContain(">Title<");
    expect(en).toContain(">plain</span>"); // no en_us list: text_tag_list
    expect(en).toContain(">Sub<");
  });

  it("draws an unknown template as the card surface, grey as white on N500, and at most three tags", () => {
    const tag = (n: number) => ({ tag: "text_tag", text: { tag: "plain_text", content: `t${n}` } });
    const out = html({
      header: { title: { content: "x" }, template: "nope", text_tag_list: [1, 2, 3, 4].map(tag) },
    });
    expect(out).toContain("fc-header-default");
    expect(out).toContain(">t3<");
    expect(out).not.toContain(">t4<");
    expect(html({ header: { title: { content: "x" }, template: "grey" } })).toContain(
      "background:#8F959E;color:#FFFFFF",
    );
  });
});

describe("markdown", () => {
  it("draws emphasis, code, lists, headings, quotes, rules and tables", () => {
    const out = html(
      md(
        "# Big\n**b** *i* ~~s~~ `a*b*`\n- one\n    - two\n1. first\n> quoted\n---\n| a | b |\n|---|---|\n| 1 | 2 |",
      ),
    );
    expect(out).toContain('style="font-size:26px">Big</div>');
    expect(out).toContain('<strong>b</strong> <em>i</em> <s>s</s> <code class="fc-code-inline">a*b*</code>');
    expect(out).toMatch(/padding-left:18px"><span class="fc-md-bullet">•<\/span>one/);
    expect(out).toMatch(/padding-left:34px"><span class="fc-md-bullet">•<\/span>two/);
    expect(out).toContain('<span class="fc-md-bullet">1.</span>first');
    expect(out).toContain('<blockquote class="fc-md-quote">quoted</blockquote>');
    expect(out).toContain('<hr class="fc-md-hr">');
    expect(out).toContain("<th>a</th><th>b</th>");
    expect(out).toContain("<td>1</td><td>2</td>");
  });

  it("keeps single new lines as breaks and marks a blank line as a gap", () => {
    const out = html(md("one\ntwo\n\nthree"));
    expect(out).toContain('<div class="fc-md-p">one<br>two</div><div class="fc-gap fc-md-p">three</div>');
  });

  it("reads entities as Feishu's escapes: never markup, shown as the characters", () => {
    const out = html(md("&#42;&#42;not bold&#42;&#42; &#60;at id=all&#62;&#60;/at&#62; &lt;b&gt;"));
    expect(out).toContain("**not bold** &lt;at id=all&gt;&lt;/at&gt; &lt;b&gt;");
    expect(out).not.toContain("<strong>");
    expect(out).not.toContain("fc-at");
  });

  it("draws <at>, <person>, <text_tag>, <font> and links; unknown tags disappear", () => {
    const out = html(
      md(
        "<at id=ou_alice></at> <at id=all></at> <at id=ou_nobody></at> <person id='ou_alice'></person> " +
          "<text_tag color='red'>bad</text_tag> <font color='grey'>quiet</font> <font color=red-400>r</font> " +
          "[docs](https://example.com/a?b=1&c=2) <a href='https://x.test'>x</a> <blink>gone</blink>",
      ),
    );
    expect(out).toContain('data-id="ou_alice">@Alice</span>');
    expect(out).toContain(">@all</span>");
    expect(out).toContain(">@Unknown user</span>");
    expect(out).toMatch(/fc-avatar[^>]*>A<\/span><span class="fc-person-name">Alice</);
    expect(out).toContain('background:rgba(245,74,69,.20);color:#C02A26">bad</span>');
    expect(out).toContain('<span style="color:#646A73">quiet</span>');
    expect(out).toContain('<span style="color:#C02A26">r</span>');
    expect(out).toContain('href="https://example.com/a?b=1&amp;c=2"');
    expect(out).toContain('href="https://x.test"');
    expect(out).toContain("gone");
    expect(out).not.toContain("blink");
    expect(html(md("<at id=all></at>"), "zh_cn")).toContain("@所有人");
  });

  it("shows <local_datetime> in the reader's zone and locale, every format_type", () => {
    const tag = (f: string) => `<local_datetime millisecond='${AT}' format_type='${f}'></local_datetime>`;
    const formats = ["date_num", "date_short", "date", "week", "week_short", "time", "time_sec", "timezone"];
    const en = html(md(formats.map(tag).join("|")));
    expect(en).toContain(
      '2019-03-19</span>|<span class="fc-datetime">Mar 19</span>|<span class="fc-datetime">Mar 19, 2019</span>|' +
        '<span class="fc-datetime">Tuesday</span>|<span class="fc-datetime">Tue</span>|' +
        '<span class="fc-datetime">13:42</span>|<span class="fc-datetime">13:42:53</span>|' +
        '<span class="fc-datetime">GMT+8:00</span>',
    );
    expect(formatLocalDatetime(AT, "date", "zh_cn", "Asia/Shanghai")).toBe("2019年3月19日");
    expect(formatLocalDatetime(AT, "week", "zh_cn", "Asia/Shanghai")).toBe("星期二");
    expect(formatLocalDatetime(AT, "week_short", "zh_cn", "Asia/Shanghai")).toBe("周二");
    expect(formatLocalDatetime(AT, undefined, "en_us", "America/New_York")).toBe("2019-03-19");
    expect(formatLocalDatetime(AT, "time", "en_us", "America/New_York")).toBe("01:42");
    expect(formatLocalDatetime(AT, "timezone", "en_us", "America/New_York")).toBe("GMT-4:00");
  });
});

describe("components", () => {
  it("draws buttons with their type, size and behaviours for the console to act on", () => {
    const out = html(
      {
        body: {
          elements: [
            {
              tag: "column_set",
              flex_mode: "none",
              horizontal_spacing: "8px",
              columns: [
                {
                  tag: "column",
                  width: "auto",
                  elements: [
                    {
                      tag: "button",
                      element_id: "btn_refresh",
                      type: "primary",
                      text: { tag: "plain_text", content: "Refresh", i18n_content: { zh_cn: "刷新" } },
                      behaviors: [{ type: "callback", value: { action: "refresh" } }],
                    },
                  ],
                },
                {
                  tag: "column",
                  width: "weighted",
                  weight: 2,
                  elements: [
                    {
                      tag: "button",
                      type: "danger_filled",
                      size: "small",
                      disabled: true,
                      text: { content: "Open" },
                      behaviors: [{ type: "open_url", default_url: "https://open.feishu.cn/x" }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      },
      "zh_cn",
    );
    expect(out).toContain('class="fc-button fc-button-primary fc-button-medium"');
    expect(out).toContain('data-element-id="btn_refresh"');
    expect(out).toContain('data-element-id="btn_refresh" data-callback="true">刷新</button>');
    expect(out).toContain(">刷新</button>");
    expect(out).toContain('class="fc-button fc-button-danger_filled fc-button-small"');
    expect(out).toContain('data-url="https://open.feishu.cn/x"');
    expect(out).toMatch(/disabled[^>]*>Open<\/button>/);
    expect(out).toContain("gap:8px;justify-content:flex-start");
    expect(out).toContain("flex:2 1 0;min-width:0");
  });

  it("shows components it cannot draw as a visible placeholder naming them, in the reader's language", () => {
    const card = { body: { elements: [{ tag: "select_static" }, { tag: "chart" }, "junk", { tag: "hr" }] } };
    const out = html(card);
    expect(out).toContain('data-tag="select_static"><span class="fc-unsupported-tag">‹select_static›</span>');
    expect(out).toContain("‹chart›");
    expect(out).toContain("‹?›");
    expect(out).toContain("Please upgrade to the latest version to view the content.");
    expect(html(card, "zh_cn")).toContain("请升级至最新版本客户端，以查看内容");
    expect(out).toContain('<hr class="fc-hr">');
  });

  it("draws the common others: div with fields, note, image, person, panel, container, table", () => {
    const out = html({
      body: {
        elements: [
          {
            tag: "div",
            text: { tag: "plain_text", content: "plain", text_color: "red", text_size: "notation" },
          },
          { tag: "div", fields: [{ is_short: true, text: { tag: "lark_md", content: "**f**" } }] },
          { tag: "note", elements: [{ tag: "plain_text", content: "small print" }] },
          { tag: "img", img_key: "img_v2_x", alt: { content: "a chart" }, size: "small" },
          { tag: "person", user_id: "ou_alice", show_name: true },
          {
            tag: "collapsible_panel",
            expanded: true,
            header: { title: { tag: "markdown", content: "More" } },
            elements: [{ tag: "markdown", content: "inside" }],
          },
          { tag: "interactive_container", has_border: true, elements: [{ tag: "markdown", content: "box" }] },
          { tag: "table", columns: [{ name: "a", display_name: "A" }], rows: [{ a: "v" }] },
        ],
      },
    });
    expect(out).toContain("font-size:12px;line-height:18px;color:#C02A26");
    expect(out).toContain('fc-field fc-field-short"><div class="fc-md-p"><strong>f</strong>');
    expect(out).toContain('class="fc-note"><span>small print</span>');
    expect(out).toContain('aria-label="a chart" style="width:40px;height:40px;"');
    expect(out).toContain('<span class="fc-person-name">Alice</span>');
    expect(out).toContain('<details class="fc-panel" open>');
    expect(out).toContain("border:1px solid #DEE0E3");
    expect(out).toContain("<th>A</th>");
    expect(out).toContain("<td>v</td>");
    expect(out).not.toContain("fc-unsupported");
  });

  it("honours width_mode and body spacing", () => {
    expect(html({ config: { width_mode: "compact" }, body: { elements: [] } })).toContain("max-width:400px");
    expect(
      html({ body: { padding: "4px 8px", vertical_spacing: "large", elements: [{ tag: "hr" }] } }),
    ).toContain("padding:4px 8px;flex-direction:column;gap:12px");
  });
});

describe("hostile cards", () => {
  const hostile = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "<link url='data:text/html,<script>alert(1)</script>'>x</link>",
    "<font color='red;background:url(https://evil.test)'>x</font>",
    "<text_tag color='\"><script>alert(1)</script>'>x</text_tag>",
    "\uE0000\uE001 &#57344;0&#57345;",
    "<at id='\" onmouseover=\"alert(1)'></at>",
  ].join("\n");

  it("can put no tag, handler, script URL or style of its own into the page", () => {
    const card = {
      header: {
        title: { tag: "lark_md", content: hostile },
        template: 'red"><script>',
        padding: "1px;color:red",
      },
      body: {
        padding: "url(x)",
        elements: [
          md(hostile).body.elements[0],
          {
            tag: "button",
            element_id: '"><script>',
            text: { content: hostile },
            behaviors: [{ type: "open_url", default_url: "javascript:alert(1)" }],
          },
          {
            tag: "column_set",
            horizontal_spacing: "1px;position:fixed",
            background_style: "red;x:y",
            columns: [{ tag: "column", width: "9999px", padding: "expression(x)", elements: [] }],
          },
          {
            tag: "div",
            text: { tag: "plain_text", content: hostile, text_color: "url(x)" },
            margin: "0;position:fixed",
          },
          { tag: hostile },
        ],
      },
    };
    for (const locale of ["en_us", "zh_cn"]) {
      const out = html(card, locale);
      expect(out).not.toMatch(/<(script|img|iframe|link|style)\b/i); // no tag of its own
      expect(out).not.toMatch(/\son\w+\s*=\s*"/i); // no event handler attribute
      const urls = [...out.matchAll(/\s(?:href|data-url)="([^"]*)"/g)].map((m) => m[1]);
      expect(urls.every((u) => /^https?:\/\//.test(u ?? ""))).toBe(true);
      const styles = [...out.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1] ?? "");
      expect(styles.length).toBeGreaterThan(3);
      for (const css of styles) {
        expect(css).not.toMatch(/url\(|expression\(|position|;\s*x:|&/i);
        expect(css).toMatch(/^[\w\s:;#.,%()!-]*$/);
      }
      expect(out).toContain("&lt;script&gt;"); // shown as text where text is shown
      expect(out).not.toMatch(/[\uE000\uE001]/);
    }
  });

  it("text and post messages escape everything but mentions", () => {
    expect(renderTextHtml('<at user_id="ou_alice">Alice</at> done <b>x</b>\nnext')).toBe(
      '<span class="fc-at" data-id="ou_alice">@Alice</span> done &lt;b&gt;x&lt;/b&gt;<br>next',
    );
    const post = renderPostHtml({
      title: "<t>",
      content: [
        [
          { tag: "at", user_id: "@_user_1", user_name: "Task Bot" },
          { tag: "text", text: " /status 1", style: ["bold"] },
          { tag: "a", text: "docs", href: "javascript:x" },
          { tag: "a", text: "ok", href: "https://ok.test" },
        ],
      ],
    });
    expect(post).toContain('<div class="fc-post-title">&lt;t&gt;</div>');
    expect(post).toContain('<span class="fc-at">@Task Bot</span><strong> /status 1</strong>');
    expect(post).not.toContain("javascript:");
    expect(post).toContain('href="https://ok.test"');
  });
});

describe("pages", () => {
  it("wraps a card or a conversation in a self-contained page with the card styles and no script", () => {
    const page = cardPage(md("hi"), { locale: "zh_cn", width: 480 });
    expect(page).toMatch(/^<!doctype html><html lang="zh-CN">/);
    expect(page).toContain(CARD_CSS.trim().slice(0, 40));
    expect(page).toContain("--card-width:480px");
    const conv = conversationPage("Demo <1>", [
      { kind: "heading", text: "1. DM" },
      { kind: "text", who: "Alice", bot: false, text: "/status 1", at: 0 },
      { kind: "card", who: "Task Bot", bot: true, card: md("**x**"), at: 1000 },
      { kind: "note", text: "task ended", at: 2000 },
    ]);
    expect(conv).toContain("<h1>Demo &lt;1&gt;</h1>");
    expect(conv).toContain("<strong>x</strong>");
    expect(conv).toContain("00:00:02 · task ended");
    expect(conv).not.toContain("<script");
  });
});
