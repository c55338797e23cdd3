/**
 * Message shapes: rich text (`post`) events, topic groups and threads, as the real SDK sees them.
 */
import type * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CODES, type Emulator, type PostElement, startEmulator } from "../src";
import { rejection, sdkClient, textContent } from "./support/sdk-client";

let emu: Emulator;
let client: lark.Client;

beforeEach(async () => {
  emu = await startEmulator();
  client = sdkClient(emu);
});
afterEach(() => emu.close());

const replyTo = (messageId: string, text = "ok", replyInThread?: boolean) =>
  client.im.v1.message.reply({
    path: { message_id: messageId },
    data: { msg_type: "text", content: textContent(text), reply_in_thread: replyInThread },
  });
const createIn = (chatId: string) =>
  client.im.v1.message.create({
    params: { receive_id_type: "chat_id" },
    data: { receive_id: chatId, msg_type: "text", content: textContent("hello") },
  });

describe("rich text (post) events", () => {
  const paragraphs: PostElement[][] = [
    [
      { tag: "text", text: "/status ", style: ["bold"] },
      { tag: "a", text: "task", href: "https://example.feishu.cn/drive/folder/fld1" },
      { tag: "at", user_id: "@_user_2", user_name: "Carol" },
    ],
    [
      { tag: "emotion", emoji_type: "SMILE" },
      { tag: "md", text: "**7360595374803812356**" },
    ],
    [{ tag: "code_block", language: "GO", text: "x := 1" }],
    [{ tag: "img", image_key: "img_v2_1" }],
  ];

  it("builds message_type post with title and paragraphs, without touching the caller's input", () => {
    const post = { title: "Drive", paragraphs };
    const before = JSON.stringify(post);
    const env = emu.messageEvent({
      chatType: "group",
      post,
      mentions: [{ key: "@_user_2", openId: "ou_carol", name: "Carol" }],
    });
    expect(env.event.message.message_type).toBe("post");
    expect(JSON.parse(env.event.message.content)).toEqual({ title: "Drive", content: paragraphs });
    expect(env.event.message.mentions?.map((m) => [m.key, m.id.open_id])).toEqual([["@_user_2", "ou_carol"]]);
    expect(JSON.stringify(post)).toBe(before);
  });

  it("mentionBot opens the post with an at of the bot and adds it to mentions", () => {
    const env = emu.messageEvent({
      chatType: "group",
      mentionBot: true,
      post: { paragraphs: [[{ tag: "text", text: "/help" }], [{ tag: "text", text: "please" }]] },
    });
    const content = JSON.parse(env.event.message.content);
    expect(content.title).toBe("");
    expect(content.content[0]).toEqual([
      { tag: "at", user_id: "@_user_1", user_name: emu.options.botName },
      { tag: "text", text: " " },
      { tag: "text", text: "/help" },
    ]);
    expect(content.content[1]).toEqual([{ tag: "text", text: "please" }]);
    expect(env.event.message.mentions?.[0]).toMatchObject({
      key: "@_user_1",
      id: { open_id: emu.options.botOpenId },
    });
  });

  it("makes posts without any text: only an image, or nothing but the bot's at", () => {
    const image = emu.messageEvent({
      chatType: "p2p",
      post: { paragraphs: [[{ tag: "img", image_key: "img_1" }]] },
    });
    expect(JSON.parse(image.event.message.content)).toEqual({
      title: "",
      content: [[{ tag: "img", image_key: "img_1" }]],
    });
    const empty = emu.messageEvent({ chatType: "group", mentionBot: true, post: { paragraphs: [] } });
    expect(JSON.parse(empty.event.message.content).content).toEqual([
      [{ tag: "at", user_id: "@_user_1", user_name: emu.options.botName }],
    ]);
  });

  it("keeps content and messageType as raw overrides", () => {
    const env = emu.messageEvent({
      chatType: "group",
      post: { paragraphs },
      content: "{}",
      messageType: "post",
    });
    expect(env.event.message.content).toBe("{}");
    expect(
      emu.messageEvent({ chatType: "group", messageType: "image", content: '{"image_key":"i"}' }).event
        .message.message_type,
    ).toBe("image");
  });

  it("lets the bot send a post (per-locale or flat) and refuses one without paragraphs", async () => {
    const send = (content: unknown) =>
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: "oc_1", msg_type: "post", content: JSON.stringify(content) },
      });
    await expect(
      send({ zh_cn: { title: "t", content: [[{ tag: "text", text: "hi" }]] } }),
    ).resolves.toMatchObject({ code: 0 });
    await expect(send({ title: "t", content: [[{ tag: "md", text: "**hi**" }]] })).resolves.toMatchObject({
      code: 0,
    });
    for (const bad of [
      { zh_cn: { title: "t" } },
      { zh_cn: { content: [{ tag: "text" }] } },
      { zh_cn: { content: [[{ text: "x" }]] } },
    ]) {
      expect(await rejection(send(bad)), JSON.stringify(bad)).toMatchObject({
        status: 400,
        code: CODES.IM_BAD_PARAM,
      });
    }
  });
});

