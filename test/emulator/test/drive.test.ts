/**
 * Drive's folder move and delete through the real SDK (`client.drive.v1.file.move/delete`): a task_id, then
 * task_check reports `process` until the task's duration passes by the emulator clock, then its result.
 */
import type * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CODES, type Emulator, type EmulatorOptions, startEmulator } from "../src";
import { fakeClock, rejection, sdkClient } from "./support/sdk-client";

let emu: Emulator;
let client: lark.Client;
let clock: ReturnType<typeof fakeClock>;

async function start(opts: EmulatorOptions = {}): Promise<void> {
  await emu?.close();
  clock = fakeClock();
  emu = await startEmulator({ now: clock.now, ...opts });
  client = sdkClient(emu);
}
beforeEach(() => start());
afterEach(() => emu.close());

const move = (token: string, folder = "fld_target", type: "folder" | "docx" | "file" = "folder") =>
  client.drive.v1.file.move({ path: { file_token: token }, data: { type, folder_token: folder } });
const remove = (token: string, type: "folder" | "docx" = "folder") =>
  client.drive.v1.file.delete({ path: { file_token: token }, params: { type } });
const check = async (taskId: string) =>
  (await client.drive.v1.file.taskCheck({ params: { task_id: taskId } })).data?.status;

describe("folder move and delete start tasks", () => {
  it("move answers a 19-digit task_id; task_check says process until driveTaskMs passes, then success", async () => {
    emu.addFolder("fld_src");
    emu.addFolder("fld_target");
    const res = await move("fld_src");
    expect(res).toEqual({ code: 0, msg: "success", data: { task_id: expect.stringMatching(/^\d{19}$/) } });
    const taskId = res.data?.task_id as string;
    expect(emu.requestsFor("move_file")[0]).toMatchObject({
      method: "POST",
      path: "/open-apis/drive/v1/files/fld_src/move",
      body: { type: "folder", folder_token: "fld_target" },
    });
    expect(emu.driveTasks()).toEqual([
      {
        task_id: taskId,
        operation: "move",
        file_token: "fld_src",
        folder_token: "fld_target",
        started_at: clock.now(),
        ends_at: clock.now() + 3000,
        result: "success",
      },
    ]);
    expect(await check(taskId)).toBe("process");
    clock.advance(2999);
    expect(await check(taskId)).toBe("process");
    clock.advance(1);
    expect(await check(taskId)).toBe("success");
    expect(emu.taskCheckCount(taskId)).toBe(3);
  });

  it("delete of a folder runs as a task; a second call meanwhile gets 1061045; then the folder is gone", async () => {
    await start({ driveTaskMs: 10_000 });
    emu.addFolder("fld_old");
    const res = await remove("fld_old");
    const taskId = res.data?.task_id as string;
    expect(taskId).toMatch(/^\d{19}$/);
    expect(emu.requestsFor("delete_file")[0]).toMatchObject({ method: "DELETE", query: { type: "folder" } });
    expect(await rejection(remove("fld_old"))).toMatchObject({
      status: 400,
      code: CODES.DRIVE_CAN_RETRY,
      msg: "can retry.",
    });
    clock.advance(10_000);
    expect(await check(taskId)).toBe("success");
    expect(await rejection(remove("fld_old"))).toMatchObject({
      status: 404,
      code: CODES.DRIVE_FILE_DELETED,
      msg: "file has been delete.",
    });
  });

  it("ends a task with fail when the test says so, with a per-folder duration; a failed delete keeps the folder", async () => {
    emu.addFolder("fld_x", { result: "fail", taskMs: 500 });
    const taskId = (await remove("fld_x")).data?.task_id as string;
    expect(await check(taskId)).toBe("process");
    clock.advance(500);
    expect(await check(taskId)).toBe("fail");
    emu.addFolder("fld_target");
    await expect(move("fld_x")).resolves.toMatchObject({ code: 0 });
  });

  it("lets setTask override a drive task's status, and reset forget folders and tasks", async () => {
    emu.addFolder("fld_src");
    emu.addFolder("fld_target");
    const taskId = (await move("fld_src")).data?.task_id as string;
    emu.setTaskStatus(taskId, "fail");
    expect(await check(taskId)).toBe("fail");
    emu.reset();
    expect(emu.driveTasks()).toEqual([]);
    expect(await rejection(client.drive.v1.file.taskCheck({ params: { task_id: taskId } }))).toMatchObject({
      status: 404,
    });
    expect(await rejection(move("fld_src"))).toMatchObject({ status: 404, code: CODES.TASK_NOT_FOUND });
  });
});

