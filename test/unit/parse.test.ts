import { describe, expect, it } from "vitest";
import { normalizeText, notForBot, parseCommand } from "../../handlers/parse";
import type { IncomingMessage } from "../../src/core/incoming";
import { readMessageEvent } from "../../src/feishu/message";

const BOT = "ou_bot";

function msg(text: string, over: Partial<IncomingMessage> = {}): IncomingMessage {
  return {
    messageId: "om_1",
    eventId: "ev_1",
    chatId: "oc_1",
    chatType: "p2p",
    threadId: "",
    senderOpenId: "ou_user",
    senderType: "user",
    messageType: "text",
    text,
    mentions: [],
    ...over,
  };
}

const atBot = { key: "@_user_1", openId: BOT, name: "Task Bot" };

describe("parseCommand", () => {
  it("reads /status with one id", () => {
    expect(parseCommand(msg("/status 7360595374803812356"), BOT)).toEqual({
      kind: "status",
      taskIds: ["7360595374803812356"],
      invalid: [],
      dropped: 0,
    });
  });

  it("reads several ids, odd spacing, full-width slash, upper case, and removes duplicates", () => {
    const c = parseCommand(msg("  ／STATUS\u3000111111 \t 222222\n111111  "), BOT);
    expect(c).toMatchObject({ kind: "status", taskIds: ["111111", "222222"] });
  });

  it("strips mention placeholders in groups and acts only when the bot is mentioned", () => {
    const group = { chatType: "group" as const };
    expect(parseCommand(msg("@_user_1 /status 123456", { ...group, mentions: [atBot] }), BOT)).toMatchObject({
      kind: "status",
      taskIds: ["123456"],
    });
    expect(
      parseCommand(
        msg("/status 123456 @_user_1", { ...group, mentions: [{ ...atBot, openId: "ou_other" }] }),
        BOT,
      ),
    ).toMatchObject({ kind: "ignore" });
    expect(parseCommand(msg("/status 123456", group), BOT)).toMatchObject({ kind: "ignore" });
  });

  it("ignores bots and non-text messages", () => {
    expect(parseCommand(msg("/status 1", { senderType: "app" }), BOT).kind).toBe("ignore");
    expect(parseCommand(msg("", { messageType: "image" }), BOT).kind).toBe("ignore");
  });

  it("flags absurd ids and keeps the good ones", () => {
    const c = parseCommand(msg("/status 123456 a<b>c ../../etc/passwd 7"), BOT);
    expect(c).toMatchObject({
      kind: "status",
      taskIds: ["123456", "7"],
      invalid: ["a<b>c", "../../etc/passwd"],
    });
    const long = parseCommand(msg(`/status ${"9".repeat(65)}`), BOT);
    expect(long).toMatchObject({ taskIds: [], invalid: ["9".repeat(65)] });
  });

  it("caps a command at 10 ids and says how many were dropped", () => {
    const ids = Array.from({ length: 13 }, (_, i) => String(100000 + i));
    const c = parseCommand(msg(`/status ${ids.join(" ")}`), BOT);
    expect(c).toMatchObject({ kind: "status", dropped: 3 });
    expect(c.kind === "status" && c.taskIds).toEqual(ids.slice(0, 10));
  });

  it("takes a bare number in a DM as /status, other text as a request for help", () => {
    expect(parseCommand(msg("7360595374803812356"), BOT)).toMatchObject({ kind: "status" });
    expect(parseCommand(msg("hello there"), BOT)).toEqual({ kind: "help" });
    expect(parseCommand(msg("/status"), BOT)).toEqual({ kind: "help" });
  });

  it("knows /stop, /list, /help and names unknown commands", () => {
    expect(parseCommand(msg("/stop 123456"), BOT)).toMatchObject({ kind: "stop", taskIds: ["123456"] });
    expect(parseCommand(msg("/LIST"), BOT)).toEqual({ kind: "list" });
    expect(parseCommand(msg("/help"), BOT)).toEqual({ kind: "help" });
    expect(parseCommand(msg("/frobnicate now"), BOT)).toEqual({ kind: "unknown", name: "frobnicate" });
  });
});

describe("normalizeText", () => {
  it("removes placeholders longest first and folds white space", () => {
    expect(normalizeText("@_user_10 hi @_user_1\u200b there", ["@_user_1", "@_user_10"])).toBe("hi there");
    expect(normalizeText("@_all /list", [])).toBe("/list");
  });
});

