/**
 * The Drive panel's actions: a person starts a folder move or delete in Drive (`startFolderTask`, a task id as
 * the API would answer), or ends a task now (`setTaskStatus`); the panel shows every task with its outcome.
 */
import type { Emulator } from "../index";
import { ConsoleError, need } from "./errors";

type Json = Record<string, unknown>;

export class DrivePanel {
  private readonly forced = new Map<string, "success" | "fail">();

  constructor(
    private readonly emu: Emulator,
    private readonly changed: (tasks: Json[]) => void,
  ) {}

  startTask(input: Json): Json {
    const operation =
      input.operation === "move" || input.operation === "delete" ? input.operation : undefined;
    const outcome = input.outcome === "success" || input.outcome === "fail" ? input.outcome : undefined;
    const seconds = typeof input.seconds === "number" ? input.seconds : Number.NaN;
    if (!operation) throw new ConsoleError(400, "operation: move or delete");
    if (!outcome) throw new ConsoleError(400, "outcome: success or fail");
    if (!(seconds >= 0 && seconds <= 86_400)) throw new ConsoleError(400, "seconds: from 0 to 86400");
    const task = this.emu.startFolderTask(operation, { taskMs: Math.round(seconds * 1000), result: outcome });
    this.changed(this.tasks());
    return { ...task };
  }

  endTask(input: Json): Json {
    const taskId = typeof input.taskId === "string" ? input.taskId : "";
    const task = need(
      this.emu.driveTasks().find((t) => t.task_id === taskId),
      404,
      "taskId: no such Drive task",
    );
    const outcome = input.outcome === "success" || input.outcome === "fail" ? input.outcome : undefined;
    if (!outcome) throw new ConsoleError(400, "outcome: success or fail");
    this.emu.setTaskStatus(task.task_id, outcome);
    this.forced.set(task.task_id, outcome);
    this.changed(this.tasks());
    return { ...task, forced: outcome };
  }

  tasks(): Json[] {
    return this.emu.driveTasks().map((t) => ({ ...t, forced: this.forced.get(t.task_id) ?? null }));
  }
}
