/**
 * Drive's file move and delete (`POST /open-apis/drive/v1/files/:file_token/move`,
 * `DELETE /open-apis/drive/v1/files/:file_token?type=`): a folder answers `{"task_id": "<19 digits>"}` and
 * starts an asynchronous task that task_check reports as `process` until its duration passes (emulator
 * clock), then `success` or `fail`; a file is moved or deleted at once and answers `{}` (drive-v1 move/delete
 * docs: "如果你移动/删除的是文件夹，该接口将异步执行"). Errors as the drive file API tables give them.
 * Every item and task belongs to a tenant; another tenant's token gets 403 / 1061004 forbidden for it (what
 * Feishu answers across tenants is not documented [?]; "forbidden" tells it apart from an unknown id). A move or
 * delete made with a person's user token starts a task that is theirs.
 */
import { type Answer, fail, field, ok, type RouteInput } from "./answer";
import { CODES, CROSS_TENANT, HTTP } from "./constants";
import { randomDigits, randomHex } from "./crypto";
import type { EmulatorState } from "./state";
import type { Tenant } from "./tenant";
import type { DriveFileType, DriveItemOptions, DriveTask, EmulatorOptions } from "./types";

const MOVE_TYPES = new Set(["file", "docx", "bitable", "doc", "sheet", "mindnote", "folder", "slides"]);
const DELETE_TYPES = new Set([...MOVE_TYPES, "shortcut"]);

interface DriveItem extends DriveItemOptions {
  token: string;
  type: DriveFileType;
  tenantKey: string;
  /** Deleted (a file at once, a folder when its delete task succeeded): 1061007 from then on. */
  deletedAt?: number;
}

export class Drive {
  private readonly items = new Map<string, DriveItem>();
  readonly tasks = new Map<string, DriveTask>();
  /** task_id → the tenant whose move/delete started it. */
  private readonly taskTenants = new Map<string, string>();

  add(token: string, type: DriveFileType, tenantKey: string, opts: DriveItemOptions = {}): void {
    this.items.set(token, { token, type, ...opts, tenantKey });
  }

  /** The item under this token; with knowAllFolders, an unknown token is a folder of `tenant`. */
  item(token: string, options: Required<EmulatorOptions>, tenant: Tenant): DriveItem | undefined {
    const item = this.items.get(token);
    if (item || !options.knowAllFolders) return item;
    this.add(token, "folder", tenant.key);
    return this.items.get(token);
  }

  addTask(task: DriveTask, tenantKey: string): void {
    this.tasks.set(task.task_id, task);
    this.taskTenants.set(task.task_id, tenantKey);
  }

  /** The tenant a move/delete task belongs to. */
  taskTenant(taskId: string): string | undefined {
    return this.taskTenants.get(taskId);
  }

  /** task_check's status of a drive task at `now`, or undefined for an id no move/delete returned. */
  taskStatus(taskId: string, now: number): string | undefined {
    const task = this.tasks.get(taskId);
    if (!task) return undefined;
    return now < task.ends_at ? "process" : task.result;
  }

  reset(): void {
    this.items.clear();
    this.tasks.clear();
    this.taskTenants.clear();
  }
}

const paramsError = () => fail(HTTP.TASK_PARAMS_ERROR, CODES.TASK_PARAMS_ERROR, "params error.");
const notFound = () => fail(HTTP.TASK_NOT_FOUND, CODES.TASK_NOT_FOUND, "not found.");

const forbidden = () => fail(HTTP.DRIVE_FORBIDDEN, CODES.DRIVE_FORBIDDEN, "forbidden.");

/**
 * Unknown, another tenant's, deleted, forbidden or unauthorised items; undefined when `tenant` may operate on
 * the item.
 */
function refuse(item: DriveItem | undefined, now: number, tenant: Tenant): Answer | undefined {
  if (!item) return notFound();
  if (item.tenantKey !== tenant.key) {
    return fail(CROSS_TENANT.DRIVE.status, CROSS_TENANT.DRIVE.code, CROSS_TENANT.DRIVE.msg); // [?]
  }
  if (item.deletedAt !== undefined && now >= item.deletedAt) {
    return fail(HTTP.DRIVE_FILE_DELETED, CODES.DRIVE_FILE_DELETED, "file has been delete.");
  }
  if (item.access === "forbidden") return forbidden();
  if (item.access === "auth_failed")
    return fail(HTTP.DRIVE_AUTH_FAILED, CODES.DRIVE_AUTH_FAILED, "auth failed.");
  return undefined;
}

