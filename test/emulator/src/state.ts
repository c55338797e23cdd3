/**
 * In-memory state of the emulator: tokens (tenant_access_tokens per tenant, a store app's app_access_tokens),
 * app tickets, scripted tasks, faults and the request log; the tenants with their users and chats
 * (tenant.ts), the messages (im-store.ts), Drive (drive.ts) and user authorization (oauth-state.ts).
 * No I/O here; server.ts and routes.ts read and mutate it.
 */

import { TENANT_KEY } from "./constants";
import { randomHex } from "./crypto";
import { Drive } from "./drive";
import { ImStore } from "./im-store";
import { SlidingWindows } from "./limits";
import { OAuthState } from "./oauth-state";
import { Tenants } from "./tenant";
import { AppTickets } from "./tickets";
import type { Fault, RecordedRequest, RouteName, TicketPush } from "./types";

interface IssuedToken {
  kind: "tenant" | "app";
  /** Tenant tokens: the tenant they act in. */
  tenantKey?: string;
  expiresAt: number;
  revoked: boolean;
}

interface ScriptedTask {
  statuses: string[];
  served: number;
  /** The tenant the task belongs to (task_check from another tenant is refused). */
  tenantKey: string;
  /** A person's task: only their user token sees it. */
  ownerOpenId?: string;
}

/** What the token check found: the token's state and, for a tenant token, its tenant. */
export interface TokenCheck {
  status: "ok" | "invalid" | "expired";
  tenantKey?: string;
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
  private readonly answerListeners = new Set<(record: RecordedRequest) => void>();
  /** Every tenant (the default one, and a store app's others) with its users and chats. */
  readonly tenants: Tenants;
  /** Messages, threads and the uuid window. */
  readonly im: ImStore;
  /** Drive folders and files, and the tasks of folder moves and deletes. */
  readonly drive = new Drive();
  /** A store app's app tickets (tickets.ts). */
  readonly tickets: AppTickets;
  /** Where app_ticket/resend pushes the ticket ("" = nowhere); options.ticketPushUrl, setTicketPushUrl(). */
  ticketPushUrl = "";
  /** Every app_ticket push so far (pushAppTicket, resend), in order. */
  ticketPushes: TicketPush[] = [];
  /** User authorization: console settings, grants, codes, user tokens, refresh-token presentations. */
  readonly oauth: OAuthState;

  /** The emulator clock (options.now): every time the emulator reads goes through it. */
  constructor(
    readonly now: () => number = () => Date.now(),
    botOpenId = "",
    defaultTenantKey = TENANT_KEY,
    ticketGraceMs = 0,
    oauth: { redirectUris: readonly string[]; refreshEnabled: boolean } = {
      redirectUris: [],
      refreshEnabled: true,
    },
  ) {
    this.oauth = new OAuthState(now, oauth.redirectUris, oauth.refreshEnabled);
    this.im = new ImStore(now);
    this.tenants = new Tenants(defaultTenantKey, botOpenId);
    this.tickets = new AppTickets(now, ticketGraceMs);
  }

  // ---- tokens ----
  /**
   * A tenant_access_token for this tenant: the one already issued while more than 30 minutes remain (as
   * Feishu), else a new one.
   */
  issueToken(ttlSeconds: number, tenantKey: string): { token: string; expire: number } {
    return this.issue("tenant", "t-emu-", ttlSeconds, tenantKey);
  }

  /** A store app's app_access_token, reused the same way. */
  issueAppToken(ttlSeconds: number): { token: string; expire: number } {
    return this.issue("app", "a-emu-", ttlSeconds);
  }

  private issue(
    kind: IssuedToken["kind"],
    prefix: string,
    ttlSeconds: number,
    tenantKey?: string,
  ): { token: string; expire: number } {
    const now = this.now();
    for (const [token, t] of this.tokens) {
      if (t.kind !== kind || t.tenantKey !== tenantKey) continue;
      if (!t.revoked && t.expiresAt - now > TOKEN_REUSE_MIN_REMAINING_MS) {
        return { token, expire: Math.floor((t.expiresAt - now) / 1000) };
      }
    }
    const token = `${prefix}${randomHex(16)}`;
    this.tokens.set(token, { kind, tenantKey, expiresAt: now + ttlSeconds * 1000, revoked: false });
    return { token, expire: ttlSeconds };
  }

