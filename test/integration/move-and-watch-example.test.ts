import { spawn } from "node:child_process";
import { join } from "node:path";
import * as lark from "@larksuiteoapi/node-sdk";
import { describe, expect, it } from "vitest";
import { moveAndWatch, registerWatch, waitForEnd } from "../../examples/move-and-watch";
import { API_TOKEN } from "../support/api";
import { useBot } from "../support/harness";

/**
 * examples/move-and-watch.ts end to end: the real SDK moves a folder in the emulator's Drive (which answers a
 * task id and reports the task `process` for a while, then `success`), the example registers the task with the
 * real bot's watch API, and the bot's card and notice go into the chat.
 */
const ROOT = join(__dirname, "..", "..");
const CHAT = "oc_example000000000000000000000001";
const ALICE = "ou_a11ce00000000000000000000000001";

const t = useBot("each", { API_TOKENS: API_TOKEN });

const cards = () => t.emu.messages.filter((m) => m.chat_id === CHAT && m.msg_type === "interactive");

function sdkClient(): lark.Client {
  return new lark.Client({
    appId: t.emu.options.appId,
    appSecret: t.emu.options.appSecret,
    domain: t.emu.url,
    cache: new lark.DefaultCache(),
    loggerLevel: lark.LoggerLevel.error,
  });
}

describe("examples/move-and-watch.ts", () => {
  it("moves a folder with the SDK, registers its task, waits for the end; registering again posts nothing new", async () => {
    t.emu.addFolder("fldcnFolderToMove", { taskMs: 1500 });
    t.emu.addFolder("fldcnArchive");
    const options = {
      client: sdkClient(),
      folderToken: "fldcnFolderToMove",
      targetFolderToken: "fldcnArchive",
      botUrl: `${t.bot.url}/`,
      apiToken: API_TOKEN,
      chatId: CHAT,
      mentionOpenId: ALICE,
      note: "nightly archive",
    };
    const watch = await moveAndWatch(options);
    const [task] = t.emu.driveTasks();
    expect(watch).toMatchObject({ task_id: task.task_id, state: "running" });
    const end = await waitForEnd(options, watch.watch_id, 300);
    expect(end).toMatchObject({ watch_id: watch.watch_id, state: "success", end_reason: null });
    expect(cards()).toHaveLength(1);
    expect(JSON.stringify(cards()[0].card)).toContain("nightly archive");
    const notice = await t.emu.waitFor(() => t.emu.repliesTo(cards()[0].message_id)[0], 5000);
    expect(notice.text).toContain(`<at user_id="${ALICE}"></at>`);

    // The same registration again (a retried pipeline step): the same watch, no second card.
    const again = await registerWatch(options, task.task_id);
    expect(again.watch_id).toBe(watch.watch_id);
    expect(cards()).toHaveLength(1);
  });

  it("says what Drive refused", async () => {
    const options = {
      client: sdkClient(),
      folderToken: "fldcnNobodyKnows",
      targetFolderToken: "fldcnNeither",
      botUrl: t.bot.url,
      apiToken: API_TOKEN,
      chatId: CHAT,
    };
    await expect(moveAndWatch(options)).rejects.toThrow();
    await expect(t.bot.app.store.listWatches({ tenantKey: "", openOnly: false, limit: 5 })).resolves.toEqual(
      [],
    );
  });

  it("runs as a script: npx tsx examples/move-and-watch.ts --wait exits 0 once the move succeeded", async () => {
    t.emu.addFolder("fldcnScripted", { taskMs: 1000 });
    t.emu.addFolder("fldcnTarget");
    const child = spawn(
      join(ROOT, "node_modules", ".bin", "tsx"),
      [join(ROOT, "examples", "move-and-watch.ts"), "--wait"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          FEISHU_APP_ID: t.emu.options.appId,
          FEISHU_APP_SECRET: t.emu.options.appSecret,
          FEISHU_DOMAIN: t.emu.url,
          BOT_URL: t.bot.url,
          API_TOKEN,
          FOLDER_TOKEN: "fldcnScripted",
          TARGET_FOLDER_TOKEN: "fldcnTarget",
          OPEN_ID: ALICE,
          NOTE: "from the example script",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, output).toBe(0);
    const taskId = t.emu.driveTasks()[0].task_id;
    expect(output).toContain(`moving: task ${taskId}`);
    expect(output).toContain(`task ${taskId}: success`);
    const card = t.emu.messages.find((m) => m.msg_type === "interactive");
    expect(t.emu.requestsFor("create")[0].query.receive_id_type).toBe("open_id");
    expect(JSON.stringify(card?.card)).toContain("from the example script");
  }, 30_000);
});