/** A folder already has a task in progress: the API "does not support concurrent calls" (1061045) [?]. */
function busy(drive: Drive, token: string, now: number): Answer | undefined {
  for (const task of drive.tasks.values()) {
    if ((task.file_token === token || task.folder_token === token) && now < task.ends_at) {
      return fail(HTTP.DRIVE_CAN_RETRY, CODES.DRIVE_CAN_RETRY, "can retry.");
    }
  }
  return undefined;
}

function startTask(
  { state, options, tenant, user }: Pick<RouteInput, "state" | "options" | "tenant" | "user">,
  item: DriveItem,
  operation: DriveTask["operation"],
  folderToken?: string,
): Answer {
  const now = state.now();
  const task: DriveTask = {
    task_id: `7${randomDigits(18)}`,
    operation,
    file_token: item.token,
    ...(folderToken === undefined ? {} : { folder_token: folderToken }),
    started_at: now,
    // Started with a person's user token: the task is theirs (task_check hides it from the app [?]).
    ...(user ? { owner_open_id: user.openId } : {}),
    ends_at: now + (item.taskMs ?? options.driveTaskMs),
    result: item.result ?? "success",
  };
  state.drive.addTask(task, tenant.key);
  if (operation === "delete" && task.result === "success") item.deletedAt = task.ends_at;
  return ok({ task_id: task.task_id });
}

export function moveFile(input: RouteInput): Answer {
  const { state, options, body, params, tenant } = input;
  const type = field(body, "type");
  const folderToken = field(body, "folder_token");
  if (typeof type !== "string" || !MOVE_TYPES.has(type)) return paramsError();
  if (typeof folderToken !== "string" || folderToken === "") return paramsError();
  const now = state.now();
  const item = state.drive.item(params.file_token, options, tenant);
  const target = state.drive.item(folderToken, options, tenant);
  const refused = refuse(item, now, tenant) ?? refuse(target, now, tenant);
  if (refused || !item) return refused ?? notFound();
  if (item.type !== type || target?.type !== "folder") return paramsError(); // [?] mismatch answer
  if (type !== "folder") return ok({});
  return busy(state.drive, item.token, now) ?? startTask(input, item, "move", folderToken);
}

export function deleteFile(input: RouteInput): Answer {
  const { state, options, query, params, tenant } = input;
  const type = query.type;
  if (!type || !DELETE_TYPES.has(type)) return paramsError();
  const now = state.now();
  const item = state.drive.item(params.file_token, options, tenant);
  const refused = refuse(item, now, tenant);
  if (refused || !item) return refused ?? notFound();
  if (item.type !== type) return paramsError(); // [?] mismatch answer
  if (type !== "folder") {
    item.deletedAt = now;
    return ok({});
  }
  return busy(state.drive, item.token, now) ?? startTask(input, item, "delete");
}

/**
 * A person moves or deletes a folder in the Drive client (not through the API): a new folder (and a target
 * folder for a move) and the task the same code as the API starts, for the console's Drive panel.
 */
export function startFolderTask(
  state: EmulatorState,
  options: Required<EmulatorOptions>,
  tenant: Tenant,
  operation: DriveTask["operation"],
  opts: Pick<DriveItemOptions, "taskMs" | "result"> = {},
): DriveTask {
  const token = `fldcn${randomHex(11)}`;
  state.drive.add(token, "folder", tenant.key, opts);
  const item = state.drive.item(token, options, tenant);
  if (!item) throw new Error("startFolderTask: the folder was not added");
  let target: string | undefined;
  if (operation === "move") {
    target = `fldcn${randomHex(11)}`;
    state.drive.add(target, "folder", tenant.key);
  }
  const answer = startTask({ state, options, tenant }, item, operation, target);
  const taskId = (answer.body as { data?: { task_id?: string } }).data?.task_id ?? "";
  const task = state.drive.tasks.get(taskId);
  if (!task) throw new Error("startFolderTask: no task started");
  return task;
}
