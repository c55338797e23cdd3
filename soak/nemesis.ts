import type { Fault, RouteName } from "@taskbot/feishu-emulator";
import type { FaultRecord, Journal } from "./journal";
import { chance, int, pick, type Random } from "./random";
import type { Deployment, Replica } from "./world";

/** The lease a replica holds work under (src/store/roles.ts LEASE_MS); a freeze lasts longer than it. */
const LEASE_MS = 20_000;

export const FAULT_KINDS = [
  "kill",
  "term",
  "freeze",
  "db-cut",
  "db-restart",
  "feishu-cut",
  "feishu-5xx",
  "feishu-429",
  "feishu-timeout",
  "slow-task-check",
  "refusal",
  "ws-drop",
  "ws-garbage",
  "skew",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Database {
  /** "embedded": the soak's own server, restarted for real; "external": its connections are terminated. */
  kind: "embedded" | "external";
  restart(downMs: number): Promise<void>;
}

/**
 * The nemesis: one fault every few seconds, drawn from the seed, logged with its time. Kinds come from a
 * shuffled deck (every kind once per deck, SIGKILL twice), so a long run injects each of them evenly. At most
 * one replica of a deployment is down, frozen or cut off at a time, so the deployment as a whole stays up,
 * as the README's guarantees assume; the database and Feishu go away for everyone.
 */
export class Nemesis {
  private deck: FaultKind[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly restarting = new Set<Replica>();
  private readonly muted = new Set<string>();

  constructor(
    private readonly deployments: Deployment[],
    /** Undefined on SQLite: no database faults then. */
    private readonly db: Database | undefined,
    private readonly journal: Journal,
    private readonly random: Random,
    private readonly only?: FaultKind,
  ) {}

  /** The next fault's kind, from the deck. */
  private draw(): FaultKind {
    if (this.only) return this.only;
    if (!this.deck.length) {
      this.deck = [...FAULT_KINDS, "kill"];
      for (let i = this.deck.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [this.deck[i], this.deck[j]] = [this.deck[j], this.deck[i]];
      }
    }
    return this.deck.pop() as FaultKind;
  }

  /** The pause before the next fault. */
  nextDelayMs(): number {
    return int(this.random, 6000, 18_000);
  }

  strike(): void {
    const kind = this.draw();
    const websocket = this.deployments.filter((d) => d.replicas.some((r) => r.websocket));
    const pool = kind === "ws-drop" || kind === "ws-garbage" ? websocket : this.deployments;
    if (!pool.length || (!this.db && (kind === "db-cut" || kind === "db-restart"))) {
      this.journal.count(`not applicable: ${kind}`);
      return;
    }
    const d = pick(this.random, pool);
    const work = this.apply(kind, d).catch((error) =>
      this.journal.note(`nemesis ${kind} failed: ${String(error)}`),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** A replica that may be taken away now: alive, not already the victim of another fault. */
  private victim(d: Deployment): Replica | undefined {
    const candidates = d.replicas.filter((r) => r.alive && !r.frozen && !this.restarting.has(r));
    // Keep the rest of the deployment up: never take the last healthy replica.
    const healthy = d.replicas.filter((r) => r.alive && !r.frozen && !this.restarting.has(r));
    if (healthy.length < 2) return undefined;
    return candidates.length ? pick(this.random, candidates) : undefined;
  }

  private record(kind: FaultKind, target: string, detail: string): FaultRecord {
    return this.journal.fault({ at: Date.now(), kind, target, detail });
  }

  private lifted(f: FaultRecord): void {
    f.until = Date.now();
  }

  private async apply(kind: FaultKind, d: Deployment): Promise<void> {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    switch (kind) {
      case "kill":
      case "term":
      case "skew": {
        const r = this.victim(d);
        if (!r) return this.journal.count(`skipped: ${kind}`);
        this.restarting.add(r);
        const down = kind === "kill" ? int(this.random, 0, 5000) : int(this.random, 500, 3000);
        const f = this.record(
          kind,
          r.name,
          `${kind === "kill" ? "SIGKILL" : "SIGTERM"}, back after ${down} ms`,
        );
        try {
          await d.signal(r, kind === "kill" ? "SIGKILL" : "SIGTERM");
          await sleep(down);
          await d.start(r);
        } finally {
          this.restarting.delete(r);
          this.lifted(f);
        }
        return;
      }
      case "freeze": {
        const r = this.victim(d);
        if (!r) return this.journal.count("skipped: freeze");
        this.restarting.add(r);
        const ms = LEASE_MS + int(this.random, 2000, 10_000);
        const f = this.record(kind, r.name, `SIGSTOP for ${ms} ms (past its lease)`);
        try {
          await d.signal(r, "SIGSTOP");
          await sleep(ms);
          await d.signal(r, "SIGCONT");
        } finally {
          this.restarting.delete(r);
          this.lifted(f);
        }
        return;
      }
      case "db-cut": {
        const all = chance(this.random, 0.4);
        const r = all ? undefined : this.victim(d);
        const targets = all ? d.replicas : r ? [r] : [];
        if (!targets.length) return this.journal.count("skipped: db-cut");
        for (const t of targets) this.restarting.add(t);
        const ms = int(this.random, 2000, 15_000);
        const f = this.record(
          kind,
          all ? `${d.name} (all)` : targets[0].name,
          `database unreachable for ${ms} ms`,
        );
        for (const t of targets) t.db.cut();
        await sleep(ms);
        for (const t of targets) {
          t.db.restore();
          this.restarting.delete(t);
        }
        this.lifted(f);
        return;
      }
      case "db-restart": {
        const ms = int(this.random, 500, 5000);
        const f = this.record(kind, "postgresql", `${this.db?.kind} server restarted, down ${ms} ms`);
        await this.db?.restart(ms);
        this.lifted(f);
        return;
      }
      case "feishu-cut": {
        const r = this.victim(d);
        if (!r) return this.journal.count("skipped: feishu-cut");
        this.restarting.add(r);
        const ms = int(this.random, 2000, 12_000);
        const f = this.record(kind, r.name, `Feishu unreachable for ${ms} ms`);
        r.feishu.cut();
        await sleep(ms);
        r.feishu.restore();
        this.restarting.delete(r);
        this.lifted(f);
        return;
      }
      case "feishu-5xx":
      case "feishu-429":
      case "feishu-timeout":
      case "slow-task-check": {
        const route: RouteName =
          kind === "slow-task-check"
            ? "task_check"
            : pick(this.random, ["task_check", "reply", "patch", "create"]);
        const count = int(this.random, 1, kind === "slow-task-check" ? 10 : 4);
        const fault: Fault =
          kind === "feishu-5xx"
            ? { route, status: pick(this.random, [500, 502, 503]), count }
            : kind === "feishu-429"
              ? {
                  route,
                  status: 429,
                  code: 99991400,
                  msg: "request trigger frequency limit",
                  headers: { "retry-after": "1" },
                  count,
                }
              : kind === "feishu-timeout"
                ? { route, hang: true, afterHandling: chance(this.random, 0.5), count: Math.min(count, 2) }
                : { route, delayMs: int(this.random, 2000, 8000), count };
        this.record(kind, `${d.name} ${route}`, JSON.stringify({ ...fault, route: undefined }));
        d.emu.inject(fault);
        return;
      }
      case "refusal": {
        const groups = [...new Set(d.emu.messages.map((m) => m.chat_id))].filter(
          (c) => c.includes("_group_") && !this.muted.has(c),
        );
        if (!groups.length) return this.journal.count("skipped: refusal");
        const chat = pick(this.random, groups);
        const ms = int(this.random, 10_000, 40_000);
        const f = this.record(kind, chat, `the bot may not post there (230018) for ${ms} ms`);
        this.muted.add(chat);
        d.emu.muteChat(chat);
        await sleep(ms);
        d.emu.unmuteChat(chat);
        this.muted.delete(chat);
        this.lifted(f);
        return;
      }
      case "ws-drop": {
        const n = d.emu.longConnection.dropConnections();
        this.record(kind, d.name, `${n} long connection(s) dropped without a close frame`);
        return;
      }
      case "ws-garbage": {
        const garbage = pick(this.random, [
          "not-protobuf",
          "missing-required",
          "text",
          "bad-fragment",
        ] as const);
        const n = d.emu.longConnection.sendGarbage(garbage);
        this.record(kind, d.name, `${garbage} sent to ${n} connection(s)`);
        return;
      }
    }
  }

  /** Waits for the faults in progress to be lifted (each lasts under a minute). */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    for (const d of this.deployments) d.emu.clearFaults();
  }
}
