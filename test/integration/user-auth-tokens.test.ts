import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Emulator, SentMessage } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { Sealer } from "../../src/auth/sealing";
import {
  eventually,
  PATHS,
  type RunningBot,
  STORES,
  startBot,
  startTestEmulator,
  tempDir,
  useBot,
} from "../support/harness";
import { freshDatabase } from "../support/postgres";
import { transportEnv } from "../support/transport";
import { ALICE, authorizeUrl, newKey, userAuthEnv } from "../support/user-auth";

const TASK = "7360595374803812420";
const GROUP = "oc_tokens000000000000000000000001";

function helpers(t: { emu: Emulator; bot: RunningBot; send: (e: never) => Promise<{ status: number }> }) {
  const cards = (id: string) => t.emu.repliesTo(id).filter((m) => m.msg_type === "interactive");
  const replies = (id: string) => t.emu.repliesTo(id).filter((m) => m.msg_type === "text");
  const shown = (card: SentMessage) => JSON.stringify(t.emu.message(card.message_id)?.card);
  async function ask(text: string) {
    const event = t.emu.messageEvent({
      chatType: "group",
      chatId: GROUP,
      text,
      senderOpenId: ALICE,
      mentionBot: true,
    });
    expect((await t.send(event as never)).status).toBe(200);
    return event.event.message.message_id;
  }
  /** /status of a task of Alice's, authorized from its card: the card and its command. */
  async function watchedAsAlice(statuses: string[]) {
    t.emu.setTask(TASK, statuses, { openId: ALICE });
    const command = await ask(`/status ${TASK}`);
    const card = await t.emu.waitFor(() => cards(command)[0], 5000);
    expect((await t.emu.oauth.consent(authorizeUrl(card.card) ?? "", { openId: ALICE })).status).toBe(200);
    await t.emu.waitFor(() => shown(card).includes("Checked with"), 5000);
    return { card, command };
  }
  const metric = async (name: string, label: string) => {
    const line = (await (await fetch(`${t.bot.url}/metrics`)).text())
      .split("\n")
      .find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.split(" ").at(-1)) : 0;
  };
  return { cards, replies, shown, ask, watchedAsAlice, metric };
}

describe.each(PATHS)("the end of a person's identity, over %s on %s", (transport, store) => {
  const t = useBot("each", (emu) => userAuthEnv(emu).then((a) => a.env), transport, store);
  const h = helpers(t);

  it("Feishu's revocation event: the tokens are forgotten at once and the card asks again, no call after", async () => {
    const { card } = await h.watchedAsAlice(Array(200).fill("process"));
    const event = t.emu.oauth.revokeAuthorization({ openId: ALICE, reason: "user" });
    expect((await t.send(event as never)).status).toBe(200);
    expect(await t.bot.app.store.getUserToken("", ALICE)).toBeUndefined();
    await t.emu.waitFor(() => h.shown(card).includes("which has ended"), 5000);
    const checks = t.emu.requestsFor("task_check").length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(t.emu.requestsFor("task_check").length).toBe(checks);
    expect(await h.metric("bot_user_identity_ends_total", 'reason="revoked"')).toBe(1);
    // Authorizing again brings the same card back to life.
    await t.emu.oauth.consent(authorizeUrl(t.emu.message(card.message_id)?.card) ?? "", { openId: ALICE });
    await t.emu.waitFor(() => h.shown(card).includes("Checked with"), 5000);
  });

  it("/logout revokes at Feishu and forgets at once; its watches ask again; a second /logout has nothing to do", async () => {
    const { card } = await h.watchedAsAlice(Array(200).fill("process"));
    const logout = await h.ask("/logout");
    expect((await t.emu.waitFor(() => h.replies(logout)[0], 5000)).text).toContain(
      "no longer checks tasks as you",
    );
    expect(await t.bot.app.store.getUserToken("", ALICE)).toBeUndefined();
    expect(t.emu.requestsFor("oauth_revoke").map((r) => r.status)).toEqual([200, 200]);
    const revoked = t.emu.oauth.userTokens({ openId: ALICE }).filter((x) => x.revokedAt !== undefined);
    expect(revoked.map((x) => x.kind).sort()).toEqual(["access", "refresh"]);
    await t.emu.waitFor(() => h.shown(card).includes("which has ended"), 5000);
    const again = await h.ask("/logout");
    expect((await t.emu.waitFor(() => h.replies(again)[0], 5000)).text).toContain("nothing to revoke");
  });
});