describe("text and rich text (post) alike", () => {
  /** The raw im.message.receive_v1 event Feishu sends for `text`, as a text message and as a post. */
  const event = (messageType: "text" | "post", text: string, chatType = "p2p", mentionBot = false) => {
    const lines = text.split("\n");
    const post = {
      title: "a title is not a command",
      content: lines.map((line, i) => [
        ...(i === 0 && mentionBot ? [{ tag: "at", user_id: "@_user_1", user_name: "Task Bot" }] : []),
        ...line.split(/(\s+)/).map((word) => ({ tag: "text", text: word, style: ["bold"] })),
      ]),
    };
    const content = messageType === "text" ? { text: `${mentionBot ? "@_user_1 " : ""}${text}` } : post;
    return {
      sender: { sender_id: { open_id: "ou_user" }, sender_type: "user" },
      message: {
        message_id: "om_1",
        chat_id: "oc_1",
        chat_type: chatType,
        message_type: messageType,
        content: JSON.stringify(content),
        mentions: mentionBot ? [{ key: "@_user_1", id: { open_id: BOT }, name: "Task Bot" }] : [],
      },
    };
  };

  it.each([
    ["/status 7360595374803812356", "p2p", false],
    ["／ＳＴＡＴＵＳ　７３６０５９５３７４８０３８１２３５６", "p2p", false],
    ["  /status   111111  222222  ", "p2p", false],
    ["/status\n111111\n222222", "p2p", false],
    ["/stop 111111", "group", true],
    ["/list", "topic_group", true],
    ["/status 111111", "group", false],
    ["/frobnicate", "p2p", false],
    ["hello there", "p2p", false],
    ["7360595374803812356", "p2p", false],
    ["/status <7360595374803812356>", "super_group", true],
  ] as const)("%j in a %s chat (bot mentioned: %s)", (text, chatType, mentioned) => {
    const fromText = parseCommand(readMessageEvent(event("text", text, chatType, mentioned), "ev"), BOT);
    const fromPost = parseCommand(readMessageEvent(event("post", text, chatType, mentioned), "ev"), BOT);
    expect(fromPost).toEqual(fromText);
    expect(fromText.kind).not.toBe(undefined);
  });

  it("reads a post wrapped in a language key, and ignores images, emoji and unknown tags", () => {
    const raw = event("post", "");
    raw.message.content = JSON.stringify({
      zh_cn: {
        title: "",
        content: [
          [
            { tag: "img", image_key: "x" },
            { tag: "text", text: "/status" },
            { tag: "emotion" },
            { tag: "a", text: "123456", href: "h" },
            { tag: "what" },
          ],
        ],
      },
    });
    expect(parseCommand(readMessageEvent(raw, "ev"), BOT)).toMatchObject({
      kind: "status",
      taskIds: ["123456"],
    });
  });

  it("a group post that mentions someone else is ignored, like a text message", () => {
    const raw = event("post", "/status 123456", "group", true);
    raw.message.mentions = [{ key: "@_user_1", id: { open_id: "ou_other" }, name: "Other" }];
    expect(parseCommand(readMessageEvent(raw, "ev"), BOT)).toMatchObject({ kind: "ignore" });
  });
});

describe("notForBot: what the ingest stores nothing of", () => {
  const someone = { key: "@_user_1", openId: "ou_someone", name: "Someone" };
  it.each([
    ["a DM", msg("hi"), BOT, undefined],
    ["a DM before the bot knows itself", msg("hi"), undefined, undefined],
    [
      "a group mention of the bot",
      msg("@_user_1 /help", { chatType: "group", mentions: [atBot] }),
      BOT,
      undefined,
    ],
    [
      "group chatter",
      msg("lunch?", { chatType: "group" }),
      BOT,
      "group message that does not mention the bot",
    ],
    [
      "chatter before the bot knows itself",
      msg("lunch?", { chatType: "group" }),
      undefined,
      "group message that does not mention the bot",
    ],
    [
      "someone else's mention",
      msg("@_user_1 hi", { chatType: "topic_group", mentions: [someone] }),
      BOT,
      "group message that does not mention the bot",
    ],
    [
      "a mention before the bot knows itself (it may be the bot)",
      msg("@_user_1 hi", { chatType: "group", mentions: [someone] }),
      undefined,
      undefined,
    ],
    ["a bot's message", msg("/help", { senderType: "app" }), BOT, "not sent by a user"],
    ["a picture in a DM", msg("", { messageType: "image" }), BOT, "message type image"],
  ] as const)("%s", (_what, message, botOpenId, reason) => {
    expect(notForBot(message, botOpenId)).toBe(reason);
    // The parser ignores exactly what the ingest may drop (when the bot knows its open_id).
    if (botOpenId) expect(parseCommand(message, botOpenId).kind === "ignore").toBe(reason !== undefined);
  });
});

describe("parseCommand: user authorization's commands", () => {
  it("reads /login and /logout however they are typed", () => {
    expect(parseCommand(msg("/login"), BOT)).toEqual({ kind: "login" });
    expect(parseCommand(msg("  ／LOGOUT  "), BOT)).toEqual({ kind: "logout" });
    expect(parseCommand(msg("@_user_1 /login", { chatType: "group", mentions: [atBot] }), BOT)).toEqual({
      kind: "login",
    });
    expect(parseCommand(msg("/loginx"), BOT)).toEqual({ kind: "unknown", name: "loginx" });
  });
});
