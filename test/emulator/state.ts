/**
 * In-memory state of the emulator: tokens, scripted tasks, faults and the request log; the tenant's users
 * and chats (tenant.ts) and its messages (im-store.ts).
 * No I/O here; server.ts and routes.ts read and mutate it.
 */

import { randomHex } from "./crypto";
import { Drive } from "./drive";
import { ImStore } from "./im-store";
import { SlidingWindows } from "./limits";
import { Tenant } from "./tenant";
import type { Fault, RecordedRequest, RouteName } from "./types";

interface IssuedToken {
  expiresAt: number;
  revoked: boolean;
}

interface ScriptedTask {
  statuses: string[];
  served: number;
}

/** Feishu refreshes a tenant token when less than 30 minutes remain; otherwise it returns the same one. */
const TOKEN_REUSE_MIN_REMAINING_MS = 30 * 60 * 1000;

export class EmulatorState {
  requests: RecordedRequest[] = [];
  private readonly tokens = new Map<string, IssuedToken>();
  private tasks = new Map<string, ScriptedTask>();
  private taskChecks = new Map<string, number>();
  private faults: Array<Fault & { remaining: number }> = [];
  /** Rate-limit windows (limits.ts). */
  readonly windows = new SlidingWindows();
  private readonly listeners = new Set<(record: RecordedRequest) => void>();
  /** Users and chats of the emulated tenant. */
  readonly tenant = new Tenant();
  /** Messages, threads and the uuid window. */
  readonly im: ImStore;
  /** Drive folders and files, and the tasks of folder moves and deletes. */
  readonly drive = new Drive();

  /** The emulator clock (options.now): every time the emulator reads goes through it. */
  constructor(
    readonly now: () => number = () => Date.now(),
    private readonly botOpenId?: string,
  ) {
    this.im = new ImStore(now);
    if (botOpenId) this.tenant.addUser(botOpenId);
  }

  // ---- tokens ----
  issueToken(ttlSeconds: number): { token: string; expire: number } {
    const now = this.now();
    for (const [token, t] of this.tokens) {
      if (!t.revoked && t.expiresAt - now > TOKEN_REUSE_MIN_REMAINING_MS) {
        return { token, expire: Math.floor((t.expiresAt - now) / 1000) };
      }
    }
    const token = `t-emu-${randomHex(16)}`;
    this.tokens.set(token, { expiresAt: now + ttlSeconds * 1000, revoked: false });
    return { token, expire: ttlSeconds };
  }

  /** "invalid" for an unknown or revoked token (99991663), "expired" past its expiry (99991677). */
  tokenStatus(token: string | undefined): "ok" | "invalid" | "expired" {
    const now = this.now();
    const t = token === undefined ? undefined : this.tokens.get(token);
    if (t === undefined || t.revoked) return "invalid";
    return t.expiresAt > now ? "ok" : "expired";
  }

  revokeTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  expireTokens(): void {
    const now = this.now();
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
  }

  // ---- request log ----
  onRequest(listener: (record: RecordedRequest) => void): () => void {
    const own = (record: RecordedRequest) => listener(record); // a listener added twice is called twice
    this.listeners.add(own);
    return () => {
      this.listeners.delete(own);
    };
  }

  /** Logs the request and tells the listeners; a listener's error is rethrown later, not on this path. */
  record(record: RecordedRequest): void {
    this.requests.push(record);
    for (const listener of [...this.listeners]) {
      try {
        listener(record);
      } catch (err) {
        setImmediate(() => {
          throw err;
        });
      }
    }
  }

  // ---- tasks ----
  setTask(taskId: string, statuses: string[]): void {
    if (statuses.length === 0) throw new Error(`setTask(${taskId}): give at least one status`);
    this.tasks.set(taskId, { statuses: [...statuses], served: 0 });
  }

  hasTask(taskId: string): boolean {
    return this.tasks.has(taskId);
  }

  /** The next scripted status (the last one repeats forever). */
  nextTaskStatus(taskId: string): string | undefined {
    const task = this.tasks.get(taskId);
    if (!task) return undefined;
    const status = task.statuses[Math.min(task.served, task.statuses.length - 1)];
    task.served++;
    return status;
  }

  countTaskCheck(taskId: string): void {
    this.taskChecks.set(taskId, (this.taskChecks.get(taskId) ?? 0) + 1);
  }

  taskCheckCount(taskId?: string): number {
    if (taskId !== undefined) return this.taskChecks.get(taskId) ?? 0;
    let total = 0;
    for (const n of this.taskChecks.values()) total += n;
    return total;
  }

  // ---- faults ----
  inject(fault: Fault): void {
    const count = fault.count ?? 1;
    if (!(count > 0)) throw new Error(`inject: count must be > 0 (got ${count})`);
    const effect = [fault.hang, fault.delayMs, fault.status, fault.code, fault.body].some(
      (v) => v !== undefined,
    );
    if (!effect) throw new Error("inject: a fault needs hang, delayMs, status, code or body");
    this.faults.push({ ...fault, remaining: count });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Takes (and decrements) the first queued fault matching this request. */
  takeFault(route: RouteName, taskId?: string, messageId?: string): Fault | undefined {
    const i = this.faults.findIndex(
      (f) =>
        f.route === route &&
        (f.taskId === undefined || f.taskId === taskId) &&
        (f.messageId === undefined || f.messageId === messageId),
    );
    if (i < 0) return undefined;
    const fault = this.faults[i];
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(i, 1);
    return fault;
  }

  /** Forget everything the emulator learnt but tokens and listeners (the bot's user stays known). */
  reset(): void {
    this.requests = [];
    this.im.reset();
    this.drive.reset();
    this.tasks = new Map();
    this.taskChecks = new Map();
    this.faults = [];
    this.windows.clear();
    this.tenant.reset();
    if (this.botOpenId) this.tenant.addUser(this.botOpenId);
  }
}
