import { describe, expect, it } from "vitest";
import { normalizeText, parseCommand } from "../../handlers/parse";
import type { IncomingMessage } from "../../src/feishu/message";

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
