import type { SentMessage } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { eventually, PATHS, useBot } from "../support/harness";
import { ALICE, authorizeUrl, BOB, userAuthEnv } from "../support/user-auth";

const TASK = "7360595374803812400";
const GROUP = "oc_userauth00000000000000000000001";

/**
 * User authorization end to end, over each transport and store: a task started in Alice's own space is hidden
 * from the app; her /status gets a card asking her to authorize; her browser goes through Feishu's page and
 * back to the bot; the same card comes alive and runs to its one notice, checked with her token.
 */
describe.each(PATHS)("checking a task as the person who asked, over %s on %s", (transport, store) => {
  const t = useBot("each", (emu) => userAuthEnv(emu).then((a) => a.env), transport, store, {
    hiddenTaskCode: 1061004,
  });

  const cards = (id: string) => t.emu.repliesTo(id).filter((m) => m.msg_type === "interactive");
  const notices = (id: string) => t.emu.repliesTo(id).filter((m) => m.msg_type === "text");
  const current = (card: SentMessage) => t.emu.message(card.message_id)?.card;

  async function ask(who: string, text: string) {
    const event = t.emu.messageEvent({
      chatType: "group",
      chatId: GROUP,
      text,
      senderOpenId: who,
      mentionBot: true,
    });
    expect((await t.send(event)).status).toBe(200);
    return event.event.message.message_id;
  }

  it("asks the requester to authorize, then the same card comes alive and notifies once", async () => {
    t.emu.addUser(ALICE, undefined, { name: "Alice" });
    t.emu.addUser(BOB, undefined, { name: "Bob" });
    t.emu.setTask(TASK, ["process", "process", "success"], { openId: ALICE });
    const command = await ask(ALICE, `/status ${TASK}`);
    const card = await t.emu.waitFor(() => cards(command)[0], 5000);
    const asking = JSON.stringify(card.card);
    expect(asking).toContain("Needs authorization");
    expect(asking).toContain(`<person id='${ALICE}'></person>`);
    const button = authorizeUrl(card.card);
    expect(button).toMatch(new RegExp(`^${t.bot.url}/oauth/start\\?s=`));
    // The app's identity was refused; no notice and no second card meanwhile.
    expect(t.emu.requestsFor("task_check").every((r) => r.status === 403)).toBe(true);

    // Bob (in the same group) presses Alice's button: refused, nothing kept, the card keeps waiting.
    const bob = await t.emu.oauth.consent(button ?? "", { openId: BOB });
    expect(bob.status).toBe(403);
    expect(bob.text).toContain("This button was for someone else");
    expect(await t.bot.app.store.getUserToken("", BOB)).toBeUndefined();
    expect(await t.bot.app.store.getUserToken("", ALICE)).toBeUndefined();

    // Alice authorizes: the page says she may close it, and the card turns into the task's own.
    const started = Date.now();
    const alice = await t.emu.oauth.consent(button ?? "", { openId: ALICE });
    expect(alice.status).toBe(200);
    expect(alice.text).toContain("You can close this window");
    expect(alice.text).not.toMatch(/u-[A-Za-z0-9_-]{20}|code=|state=/);
    await t.emu.waitFor(() => !JSON.stringify(current(card)).includes("Needs authorization"), 5000);
    const aliveAfterMs = Date.now() - started;
    expect(JSON.stringify(current(card))).toContain(
      `Checked with <person id='${ALICE}'></person>'s authorization`,
    );

    const notice = await t.emu.waitFor(() => notices(command)[0], 15_000);
    expect(notice.text).toContain(TASK);
    expect(notice.text).toContain(`<at user_id="${ALICE}"></at>`);
    expect(JSON.stringify(current(card))).toContain('"template":"green"');
    await new Promise((r) => setTimeout(r, 1200));
    expect(cards(command)).toHaveLength(1);
    expect(notices(command)).toHaveLength(1);
    // Checked with Alice's token only, and never after the end.
    const asAlice = t.emu.requestsFor("task_check").filter((r) => r.userOpenId === ALICE);
    expect(asAlice.length).toBeGreaterThanOrEqual(3);
    expect(t.emu.requestsFor("task_check").filter((r) => r.userOpenId && r.userOpenId !== ALICE)).toEqual([]);
    console.log(
      `${transport}/${store}: the card came alive ${aliveAfterMs} ms after the authorization began`,
    );
  });

  it("/list, the buttons and /stop work for everyone in the chat as for any watch; only Alice's token is used", async () => {
    t.emu.setTask(TASK, ["process"], { openId: ALICE });
    const command = await ask(ALICE, `/status ${TASK}`);
    const card = await t.emu.waitFor(() => cards(command)[0], 5000);
    await t.emu.oauth.consent(authorizeUrl(card.card) ?? "", { openId: ALICE });
    await t.emu.waitFor(() => JSON.stringify(current(card)).includes("Checked with"), 5000);

    const list = await ask(BOB, "/list");
    const listed = await t.emu.waitFor(() => cards(list)[0], 5000);
    expect(JSON.stringify(listed.card)).toContain(TASK);
    const refused = await ask(BOB, `/stop ${TASK}`);
    expect((await t.emu.waitFor(() => notices(refused)[0], 5000)).text).toContain(
      "Only the person who asked",
    );

    const stop = await ask(ALICE, `/stop ${TASK}`);
    await t.emu.waitFor(() => notices(stop)[0], 5000);
    await eventually(async () => (await t.bot.app.store.countOpenWatches()) === 0, 5000);
    expect(JSON.stringify(current(card))).toContain('"template":"grey"');
    expect(t.emu.requestsFor("task_check").filter((r) => r.userOpenId && r.userOpenId !== ALICE)).toEqual([]);
  });

  it("checks at once as a person who authorized before (/login), without asking again", async () => {
    const login = await ask(ALICE, "/login");
    const loginCard = await t.emu.waitFor(() => cards(login)[0], 5000);
    expect(JSON.stringify(loginCard.card)).toContain("Check Drive tasks as you");
    const page = await t.emu.oauth.consent(authorizeUrl(loginCard.card) ?? "", { openId: ALICE });
    expect(page.status).toBe(200);
    await eventually(async () => (await t.bot.app.store.getUserToken("", ALICE)) !== undefined, 5000);

    t.emu.setTask(TASK, ["process", "success"], { openId: ALICE });
    const command = await ask(ALICE, `/status ${TASK}`);
    const card = await t.emu.waitFor(() => cards(command)[0], 5000);
    expect(JSON.stringify(card.card)).not.toContain("Needs authorization");
    await t.emu.waitFor(() => notices(command)[0], 15_000);
    expect(JSON.stringify(current(card))).toContain('"template":"green"');
  });

  it("a task neither the app nor the requester can see ends as not found at once", async () => {
    // Bob's task: Alice cannot see it even as herself.
    t.emu.setTask(TASK, ["process"], { openId: BOB });
    const login = await ask(ALICE, "/login");
    await t.emu.oauth.consent(authorizeUrl((await t.emu.waitFor(() => cards(login)[0], 5000)).card) ?? "", {
      openId: ALICE,
    });
    await eventually(async () => (await t.bot.app.store.getUserToken("", ALICE)) !== undefined, 5000);
    const command = await ask(ALICE, `/status ${TASK}`);
    const card = await t.emu.waitFor(() => cards(command)[0], 5000);
    expect(JSON.stringify(card.card)).toContain("Task not found");
    await eventually(async () => (await t.bot.app.store.countOpenWatches()) === 0, 5000);
    expect(notices(command)).toHaveLength(0);
  });
});
