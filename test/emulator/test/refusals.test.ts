/**
 * Refusals that retrying never fixes, as tenant state the bot meets through the real SDK: each code on each
 * operation it applies to, and not on the others.
 */
import type * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, PATCH_MAX_AGE_MS, REFUSALS, startEmulator } from "../src";
import { card2, fakeClock, rejection, sdkClient, textContent } from "./support/sdk-client";

let emu: Emulator;
let client: lark.Client;
const clock = fakeClock();

beforeEach(async () => {
  emu = await startEmulator({ now: clock.now });
  client = sdkClient(emu);
});
afterEach(() => emu.close());

const reply = (messageId: string) =>
  client.im.v1.message.reply({
    path: { message_id: messageId },
    data: { msg_type: "text", content: textContent("r") },
  });
const create = (receiveId: string, type: "chat_id" | "open_id" | "user_id" = "chat_id") =>
  client.im.v1.message.create({
    params: { receive_id_type: type },
    data: { receive_id: receiveId, msg_type: "interactive", content: card2("c") },
  });
const patch = (messageId: string) =>
  client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: card2("p") } });

/** A user's message and a bot card in a group, before any refusal. */
async function groupWithCard(chatId = "oc_g") {
  const user = emu.messageEvent({ chatType: "group", chatId, text: "x" }).event.message.message_id;
  const card = (await create(chatId)).data?.message_id as string;
  return { user, card };
}

const refused = (code: number) => ({ status: 400, code });

describe("chat states", () => {
  it("muteChat: 230018 by default, 230035 when asked; reply and create refused, patch allowed [?]", async () => {
    const { user, card } = await groupWithCard();
    emu.muteChat("oc_g");
    const r = await rejection(reply(user));
    expect(r).toMatchObject({ ...refused(230018), msg: REFUSALS.GROUP_SETTINGS.msg });
    expect(await rejection(create("oc_g"))).toMatchObject(refused(230018));
    await expect(patch(card)).resolves.toMatchObject({ code: 0 });
    emu.muteChat("oc_g", 230035);
    expect(await rejection(reply(user))).toMatchObject(refused(230035));
    expect(await rejection(create("oc_g"))).toMatchObject({
      ...refused(230035),
      msg: REFUSALS.SPEAKING_RESTRICTED.msg,
    });
    await expect(create("oc_other")).resolves.toMatchObject({ code: 0 });
    expect(() => emu.muteChat("oc_g", 230002 as 230018)).toThrow(/230018, 230035/);
    expect(emu.messages).toHaveLength(2); // the first card and the one in oc_other
  });

  it("makeExternal: 230027 for reply and create, patch allowed [?]", async () => {
    const { user, card } = await groupWithCard();
    emu.makeExternal("oc_g");
    expect(await rejection(reply(user))).toMatchObject({
      ...refused(230027),
      msg: REFUSALS.NO_PERMISSION.msg,
    });
    expect(await rejection(create("oc_g"))).toMatchObject(refused(230027));
    await expect(patch(card)).resolves.toMatchObject({ code: 0 });
  });

  it("removeBot: 230002 for reply, create and patch, until the bot is added again", async () => {
    const { user, card } = await groupWithCard();
    emu.removeBot("oc_g");
    expect(await rejection(reply(user))).toMatchObject({
      ...refused(230002),
      msg: REFUSALS.BOT_NOT_IN_CHAT.msg,
    });
    expect(await rejection(create("oc_g"))).toMatchObject(refused(230002));
    expect(await rejection(patch(card))).toMatchObject(refused(230002));
    emu.botAddedEvent({ chatId: "oc_g", operatorOpenId: "ou_admin" });
    await expect(reply(user)).resolves.toMatchObject({ code: 0 });
  });

  it("dissolveChat: 232009 for reply, create and patch, before any other chat state", async () => {
    const { user, card } = await groupWithCard();
    emu.muteChat("oc_g");
    emu.removeBot("oc_g");
    emu.dissolveChat("oc_g");
    for (const call of [reply(user), create("oc_g"), patch(card)]) {
      expect(await rejection(call)).toMatchObject({ ...refused(232009), msg: REFUSALS.CHAT_DISSOLVED.msg });
    }
  });
});