describe.each(STORES)("people's tokens at rest and over time, on %s", (store) => {
  const t = useBot("each", (emu) => userAuthEnv(emu).then((a) => a.env), "webhook", store, {
    userTokenTtlSeconds: 3,
  });
  const h = helpers(t);

  it("refreshes before expiry from the returned lifetime, each refresh token presented once", async () => {
    const { command } = await h.watchedAsAlice([...Array(10).fill("process"), "success"]);
    await t.emu.waitFor(() => h.replies(command)[0], 30_000);
    const refreshes = t.emu.oauth.refreshes().filter((r) => r.kind === "refresh");
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    expect(refreshes.every((r) => r.outcome === 0)).toBe(true);
    expect(t.emu.oauth.reusedRefreshTokens()).toEqual([]);
    // Never with an expired token: Feishu never answered 99991677.
    expect(t.emu.requestsFor("task_check").filter((r) => r.status !== 200)).toHaveLength(1); // the app's own check
    expect(await h.metric("bot_user_token_refreshes_total", 'outcome="ok"')).toBe(refreshes.length);
  });

  it("a refresh Feishu refuses for good ends the identity: the card asks again, and no refresh is tried twice", async () => {
    const { card } = await h.watchedAsAlice(Array(200).fill("process"));
    t.emu.oauth.revokeAuthorization({ openId: ALICE, tokenType: "refresh_token" }); // no event delivered
    await t.emu.waitFor(() => h.shown(card).includes("which has ended"), 10_000);
    const refused = t.emu.oauth.refreshes().filter((r) => r.kind === "refresh" && r.outcome !== 0);
    expect(refused.map((r) => r.outcome)).toEqual([20064]);
    await new Promise((r) => setTimeout(r, 4000));
    expect(t.emu.oauth.refreshes().filter((r) => r.kind === "refresh" && r.outcome !== 0)).toHaveLength(1);
    expect(await t.bot.app.store.getUserToken("", ALICE)).toBeUndefined();
  });

  it("keeps no token in clear: not in the database, not in the logs", async () => {
    const { command } = await h.watchedAsAlice([...Array(6).fill("process"), "success"]);
    await t.emu.waitFor(() => h.replies(command)[0], 30_000);
    const plain = t.emu.oauth.userTokens({ openId: ALICE }).map((x) => x.token);
    expect(plain.length).toBeGreaterThanOrEqual(4); // the first pair and at least one refreshed pair
    const logs = t.bot.logs.join("\n");
    for (const token of plain) expect(logs).not.toContain(token.slice(0, 40));
    const row = await t.bot.app.store.getUserToken("", ALICE);
    for (const token of plain) {
      expect(row?.accessToken).not.toContain(token.slice(0, 40));
      expect(row?.refreshToken).not.toContain(token.slice(0, 40));
    }
    if (store === "sqlite") {
      for (const file of ["bot.sqlite", "bot.sqlite-wal"]) {
        let bytes = "";
        try {
          bytes = readFileSync(join(t.bot.dbPath, "..", file)).toString("latin1");
        } catch {
          continue; // no WAL file at this moment
        }
        for (const token of plain) expect(bytes).not.toContain(token.slice(0, 40));
      }
    }
  });
});

describe.each(STORES)("USER_TOKEN_KEY rotation, on %s", (store) => {
  it("an older key still opens what it sealed, the first key reseals it on use; a key never given opens nothing", async () => {
    const [a, b, c] = [newKey(), newKey(), newKey()];
    const emu = await startTestEmulator({ hiddenTaskCode: 1061004 });
    const tmp = tempDir();
    const db = store === "postgres" ? await freshDatabase() : undefined;
    const dbPath = join(tmp.dir, "bot.sqlite");
    const auth = await userAuthEnv(emu);
    const run = async (keys: string[]) =>
      startBot(emu, dbPath, {
        ...transportEnv("webhook"),
        ...(db ? { DATABASE_URL: db.url } : {}),
        ...auth.env,
        USER_TOKEN_KEY: keys.join(","),
      });
    const keyIdOf = (sealed: string | undefined) => sealed?.split(".")[1];
    const idOf = (key: string) => keyIdOf(new Sealer([Buffer.from(key, "base64")]).seal("x", "y"));
    let bot = await run([a]);
    try {
      const t = { emu, bot, send: (e: never) => emu.deliver(bot.eventUrl, e) };
      const h = helpers(t);
      const { card } = await h.watchedAsAlice(Array(400).fill("process"));
      expect(keyIdOf((await bot.app.store.getUserToken("", ALICE))?.accessToken)).toBe(idOf(a));
      await bot.stop();

      bot = await run([b, a]); // rotated: b seals, a still opens
      await eventually(
        async () => keyIdOf((await bot.app.store.getUserToken("", ALICE))?.accessToken) === idOf(b),
        10_000,
      );
      expect(keyIdOf((await bot.app.store.getUserToken("", ALICE))?.refreshToken ?? undefined)).toBe(idOf(b));
      await bot.stop();

      bot = await run([b]); // a dropped: nothing needs it any more
      const checks = emu.requestsFor("task_check").filter((r) => r.userOpenId === ALICE).length;
      await eventually(
        async () => emu.requestsFor("task_check").filter((r) => r.userOpenId === ALICE).length > checks,
        10_000,
      );
      await bot.stop();

      bot = await run([c]); // a key that sealed nothing: the identity is unreadable, the card asks again
      await emu.waitFor(
        () => JSON.stringify(emu.message(card.message_id)?.card).includes("which has ended"),
        10_000,
      );
      expect(await bot.app.store.getUserToken("", ALICE)).toBeUndefined();
    } finally {
      await bot.stop();
      await emu.close();
      await db?.drop();
      tmp.remove();
    }
  }, 60_000);
});
