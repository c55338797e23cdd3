/**
 * User authorization, two figures:
 *   1. Token refreshes per person-hour at Feishu's real lifetimes (access token 7200 s, refresh token 7 days):
 *      one person's watch of a task hidden from the app, run for BENCH_AUTH_HOURS simulated hours on one
 *      clock shared by the bot's engine and the emulator (the polling schedule slows down with age, as in
 *      production), counting the refreshes Feishu receives. A second watch of the same person at the same time
 *      must not add any.
 *   2. The time from the callback to the card coming alive: the real bot and emulator over loopback,
 *      BENCH_AUTH_RUNS times: a hidden task's card, a second later the person's browser through Feishu's page,
 *      and the moment the emulator receives the card's update (from the code exchange, the callback's first
 *      call to Feishu). Each task then ends, so no other watch is checked meanwhile.
 *
 *   npm run bench:user-auth        env: BENCH_AUTH_HOURS (8), BENCH_AUTH_RUNS (20)
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@taskbot/feishu-emulator";
import { Identities } from "../src/auth/identities";
import { Sealer } from "../src/auth/sealing";
import { FeishuClient } from "../src/feishu/client";
import { OAuthClient } from "../src/feishu/oauth-client";
import { PacedFeishu } from "../src/feishu/paced";
import { createMetrics } from "../src/metrics";
import { Outbox } from "../src/outbox";
import { SqliteStore } from "../src/store/sqlite";
import { WatchEngine } from "../src/watch/engine";
import { freePort } from "../test/support/child-bot";
import { grantAt } from "../test/support/user-auth";
import { ENCRYPT_KEY, quietLogger, startBot, tempDir, VERIFICATION_TOKEN } from "./lib/bot";
import { heading, printVerdicts, runMain, table } from "./lib/report";
import { fmt, median, percentile } from "./lib/stats";

const HOURS = Number(process.env.BENCH_AUTH_HOURS ?? 8);
const RUNS = Number(process.env.BENCH_AUTH_RUNS ?? 20);
const ALICE = "ou_a11ce0000000000000000000000000a1";
const REDIRECT = "http://bot.bench.test/oauth/callback";

/** Part 1: a simulated day's share of refreshes at Feishu's own lifetimes. */
async function refreshesPerHour(): Promise<{
  refreshes: number;
  hours: number;
  checks: number;
  reused: number;
}> {
  const clock = { now: Date.UTC(2026, 0, 5, 9, 0, 0) };
  const now = () => clock.now;
  const emu = await startEmulator({ now, hiddenTaskCode: 1061004, redirectUris: [REDIRECT] });
  const store = new SqliteStore(":memory:");
  const logger = quietLogger();
  const metrics = createMetrics(() => store.countOpenWatches());
  try {
    const options = { appId: emu.options.appId, appSecret: emu.options.appSecret, domain: emu.url, logger };
    const feishu = new PacedFeishu(new FeishuClient(options), store, { taskCheckRps: 50, metrics });
    const keys = [randomBytes(32)];
    const oauth = new OAuthClient({ ...options, accountsDomain: emu.url });
    const identities = new Identities({
      config: { publicUrl: "http://bot.bench.test", redirectUri: REDIRECT, keys, accountsDomain: emu.url },
      store,
      oauth,
      sealer: new Sealer(keys),
      metrics,
      logger,
      now,
    });
    const engine = new WatchEngine({
      store,
      feishu,
      identities,
      outbox: new Outbox(store, feishu, now),
      logger,
      metrics,
      now,
      owner: "bench",
      pollIntervalSeconds: 5,
      taskCheckRps: 50,
      watchTimeoutMinutes: HOURS * 60 + 60,
      locale: "en_us",
    });
    // Alice authorizes (page, code, exchange), then two of her tasks are watched.
    emu.addUser(ALICE);
    await identities.keep("", ALICE, await grantAt(emu, oauth, ALICE, REDIRECT));
    const tasks = ["7360595374803813001", "7360595374803813002"];
    for (const task of tasks) {
      emu.setTask(task, ["process"], { openId: ALICE });
      const command = emu.messageEvent({ chatType: "p2p", text: `/status ${task}`, senderOpenId: ALICE });
      const m = command.event.message;
      await store.createWatch(
        {
          tenantKey: "",
          taskId: task,
          origin: "command",
          chatId: m.chat_id,
          chatType: "p2p",
          requesterOpenId: ALICE,
          commandMessageId: m.message_id,
        },
        clock.now,
      );
    }
    const end = clock.now + HOURS * 3600_000;
    let checks = 0;
    while (clock.now < end) {
      checks += await engine.round();
      const due = (await store.listWatches({ tenantKey: "", openOnly: true, limit: 10 })).map(
        (w) => w.nextCheckAt,
      );
      clock.now = Math.max(clock.now + 1000, Math.min(...due));
    }
    const refreshes = emu.oauth.refreshes().filter((r) => r.kind === "refresh" && r.outcome === 0).length;
    return { refreshes, hours: HOURS, checks, reused: emu.oauth.reusedRefreshTokens().length };
  } finally {
    await store.close();
    await emu.close();
  }
}