describe("topic groups and threads", () => {
  it("puts every message of a topic group in a topic, and a reply stays in it", async () => {
    const env = emu.messageEvent({
      chatType: "topic_group",
      chatId: "oc_topics",
      text: "/status 1",
      mentionBot: true,
    });
    const m = env.event.message;
    expect(m).toMatchObject({ chat_type: "topic_group", root_id: "", parent_id: "" });
    expect(m.thread_id).toMatch(/^omt_/);
    const res = await replyTo(m.message_id);
    expect(res.data).toMatchObject({
      thread_id: m.thread_id,
      root_id: m.message_id,
      parent_id: m.message_id,
    });
    expect(emu.repliesTo(m.message_id)[0]).toMatchObject({ thread_id: m.thread_id, root_id: m.message_id });
    // A later message in the same topic carries its root, and the answer to it stays there too.
    const next = emu.messageEvent({
      chatType: "topic_group",
      threadOf: m.message_id,
      text: "/list",
      mentionBot: true,
    });
    expect(next.event.message).toMatchObject({
      chat_id: "oc_topics",
      thread_id: m.thread_id,
      root_id: m.message_id,
    });
    expect((await replyTo(next.event.message.message_id)).data).toMatchObject({
      thread_id: m.thread_id,
      root_id: m.message_id,
    });
  });

  it("opens a new topic with a plain create into a topic group", async () => {
    const first = emu.messageEvent({ chatType: "topic_group", chatId: "oc_topics", text: "x" }).event.message;
    const created = await createIn("oc_topics");
    expect(created.data?.thread_id).toMatch(/^omt_/);
    expect(created.data?.thread_id).not.toBe(first.thread_id);
    expect(created.data?.root_id).toBe("");
    const sent = emu.message(created.data?.message_id as string);
    expect(sent).toMatchObject({ thread_id: created.data?.thread_id });
    expect(sent?.root_id).toBeUndefined();
    // Replying to the bot's own topic starter stays in that topic.
    expect((await replyTo(sent?.message_id as string)).data?.thread_id).toBe(created.data?.thread_id);
    // addChat declares a topic group no event has named yet.
    emu.addChat("oc_new_topics", "topic_group");
    expect((await createIn("oc_new_topics")).data?.thread_id).toMatch(/^omt_/);
  });

  it("starts a thread from a message in a normal group with reply_in_thread", async () => {
    const m = emu.messageEvent({ chatType: "group", chatId: "oc_g", text: "hi" }).event.message;
    expect(m.thread_id).toBe("");
    const plain = await replyTo(m.message_id, "plain");
    expect(plain.data?.thread_id).toBeUndefined();
    expect(plain.data?.root_id).toBe(m.message_id);
    expect((await createIn("oc_g")).data?.thread_id).toBeUndefined();
    const threaded = await replyTo(m.message_id, "threaded", true);
    const threadId = threaded.data?.thread_id;
    expect(threadId).toMatch(/^omt_/);
    expect(threaded.data?.root_id).toBe(m.message_id);
    // The thread now exists: a user's message in it, and any later reply to its root, live there.
    const inThread = emu.messageEvent({ chatType: "group", threadOf: m.message_id, text: "more" }).event
      .message;
    expect(inThread).toMatchObject({ thread_id: threadId, root_id: m.message_id, parent_id: m.message_id });
    expect((await replyTo(m.message_id, "again")).data?.thread_id).toBe(threadId);
  });

  it("lets a test put a user's message in a new thread of a normal group (threadOf)", async () => {
    const root = emu.messageEvent({ chatType: "group", text: "root" }).event.message;
    const reply = emu.messageEvent({ chatType: "group", threadOf: root.message_id, text: "@bot /status 1" })
      .event.message;
    expect(reply.thread_id).toMatch(/^omt_/);
    expect(reply).toMatchObject({ chat_id: root.chat_id, root_id: root.message_id });
    const answer = await replyTo(reply.message_id);
    expect(answer.data).toMatchObject({
      thread_id: reply.thread_id,
      root_id: root.message_id,
      parent_id: reply.message_id,
    });
    expect(() => emu.messageEvent({ chatType: "group", threadOf: "om_nope" })).toThrow(
      /not a message the emulator knows/,
    );
    expect(() =>
      emu.messageEvent({ chatType: "group", chatId: "oc_other", threadOf: root.message_id }),
    ).toThrow(/is in chat/);
  });
});

describe("p2p chats", () => {
  it("shares one DM between events and create by open_id or by user_id", async () => {
    const env = emu.messageEvent({
      chatType: "p2p",
      chatId: "oc_dm_alice",
      senderOpenId: "ou_alice",
      text: "hi",
    });
    expect(env.event.message.chat_id).toBe("oc_dm_alice");
    const byOpenId = await client.im.v1.message.create({
      params: { receive_id_type: "open_id" },
      data: { receive_id: "ou_alice", msg_type: "text", content: textContent("a") },
    });
    const byUserId = await client.im.v1.message.create({
      params: { receive_id_type: "user_id" },
      data: { receive_id: env.event.sender.sender_id.user_id, msg_type: "text", content: textContent("b") },
    });
    expect([byOpenId.data?.chat_id, byUserId.data?.chat_id]).toEqual(["oc_dm_alice", "oc_dm_alice"]);
  });
});
