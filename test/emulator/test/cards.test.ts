/**
 * The emulator checks every card it receives (reply, create, patch) against the deep JSON 2.0 rules and the
 * tenant's users, answering 230099 with a sub-code and the place of the problem in the ext.
 */
import type * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CARD_SUBCODES, CODES, type Emulator, startEmulator } from "../src";
import { card2, rejection, sdkClient } from "./support/sdk-client";

let emu: Emulator;
let client: lark.Client;

beforeEach(async () => {
  emu = await startEmulator({ messagesPerSecondPerChat: 0 }); // many cards into one chat here
  client = sdkClient(emu);
});
afterEach(() => emu.close());

const withElements = (elements: unknown[], header?: unknown) =>
  card2("t", { body: { elements }, ...(header ? { header } : {}) });

const create = (content: string) =>
  client.im.v1.message.create({
    params: { receive_id_type: "chat_id" },
    data: { receive_id: "oc_1", msg_type: "interactive", content },
  });

/** One card into each of reply, create and patch: the answers, in that order. */
async function everyWay(content: string) {
  const parent = emu.messageEvent({ chatType: "group", text: "x" }).event.message.message_id;
  const sent = await create(card2("v0"));
  const id = sent.data?.message_id as string;
  const reply = await rejection(
    client.im.v1.message.reply({ path: { message_id: parent }, data: { msg_type: "interactive", content } }),
  );
  const patch = await rejection(client.im.v1.message.patch({ path: { message_id: id }, data: { content } }));
  return [reply, await rejection(create(content)), patch];
}

describe("deep JSON 2.0 checks on every card", () => {
  const bad: Array<[string, string, RegExp]> = [
    [
      "unknown component",
      withElements([{ tag: "marquee", content: "x" }]),
      /unknown component tag "marquee"/,
    ],
    [
      "duplicate element_id",
      withElements([
        { tag: "hr", element_id: "a1" },
        { tag: "hr", element_id: "a1" },
      ]),
      /duplicate element_id "a1"/,
    ],
    [
      "unknown header colour",
      withElements([], { title: { tag: "plain_text", content: "t" }, template: "pink" }),
      /header\.template: bad value "pink"/,
    ],
    [
      "legacy button value",
      withElements([{ tag: "button", text: { tag: "plain_text", content: "Go" }, value: { a: 1 } }]),
      /unknown field "value"/,
    ],
    ["markdown without content", withElements([{ tag: "markdown" }]), /markdown needs a string content/],
    [
      "open_url without a default_url",
      withElements([
        { tag: "button", text: { tag: "plain_text", content: "Go" }, behaviors: [{ type: "open_url" }] },
      ]),
      /behaviors\[0\]\.default_url: must be an http\(s\) URL/,
    ],
    [
      "open_url to a javascript: URL",
      withElements([
        {
          tag: "button",
          text: { tag: "plain_text", content: "Go" },
          behaviors: [{ type: "open_url", default_url: "https://a.example", pc_url: "javascript:alert(1)" }],
        },
      ]),
      /pc_url: must be an http\(s\) URL/,
    ],
    [
      "an unknown behaviour",
      withElements([
        { tag: "button", text: { tag: "plain_text", content: "Go" }, behaviors: [{ type: "form_submit" }] },
      ]),
      /type: bad value "form_submit"/,
    ],
  ];
  for (const [name, content, why] of bad) {
    it(`rejects ${name} on reply, create and patch (230099, sub-code ${CARD_SUBCODES.INVALID})`, async () => {
      for (const r of await everyWay(content)) {
        expect(r).toMatchObject({ status: 400, code: CODES.IM_CARD_INVALID });
        expect(String(r.msg)).toMatch(why);
        expect(String(r.msg)).toContain(`ext=ErrCode: ${CARD_SUBCODES.INVALID}; ErrMsg: `);
      }
      expect(emu.messages).toHaveLength(1); // only the v0 card
      expect(emu.messages[0].patches).toHaveLength(0);
    });
  }

  it("accepts a button that opens a page (open_url, per platform) beside one that calls back", async () => {
    const open = {
      tag: "button",
      text: { tag: "plain_text", content: "Authorize" },
      behaviors: [
        {
          type: "open_url",
          default_url: "https://bot.example.com/oauth/start?s=x",
          pc_url: "https://applink.feishu.cn/client/web_url/open?mode=sidebar-semi&url=x",
        },
      ],
    };
    const both = { ...open, behaviors: [...open.behaviors, { type: "callback", value: { a: "1" } }] };
    const sent = await create(withElements([open, { ...both, element_id: "b2" }]));
    expect(sent.code).toBe(0);
  });

  it("counts every tagged object towards the 200-component limit", async () => {
    const button = { tag: "button", text: { tag: "plain_text", content: "b" } };
    const r = await rejection(create(withElements(Array.from({ length: 100 }, () => button))));
    expect(r.code).toBe(CODES.IM_CARD_INVALID);
    expect(String(r.msg)).toMatch(
      new RegExp(`ErrCode: ${CARD_SUBCODES.TOO_MANY_COMPONENTS};.*201 components`),
    );
    await expect(create(withElements(Array.from({ length: 99 }, () => button)))).resolves.toMatchObject({
      code: 0,
    });
  });

  it("keeps accepting JSON 1.0 cards, which the 2.0 rules do not cover", async () => {
    const v1 = JSON.stringify({ header: { title: { tag: "plain_text", content: "x" } }, elements: [] });
    await expect(create(v1)).resolves.toMatchObject({ code: 0 });
  });
});

