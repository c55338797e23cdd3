import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator } from "@taskbot/feishu-emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestEmulator } from "../support/bot";
import { mulberry32 } from "../support/fuzz-bodies";
import { freshDatabase, type TestDatabase } from "../support/postgres";
import { deliverUntilAccepted, type Fleet, startFleet } from "../support/replicas";
import { ALICE, authorizeUrl, newKey } from "../support/user-auth";

const TASKS = ["7360595374803812441", "7360595374803812442", "7360595374803812443", "7360595374803812444"];
const CHATS = ["oc_auth_replica_a", "oc_auth_replica_b"];

let emu: Emulator;
let db: TestDatabase;
let fleet: Fleet | undefined;
let balancer: Server | undefined;

beforeEach(async () => {
  emu = await startTestEmulator({ hiddenTaskCode: 1061004, userTokenTtlSeconds: 3 });
  db = await freshDatabase();
});
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  await new Promise((r) => (balancer ? balancer.close(r) : r(undefined)));
  balancer = undefined;
  await emu.close();
  await db.drop();
});

/** The deployment's public URL: a load balancer that sends each browser request to the next replica in turn. */
async function startBalancer(): Promise<{ url: string; serve(fleet: Fleet): void }> {
  let targets: string[] = [];
  let next = 0;
  balancer = createServer((req, res) => {
    const target = targets[next++ % targets.length];
    fetch(`${target}${req.url}`, { redirect: "manual" }).then(
      async (answer) => {
        const headers: Record<string, string> = {};
        for (const name of ["location", "content-type", "cache-control"]) {
          const value = answer.headers.get(name);
          if (value) headers[name] = value;
        }
        res.writeHead(answer.status, headers).end(Buffer.from(await answer.arrayBuffer()));
      },
      () => res.writeHead(502).end(),
    );
  });
  await new Promise<void>((r) => balancer?.listen(0, "127.0.0.1", r));
  const { port } = balancer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, serve: (f) => (targets = f.replicas.map((r) => r.bot.url)) };
}

describe("user authorization on replicas sharing PostgreSQL", () => {
  it("refreshes one person's tokens for several watches on two replicas, never presenting a refresh token twice", async () => {
    const lb = await startBalancer();
    emu.oauth.allowRedirectUri(`${lb.url}/oauth/callback`);
    fleet = await startFleet(emu, db.url, 2, { PUBLIC_URL: lb.url, USER_TOKEN_KEY: newKey() });
    lb.serve(fleet);
    const random = mulberry32(20);

    const login = emu.messageEvent({ chatType: "p2p", text: "/login", senderOpenId: ALICE });
    await deliverUntilAccepted(emu, fleet, login, random);
    const card = await emu.waitFor(() => emu.repliesTo(login.event.message.message_id)[0], 10_000);
    // Through the balancer: /oauth/start on one replica, the callback on the other.
    expect((await emu.oauth.consent(authorizeUrl(card.card) ?? "", { openId: ALICE })).status).toBe(200);

    const commands = TASKS.map((task, i) => {
      emu.setTask(task, [...Array(12 + i).fill("process"), "success"], { openId: ALICE });
      return emu.messageEvent({
        chatType: "group",
        chatId: CHATS[i % 2],
        text: `/status ${task}`,
        senderOpenId: ALICE,
        mentionBot: true,
      });
    });
    for (const c of commands) await deliverUntilAccepted(emu, fleet, c, random);
    const notices = (id: string) => emu.repliesTo(id).filter((m) => m.msg_type === "text");
    await emu.waitFor(() => commands.every((c) => notices(c.event.message.message_id).length > 0), 60_000);
    await new Promise((r) => setTimeout(r, 1500));

    for (const c of commands) expect(notices(c.event.message.message_id)).toHaveLength(1);
    const refreshes = emu.oauth.refreshes().filter((r) => r.kind === "refresh");
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    expect(refreshes.every((r) => r.outcome === 0)).toBe(true);
    expect(emu.oauth.reusedRefreshTokens()).toEqual([]);
    // Both replicas checked as Alice, and both refreshed her tokens at some point (they took turns).
    const byReplica = (route: string) =>
      new Set(
        emu
          .requestsFor(route as never)
          .map((r) => fleet?.replicaOf(r)?.name)
          .filter(Boolean),
      );
    expect(byReplica("task_check").size).toBe(2);
    expect(
      emu
        .requestsFor("task_check")
        .filter((r) => r.status === 200)
        .every((r) => r.userOpenId === ALICE),
    ).toBe(true);
    console.log(
      `2 replicas, ${TASKS.length} watches of one person, 3 s tokens: ${refreshes.length} refreshes by ${byReplica("oauth_token_v3").size} replica(s), none presented twice`,
    );
  }, 90_000);
});
