import type * as lark from "@larksuiteoapi/node-sdk";
import { describe, expect, it } from "vitest";
import { moveAndWatch, waitForEnd } from "../../examples/move-and-watch";
import { API_TOKEN } from "../support/api";
import { useBot } from "../support/harness";

/**
 * examples/move-and-watch.ts against the real bot and the emulator. The emulator does not serve Drive's move
 * route yet, so the SDK client here answers the move itself (with a task id as Drive does); everything after
 * it, the registration and the wait, is the example's own code over HTTP.
 */
const TASK = "7360595374803812399";
const CHAT = "oc_example000000000000000000000001";

const t = useBot("each", { API_TOKENS: API_TOKEN });

function driveThatMoves(taskId: string, moves: unknown[]): lark.Client {
  const move = async (payload: unknown) => {
    moves.push(payload);
    return { code: 0, msg: "success", data: { task_id: taskId } };
  };
  return { drive: { v1: { file: { move } } } } as unknown as lark.Client;
}

describe("examples/move-and-watch.ts", () => {
  it("moves, registers the task with an Idempotency-Key, and waits for the end", async () => {
    t.emu.setTask(TASK, ["process", "process", "success"]);
    const moves: unknown[] = [];
    const options = {
      client: driveThatMoves(TASK, moves),
      folderToken: "fldcnFolderToMove",
      targetFolderToken: "fldcnArchive",
      botUrl: `${t.bot.url}/`,
      apiToken: API_TOKEN,
      chatId: CHAT,
      note: "nightly archive",
    };
    const watch = await moveAndWatch(options);
    expect(moves).toEqual([
      { path: { file_token: "fldcnFolderToMove" }, data: { type: "folder", folder_token: "fldcnArchive" } },
    ]);
    expect(watch).toMatchObject({ task_id: TASK, state: "running" });
    const end = await waitForEnd(options, watch.watch_id, 300);
    expect(end).toMatchObject({ watch_id: watch.watch_id, state: "success", end_reason: null });
    const card = t.emu.messages.find((m) => m.chat_id === CHAT && m.msg_type === "interactive");
    expect(JSON.stringify(card?.card)).toContain("nightly archive");

    // Run again for the same task (a retried pipeline step): the same watch, no second card.
    const again = await moveAndWatch(options);
    expect(again.watch_id).toBe(watch.watch_id);
    expect(t.emu.messages.filter((m) => m.msg_type === "interactive")).toHaveLength(1);
  });

  it("says what the bot refused", async () => {
    const options = {
      client: driveThatMoves("12345", []),
      folderToken: "fldcnA",
      targetFolderToken: "fldcnB",
      botUrl: t.bot.url,
      apiToken: API_TOKEN,
      chatId: CHAT,
    };
    await expect(moveAndWatch(options)).rejects.toThrow("the bot answered 400: invalid_task_id");
  });
});