describe("<at> in cards names users the tenant has", () => {
  const mention = (tag: string) => withElements([{ tag: "markdown", content: `hi ${tag}` }]);

  it("rejects an unknown user (sub-code UNKNOWN_USER) on reply, create and patch", async () => {
    for (const r of await everyWay(mention("<at id=ou_stranger></at>"))) {
      expect(r).toMatchObject({ status: 400, code: CODES.IM_CARD_INVALID });
      expect(String(r.msg)).toContain(`ErrCode: ${CARD_SUBCODES.UNKNOWN_USER}`);
      expect(String(r.msg)).toContain("<at id=ou_stranger>");
      expect(String(r.msg)).toContain("ErrorValue: body.elements[0].content");
    }
    const quoted = await rejection(create(mention('<at user_id="ou_nobody">Nobody</at>')));
    expect(String(quoted.msg)).toContain(`ErrCode: ${CARD_SUBCODES.UNKNOWN_USER}`);
  });

  it("knows event senders, mentions, operators, added users, the bot and everyone", async () => {
    emu.messageEvent({
      chatType: "group",
      senderOpenId: "ou_alice",
      text: "@_user_2",
      mentions: [{ key: "@_user_2", openId: "ou_carol", name: "Carol" }],
    });
    emu.cardActionEvent({ openMessageId: "om_1", chatId: "oc_1", operatorOpenId: "ou_bob", value: {} });
    const dave = emu.addUser("ou_dave");
    for (const id of ["ou_alice", "ou_carol", "ou_bob", "ou_dave", emu.options.botOpenId, "all"]) {
      await expect(create(mention(`<at id=${id}></at>`)), id).resolves.toMatchObject({ code: 0 });
    }
    await expect(create(mention(`<at user_id="${dave.user_id}"></at>`))).resolves.toMatchObject({ code: 0 });
    emu.reset(); // forgets the users it learnt, but not the bot
    expect(String((await rejection(create(mention("<at id=ou_alice></at>")))).msg)).toContain("not known");
    await expect(create(mention(`<at id=${emu.options.botOpenId}></at>`))).resolves.toMatchObject({
      code: 0,
    });
  });

  it("checks i18n texts and header texts too, but not text messages", async () => {
    const i18n = withElements([
      { tag: "markdown", content: "x", i18n_content: { en_us: "<at id=ou_x></at>" } },
    ]);
    expect(String((await rejection(create(i18n))).msg)).toContain("body.elements[0].i18n_content.en_us");
    const subtitle = { tag: "lark_md", content: "by <at id=ou_y></at>" };
    const header = withElements([], { title: { tag: "plain_text", content: "t" }, subtitle });
    expect(String((await rejection(create(header))).msg)).toContain("ErrorValue: header.subtitle.content");
    const text = await client.im.v1.message.create({
      params: { receive_id_type: "chat_id" },
      data: {
        receive_id: "oc_1",
        msg_type: "text",
        content: JSON.stringify({ text: '<at user_id="ou_x"></at>' }),
      },
    });
    expect(text.code).toBe(0);
  });
});
