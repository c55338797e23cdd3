/**
 * Child process of bench/completion.ts: the emulator and the real bot in one process (one scenario per
 * process, so scenarios can run side by side). 200 /status commands arrive as DMs from 20 users; each task
 * turns "success" in the emulator at a known time; the latency is from that flip to the notification
 * reaching the emulator.
 *   staggered — commands arrive at `rate` per second; each task flips a uniform 0–POLL s after its card
 *               was posted (so flips fall at every phase of the polling schedule)
 *   burst     — all commands at once; once every card is posted, all tasks flip at the same instant
 * The baseline watcher ("naive") is the obvious loop: setInterval(1 s) over an array, the SDK's taskCheck
 * for each due watch, and on success the SDK's reply with the notice; no budget, no pacing, no retry. It
 * starts watching at the moment the bot would get the command; its "card" moment is its first task_check.
 * argv[2]: JSON CompletionSpec. Answers "result" (CompletionResult) when done or out of time.
 */
import { join } from "node:path";
import * as lark from "@larksuiteoapi/node-sdk";
import { type Emulator, startEmulator } from "@taskbot/feishu-emulator";
import { ENCRYPT_KEY, type RunningBot, startBot, tempDir, VERIFICATION_TOKEN } from "./bot";
import { serve, tell } from "./child";
import { taskId } from "./fleet";

export interface CompletionSpec {
  label: string;
  watcher: "bot" | "naive";
  mode: "staggered" | "burst";
  tasks: number;
  /** staggered: commands per second. */
  rate: number;
  rps: number;
  poll: number;
  /** Distinguishes the task ids of one scenario from another's. */
  scenario: number;
}

export type CompletionResult = {
  type: "result";
  label: string;
  latenciesMs: number[];
  missing: number;
  duplicates: number;
  violations: number;
  taskChecks: number;
  messageCalls: number;
  seconds: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The obvious alternative: returns `watch(task, commandMessageId)` and `stop()`. */
function naiveWatcher(emu: Emulator, pollSeconds: number) {
  const client = new lark.Client({
    appId: emu.options.appId,
    appSecret: emu.options.appSecret,
    domain: emu.url,
    cache: new lark.DefaultCache(),
    loggerLevel: lark.LoggerLevel.error,
  });
  const watches: Array<{ task: string; messageId: string; next: number; done: boolean }> = [];
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    for (const w of watches) {
      if (w.done || w.next > Date.now()) continue;
      const res = await client.drive.v1.file
        .taskCheck({ params: { task_id: w.task } })
        .catch(() => undefined);
      w.next = Date.now() + pollSeconds * 1000;
      const status = res?.data?.status;
      if (status !== "success" && status !== "fail") continue;
      w.done = true;
      await client.im.v1.message
        .reply({
          path: { message_id: w.messageId },
          data: {
            msg_type: "text",
            content: JSON.stringify({ text: `Task ${w.task}: ${status}` }),
            uuid: `notify-${w.messageId}`.slice(0, 50),
          },
        })
        .catch(() => undefined); // the obvious loop logs and moves on
    }
    busy = false;
  }, 1000);
  return {
    watch: (task: string, messageId: string) =>
      watches.push({ task, messageId, next: Date.now(), done: false }),
    stop: () => clearInterval(timer),
  };
}