describe("user states (direct messages)", () => {
  it("blockBot: 230053 for create by open_id and replies in the DM; the user's group messages are fine", async () => {
    const dm = emu.messageEvent({ chatType: "p2p", senderOpenId: "ou_alice", text: "hi" }).event.message;
    const inGroup = emu.messageEvent({ chatType: "group", senderOpenId: "ou_alice", text: "hi" }).event
      .message;
    const card = (await create("ou_alice", "open_id")).data?.message_id as string;
    emu.blockBot("ou_alice");
    expect(await rejection(create("ou_alice", "open_id"))).toMatchObject({
      ...refused(230053),
      msg: REFUSALS.BOT_BLOCKED.msg,
    });
    expect(await rejection(create(dm.chat_id))).toMatchObject(refused(230053));
    expect(await rejection(reply(dm.message_id))).toMatchObject(refused(230053));
    await expect(reply(inGroup.message_id)).resolves.toMatchObject({ code: 0 });
    await expect(patch(card)).resolves.toMatchObject({ code: 0 }); // an update is not a new message [?]
    await expect(create("ou_bob", "open_id")).resolves.toMatchObject({ code: 0 });
  });

  it("makeUnavailable: 230013 for DMs by open_id, by user_id and by reply", async () => {
    const env = emu.messageEvent({ chatType: "p2p", senderOpenId: "ou_carol", text: "hi" });
    emu.makeUnavailable("ou_carol");
    expect(await rejection(create("ou_carol", "open_id"))).toMatchObject({
      ...refused(230013),
      msg: REFUSALS.NO_AVAILABILITY.msg,
    });
    expect(await rejection(create(env.event.sender.sender_id.user_id, "user_id"))).toMatchObject(
      refused(230013),
    );
    expect(await rejection(reply(env.event.message.message_id))).toMatchObject(refused(230013));
  });
});

describe("message states", () => {
  it("recall: 230011 for a reply to it and a patch of it", async () => {
    const { user, card } = await groupWithCard();
    emu.recall(user);
    emu.recall(card);
    expect(await rejection(reply(user))).toMatchObject({
      ...refused(230011),
      msg: REFUSALS.MESSAGE_RECALLED.msg,
    });
    expect(await rejection(patch(card))).toMatchObject(refused(230011));
    await expect(create("oc_g")).resolves.toMatchObject({ code: 0 });
    expect(() => emu.recall("om_unknown")).toThrow(/recall: unknown message/);
  });

  it("deleteMessage: 230110 for a reply to it and a patch of it", async () => {
    const { user, card } = await groupWithCard();
    emu.deleteMessage(user);
    emu.deleteMessage(card);
    expect(await rejection(reply(user))).toMatchObject({
      ...refused(230110),
      msg: REFUSALS.MESSAGE_DELETED.msg,
    });
    expect(await rejection(patch(card))).toMatchObject(refused(230110));
    expect(() => emu.deleteMessage("om_unknown")).toThrow(/deleteMessage: unknown message/);
  });

  it("ages cards by the emulator clock: patchable for 14 days, then 230031 (replies still work)", async () => {
    const { user, card } = await groupWithCard();
    clock.advance(PATCH_MAX_AGE_MS);
    client = sdkClient(emu); // the SDK's cached tenant token expired meanwhile (2 h)
    await expect(patch(card)).resolves.toMatchObject({ code: 0 });
    clock.advance(1);
    expect(await rejection(patch(card))).toMatchObject({ ...refused(230031), msg: REFUSALS.TOO_OLD.msg });
    await expect(reply(user)).resolves.toMatchObject({ code: 0 });
    await expect(reply(card)).resolves.toMatchObject({ code: 0 });
    expect(emu.message(card)?.patches).toHaveLength(1);
  });

  it("answers a refusal before checking the content, and counts it in no per-chat window", async () => {
    await restart({ messagesPerSecondPerChat: 1 });
    emu.removeBot("oc_g");
    const broken = client.im.v1.message.create({
      params: { receive_id_type: "chat_id" },
      data: { receive_id: "oc_g", msg_type: "interactive", content: "{not json" },
    });
    expect(await rejection(broken)).toMatchObject(refused(230002));
    expect(await rejection(create("oc_g"))).toMatchObject(refused(230002));
    emu.botAddedEvent({ chatId: "oc_g", operatorOpenId: "ou_admin" });
    await expect(create("oc_g")).resolves.toMatchObject({ code: 0 });
    expect(emu.violations()).toEqual([]);
  });
});

async function restart(opts: Parameters<typeof startEmulator>[0]): Promise<void> {
  await emu.close();
  emu = await startEmulator({ now: clock.now, ...opts });
  client = sdkClient(emu);
}