/** Part 2: from the callback's exchange to the card's update, over loopback. */
async function callbackToAlive(): Promise<number[]> {
  const emu: Emulator = await startEmulator({
    encryptKey: ENCRYPT_KEY,
    verificationToken: VERIFICATION_TOKEN,
    hiddenTaskCode: 1061004,
  });
  const tmp = tempDir();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  emu.oauth.allowRedirectUri(`${publicUrl}/oauth/callback`);
  const bot = await startBot(emu.url, join(tmp.dir, "bot.sqlite"), {
    PUBLIC_URL: publicUrl,
    USER_TOKEN_KEY: randomBytes(32).toString("base64"),
    POLL_INTERVAL_SECONDS: "1",
    PORT: String(port),
  });
  // startBot listens on a free port of its own: the bench's PUBLIC_URL must be that one.
  if (!bot.url.endsWith(`:${port}`)) throw new Error(`the bot listens on ${bot.url}, not on ${publicUrl}`);
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const person = `ou_bench_person_${String(i).padStart(4, "0")}`;
      const task = `73605953748038140${String(i).padStart(2, "0")}`;
      emu.addUser(person);
      emu.setTask(task, ["process"], { openId: person });
      const command = emu.messageEvent({ chatType: "p2p", text: `/status ${task}`, senderOpenId: person });
      await emu.deliver(`${bot.url}/webhook/event`, command);
      const card = await emu.waitFor(
        () => emu.repliesTo(command.event.message.message_id).find((m) => m.msg_type === "interactive"),
        10_000,
      );
      const button = /"default_url":"([^"]+)"/.exec(JSON.stringify(card.card))?.[1] ?? "";
      // A person reads the card before clicking: a second, so the check as them is not paced behind the app's
      // check of a moment ago (TASK_CHECK_RPS spaces task_check calls 200 ms apart).
      await new Promise((r) => setTimeout(r, 1000));
      const before = emu.requests.length;
      await emu.oauth.consent(JSON.parse(`"${button}"`), { openId: person });
      await emu.waitFor(
        () => !JSON.stringify(emu.message(card.message_id)?.card).includes("Needs authorization"),
        10_000,
      );
      const after = emu.requests.slice(before);
      const exchanged = after.find((r) => r.route === "oauth_token_v3")?.at ?? 0;
      const alive = after.find((r) => r.route === "patch" && r.path.includes(card.message_id))?.at ?? 0;
      times.push(alive - exchanged);
      // The task ends, so the next run's check waits behind no other watch's (TASK_CHECK_RPS paces them all).
      emu.setTaskStatus(task, "success");
      await emu.waitFor(
        () => emu.repliesTo(command.event.message.message_id).some((m) => m.msg_type === "text"),
        10_000,
      );
      if (process.env.BENCH_AUTH_TRACE) {
        console.log(after.map((r) => `${r.route}+${r.at - exchanged}`).join(" "));
      }
    }
    return times;
  } finally {
    await bot.stop();
    await emu.close();
    tmp.remove();
  }
}

async function main(): Promise<void> {
  heading("User authorization: refreshes at Feishu's lifetimes, and the callback to a live card");
  const part1 = await refreshesPerHour();
  const perHour = part1.refreshes / part1.hours;
  console.log(
    table([
      [
        "simulated",
        "watches of one person",
        "task_check as her",
        "refreshes",
        "per person-hour",
        "refresh tokens presented twice",
      ],
      [`${part1.hours} h`, 2, part1.checks, part1.refreshes, fmt(perHour, 2), part1.reused],
    ]),
  );
  const times = await callbackToAlive();
  console.log(
    table([
      ["runs", "median ms", "p95 ms", "max ms"],
      [times.length, fmt(median(times), 0), fmt(percentile(times, 95), 0), fmt(Math.max(...times), 0)],
    ]),
  );
  printVerdicts("User authorization verdicts", [
    {
      name: "refreshes per person-hour (access token 2 h, refreshed 5 min early)",
      target: "<= 0.55",
      measured: fmt(perHour, 2),
      ok: perHour <= 0.55,
      gap: `${fmt(perHour - 0.55, 2)} over`,
    },
    {
      name: "refresh tokens presented twice",
      target: "0",
      measured: String(part1.reused),
      ok: part1.reused === 0,
      gap: String(part1.reused),
    },
    {
      name: "callback to a live card, median",
      target: "< 1000 ms",
      measured: `${fmt(median(times), 0)} ms`,
      ok: median(times) < 1000,
      gap: `${fmt(median(times) - 1000, 0)} ms over`,
    },
  ]);
}

runMain(main);