describe("files, unknown and forbidden tokens", () => {
  it("moves and deletes a file at once: {} and no task", async () => {
    emu.addFile("dox_1", "docx");
    emu.addFolder("fld_target");
    await expect(move("dox_1", "fld_target", "docx")).resolves.toEqual({ code: 0, msg: "success", data: {} });
    await expect(remove("dox_1", "docx")).resolves.toEqual({ code: 0, msg: "success", data: {} });
    expect(emu.driveTasks()).toEqual([]);
    expect(await rejection(remove("dox_1", "docx"))).toMatchObject({
      status: 404,
      code: CODES.DRIVE_FILE_DELETED,
    });
  });

  it("answers 404 / 1061003 for a token it does not know, unless knowAllFolders", async () => {
    emu.addFolder("fld_target");
    expect(await rejection(move("fld_nope"))).toMatchObject({
      status: 404,
      code: CODES.TASK_NOT_FOUND,
      msg: "not found.",
    });
    expect(await rejection(move("fld_target", "fld_nope"))).toMatchObject({
      status: 404,
      code: CODES.TASK_NOT_FOUND,
    });
    expect(await rejection(remove("fld_nope"))).toMatchObject({ status: 404, code: CODES.TASK_NOT_FOUND });
    await start({ knowAllFolders: true });
    await expect(move("anything", "anywhere")).resolves.toMatchObject({
      code: 0,
      data: { task_id: expect.any(String) },
    });
    await expect(remove("whatever")).resolves.toMatchObject({ code: 0 });
  });

  it("answers 403 / 1061004 (forbidden) and 401 / 1061005 (auth failed), for source or target", async () => {
    emu.addFolder("fld_target");
    emu.addFolder("fld_secret", { access: "forbidden" });
    emu.addFolder("fld_other_app", { access: "auth_failed" });
    expect(await rejection(move("fld_secret"))).toMatchObject({
      status: 403,
      code: CODES.DRIVE_FORBIDDEN,
      msg: "forbidden.",
    });
    expect(await rejection(remove("fld_secret"))).toMatchObject({ status: 403, code: CODES.DRIVE_FORBIDDEN });
    expect(await rejection(move("fld_target", "fld_secret"))).toMatchObject({ status: 403 });
    expect(await rejection(remove("fld_other_app"))).toMatchObject({
      status: 401,
      code: CODES.DRIVE_AUTH_FAILED,
      msg: "auth failed.",
    });
    emu.addFile("sht_locked", "sheet", { access: "forbidden" });
    expect(
      await rejection(
        client.drive.v1.file.delete({ path: { file_token: "sht_locked" }, params: { type: "sheet" } }),
      ),
    ).toMatchObject({ status: 403 });
    expect(emu.driveTasks()).toEqual([]);
  });

  it("answers 400 / 1061002 for missing or mismatched parameters", async () => {
    emu.addFolder("fld_src");
    emu.addFolder("fld_target");
    emu.addFile("dox_1");
    const raw = (method: "POST" | "DELETE", url: string, data?: unknown) =>
      client.request({ method, url, data });
    const params = { status: 400, code: CODES.TASK_PARAMS_ERROR, msg: "params error." };
    expect(
      await rejection(raw("POST", "/open-apis/drive/v1/files/fld_src/move", { folder_token: "fld_target" })),
    ).toMatchObject(params);
    expect(
      await rejection(raw("POST", "/open-apis/drive/v1/files/fld_src/move", { type: "folder" })),
    ).toMatchObject(params);
    expect(await rejection(raw("DELETE", "/open-apis/drive/v1/files/fld_src"))).toMatchObject(params);
    expect(await rejection(move("fld_src", "fld_target", "file"))).toMatchObject(params);
    expect(await rejection(move("fld_src", "dox_1"))).toMatchObject(params); // the target is not a folder
    expect(await rejection(remove("dox_1"))).toMatchObject(params);
    expect(emu.driveTasks()).toEqual([]);
  });

  it("needs a tenant token like every other route", async () => {
    const res = await fetch(`${emu.url}/open-apis/drive/v1/files/fld_src/move`, {
      method: "POST",
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: CODES.INVALID_TOKEN });
  });
});
