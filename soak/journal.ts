import { appendFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What the soak did, in order: the workload's commands, tasks, clicks and API calls, the nemesis's faults, and
 * the replicas' exits. The emulator keeps its own journal (every request and answer, every message); the checker
 * reads both. Everything is also written, one JSON line each, to `journal.ndjson` in the run's folder, and the
 * replicas' output to `replicas.log`.
 */
export type CommandKind = "status" | "stop" | "list" | "help" | "other";

export interface CommandRecord {
  deployment: string;
  /** The command message's id: the bot's replies point to it. */
  messageId: string;
  tenant: string;
  chatId: string;
  sender: string;
  kind: CommandKind;
  /** The ids a /status or /stop names (valid and unknown). */
  taskIds: string[];
  text: string;
  rich: boolean;
  at: number;
  via: "webhook" | "websocket";
  /** Feishu got a 2xx (or an ack) for it: the bot owes an answer. */
  accepted: boolean;
  attempts: number;
}

export interface TaskRecord {
  deployment: string;
  taskId: string;
  tenant: string;
  startedAt: number;
  /** When its status changed to its outcome at Feishu (undefined while it runs). */
  endsAt?: number;
  outcome: "success" | "fail";
}

export interface ClickRecord {
  deployment: string;
  at: number;
  cardMessageId: string;
  action: "refresh" | "stop";
  operator: string;
  /** What the bot answered (toast type), or why nothing. */
  answer: string;
}

export interface ApiRecord {
  deployment: string;
  at: number;
  tenant: string;
  taskId: string;
  chatId: string;
  key?: string;
  /** Every answer to the same request (a retry sends it again). */
  answers: { status: number; watchId?: string }[];
}

export interface FaultRecord {
  at: number;
  kind: string;
  target: string;
  detail: string;
  /** When it was lifted (faults that last). */
  until?: number;
}

export interface ExitRecord {
  at: number;
  replica: string;
  incarnation: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
}

export class Journal {
  readonly commands: CommandRecord[] = [];
  readonly tasks = new Map<string, TaskRecord>();
  readonly clicks: ClickRecord[] = [];
  readonly api: ApiRecord[] = [];
  readonly faults: FaultRecord[] = [];
  readonly exits: ExitRecord[] = [];
  /** Ticket pushes, uninstalls, re-pushes, duplicate deliveries: counted for the table. */
  readonly counts = new Map<string, number>();
  /** Tenants uninstalled, with when. */
  readonly uninstalled = new Map<string, number>();
  readonly started = Date.now();

  constructor(private readonly dir: string) {}

  count(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  private write(record: object): void {
    appendFileSync(join(this.dir, "journal.ndjson"), `${JSON.stringify(record)}\n`);
  }

  note(text: string): void {
    this.write({ at: Date.now(), note: text });
  }

  command(c: CommandRecord): void {
    this.commands.push(c);
    this.write({ command: c });
  }

  task(t: TaskRecord): void {
    this.tasks.set(t.taskId, t);
    this.write({ task: t });
  }

  ended(taskId: string, at: number): void {
    const t = this.tasks.get(taskId);
    if (t) t.endsAt = at;
    this.write({ at, ended: taskId, outcome: t?.outcome });
  }

  click(c: ClickRecord): void {
    this.clicks.push(c);
    this.write({ click: c });
  }

  apiCall(a: ApiRecord): void {
    this.api.push(a);
    this.write({ api: a });
  }

  fault(f: FaultRecord): FaultRecord {
    this.faults.push(f);
    this.write({ fault: f });
    console.log(
      `  ${((f.at - this.started) / 1000).toFixed(1).padStart(7)} s  nemesis ${f.kind.padEnd(16)} ${f.target} ${f.detail}`,
    );
    return f;
  }

  exit(e: ExitRecord): void {
    this.exits.push(e);
    this.write({ exit: e });
  }

  replicaLine(deployment: string, replica: string, incarnation: number, line: string): void {
    appendFileSync(join(this.dir, "replicas.log"), `${deployment} ${replica}#${incarnation} ${line}\n`);
  }
}