async function run(spec: CompletionSpec): Promise<CompletionResult> {
  const started = Date.now();
  const emu = await startEmulator({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
  const tmp = tempDir();
  const bot: RunningBot | undefined =
    spec.watcher === "bot"
      ? await startBot(emu.url, join(tmp.dir, "bot.sqlite"), {
          TASK_CHECK_RPS: String(spec.rps),
          POLL_INTERVAL_SECONDS: String(spec.poll),
        })
      : undefined;
  const naive = spec.watcher === "naive" ? naiveWatcher(emu, spec.poll) : undefined;
  try {
    const commands = Array.from({ length: spec.tasks }, (_, i) => {
      const task = taskId(spec.scenario, i);
      emu.setTaskStatus(task, "process");
      const envelope = emu.messageEvent({
        chatType: "p2p",
        senderOpenId: `ou_completion_${spec.scenario}_${i % 20}`,
        text: `/status ${task}`,
      });
      return { task, messageId: envelope.event.message.message_id, envelope };
    });
    const byMessage = new Map(commands.map((c) => [c.messageId, c]));
    const flippedAt = new Map<string, number>();
    const carded = new Set<string>();
    const timers = new Set<NodeJS.Timeout>();
    const flip = (task: string) => {
      emu.setTaskStatus(task, "success");
      flippedAt.set(task, Date.now());
    };
    const byTask = new Map(commands.map((c) => [c.task, c]));
    // The bot's card is a reply with a "card-" uuid to the command message: from then on the watch is
    // active. The naive loop has no card: its first task_check for the task plays that part.
    emu.onRequest((record) => {
      const body = record.body as { uuid?: string } | undefined;
      const command = naive
        ? record.route === "task_check"
          ? byTask.get(record.query.task_id ?? "")
          : undefined
        : record.route === "reply" && body?.uuid?.startsWith("card-")
          ? byMessage.get(record.path.split("/")[5] ?? "")
          : undefined;
      if (!command || carded.has(command.task)) return;
      carded.add(command.task);
      if (spec.mode === "staggered") {
        const t = setTimeout(
          () => {
            timers.delete(t);
            flip(command.task);
          },
          Math.random() * spec.poll * 1000,
        );
        timers.add(t);
      }
    });

    const deliver = async (c: (typeof commands)[number]) => {
      if (naive) {
        naive.watch(c.task, c.messageId);
        return;
      }
      const answer = await emu.deliver(`${bot?.url}/webhook/event`, c.envelope);
      if (answer.status !== 200) throw new Error(`command for ${c.task} answered ${answer.status}`);
    };
    if (spec.mode === "staggered") {
      const sends: Promise<void>[] = [];
      for (const [i, c] of commands.entries()) {
        await sleep(Math.max(0, started + (i * 1000) / spec.rate - Date.now()));
        sends.push(deliver(c));
      }
      await Promise.all(sends);
    } else {
      for (let i = 0; i < commands.length; i += 10) await Promise.all(commands.slice(i, i + 10).map(deliver));
      const setupDeadline = Date.now() + 150_000;
      while (carded.size < commands.length && Date.now() < setupDeadline) await sleep(50);
      if (carded.size < commands.length) throw new Error(`only ${carded.size} cards posted in 150 s`);
      await sleep(1000);
      for (const c of commands) flip(c.task);
    }

    const notices = () =>
      emu.messages.filter(
        (m) => m.msg_type === "text" && m.uuid?.startsWith("notify-") && byMessage.has(m.reply_to ?? ""),
      );
    // The bot paces 2 messages per finished watch; the naive loop either notifies within a pass or never.
    const deadline = Date.now() + (naive ? 20_000 : spec.mode === "burst" ? 150_000 : 60_000);
    while (notices().length < commands.length && Date.now() < deadline) await sleep(100);
    for (const t of timers) clearTimeout(t);

    const latenciesMs: number[] = [];
    const seen = new Map<string, number>();
    for (const m of notices()) {
      const c = byMessage.get(m.reply_to ?? "");
      if (!c) continue;
      seen.set(c.task, (seen.get(c.task) ?? 0) + 1);
      const flipped = flippedAt.get(c.task);
      if (flipped !== undefined && seen.get(c.task) === 1) latenciesMs.push(m.created_at - flipped);
    }
    return {
      type: "result",
      label: spec.label,
      latenciesMs,
      missing: commands.length - seen.size,
      duplicates: [...seen.values()].reduce((a, n) => a + n - 1, 0),
      violations: emu.violations().length,
      taskChecks: emu.requestsFor("task_check").length,
      messageCalls: emu.requests.filter((r) => ["reply", "create", "patch"].includes(r.route)).length,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    naive?.stop();
    await bot?.stop();
    await emu.close();
    tmp.remove();
  }
}

const spec = JSON.parse(process.argv[2] ?? "{}") as CompletionSpec;
const fail = serve({}, async () => undefined);
run(spec).then((result) => tell(result), fail);