  /**
   * A bearer token on an API call: "invalid" for an unknown or revoked one, or an app_access_token
   * (99991663), "expired" past its expiry (99991677); a tenant token names its tenant.
   */
  tokenStatus(token: string | undefined): TokenCheck {
    const t = token === undefined ? undefined : this.tokens.get(token);
    if (t === undefined || t.revoked || t.kind !== "tenant") return { status: "invalid" };
    return { status: t.expiresAt > this.now() ? "ok" : "expired", tenantKey: t.tenantKey };
  }

  /** An app_access_token in a store tenant_access_token request: usable or not (99991664). */
  appTokenUsable(token: unknown): boolean {
    const t = typeof token === "string" ? this.tokens.get(token) : undefined;
    return t !== undefined && t.kind === "app" && !t.revoked && t.expiresAt > this.now();
  }

  /** Revokes every token issued so far, or only this tenant's tenant tokens. */
  revokeTokens(tenantKey?: string): void {
    for (const t of this.tokens.values()) {
      if (tenantKey === undefined || (t.kind === "tenant" && t.tenantKey === tenantKey)) t.revoked = true;
    }
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

  onAnswer(listener: (record: RecordedRequest) => void): () => void {
    const own = (record: RecordedRequest) => listener(record);
    this.answerListeners.add(own);
    return () => {
      this.answerListeners.delete(own);
    };
  }

  /** Logs the request and tells the listeners; a listener's error is rethrown later, not on this path. */
  record(record: RecordedRequest): void {
    this.requests.push(record);
    notify(this.listeners, record);
  }

  /** The request was answered (status and response set): tells the answer listeners. */
  answered(record: RecordedRequest): void {
    notify(this.answerListeners, record);
  }

  // ---- tasks ----
  setTask(
    taskId: string,
    statuses: string[],
    tenantKey = this.tenants.default.key,
    ownerOpenId?: string,
  ): void {
    if (statuses.length === 0) throw new Error(`setTask(${taskId}): give at least one status`);
    const tenant = this.tenants.require(tenantKey, "setTask");
    if (ownerOpenId !== undefined) tenant.addUser(ownerOpenId);
    this.tasks.set(taskId, { statuses: [...statuses], served: 0, tenantKey, ownerOpenId });
  }

  hasTask(taskId: string): boolean {
    return this.tasks.has(taskId);
  }

  /**
   * Whose a task is: a scripted one's tenant (and person), else the tenant (and person, with a user token) whose
   * move/delete started it.
   */
  taskOwner(taskId: string): { tenantKey: string; openId?: string } | undefined {
    const scripted = this.tasks.get(taskId);
    if (scripted) return { tenantKey: scripted.tenantKey, openId: scripted.ownerOpenId };
    const tenantKey = this.drive.taskTenant(taskId);
    return tenantKey === undefined
      ? undefined
      : { tenantKey, openId: this.drive.tasks.get(taskId)?.owner_open_id };
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

  /**
   * Forget everything the emulator learnt but tokens, tickets, tenants (with their install status) and
   * listeners (each tenant's bot user stays known).
   */
  reset(): void {
    this.requests = [];
    this.im.reset();
    this.drive.reset();
    this.tasks = new Map();
    this.taskChecks = new Map();
    this.faults = [];
    this.windows.clear();
    this.tenants.reset();
    this.ticketPushes = [];
    this.oauth.reset();
  }
}

function notify(listeners: Set<(record: RecordedRequest) => void>, record: RecordedRequest): void {
  for (const listener of [...listeners]) {
    try {
      listener(record);
    } catch (err) {
      setImmediate(() => {
        throw err;
      });
    }
  }
}
