import type { ChatType, SentMessage } from "@taskbot/feishu-emulator";
import { deliver } from "./feishu";
import type { CommandKind, Journal } from "./journal";
import { chance, int, pick, type Random, taskIdFrom, weighted } from "./random";
import type { Deployment } from "./world";

/**
 * What people and scripts do, all drawn from the seed: /status of one or several ids (new tasks, running ones,
 * ended ones, unknown and malformed ids), /stop, /list, /help and mistyped commands, in DMs, groups and topic
 * groups, as text or rich text; clicks on Refresh and Stop (on live, old and foreign cards); watch-API creates
 * with and without an Idempotency-Key, sent again; Feishu's re-pushes and duplicate deliveries; app tickets and
 * an uninstall (store apps). A task's outcome and length are drawn when it starts; the workload sets its status
 * at Feishu when its time comes.
 */
export interface Chat {
  id: string;
  type: ChatType;
  tenant: string;
  members: string[];
}

const PEOPLE_PER_TENANT = 200;
const DMS = 24;
const GROUPS = 6;
const TOPIC_GROUPS = 3;

export class Workload {
  readonly chats: Chat[] = [];
  private readonly running = new Map<string, { tenant: string; timer: NodeJS.Timeout }>();
  private readonly ended = new Map<string, string[]>();
  /** Events delivered lately, for Feishu to push again. */
  private readonly recent: object[] = [];
  /** Button values seen on each card, kept: a person may click a card long after its buttons went away. */
  private readonly buttons = new Map<string, Record<string, unknown>[]>();
  private readonly inFlight = new Map<Promise<unknown>, string>();
  private uninstallDone = false;

  constructor(
    private readonly d: Deployment,
    private readonly journal: Journal,
    private readonly random: Random,
    /** Draws that depend on timing (which replica, which transport): apart, so the workload repeats. */
    private readonly feishuRandom: Random,
  ) {
    for (const tenant of d.tenants) {
      const people = Array.from({ length: PEOPLE_PER_TENANT }, (_, i) =>
        `ou_${d.name}_${tenant}_${String(i).padStart(4, "0")}`.padEnd(35, "0").slice(0, 35),
      );
      for (const p of people) d.emu.addUser(p, tenant);
      const add = (type: ChatType, n: number, size: () => number) => {
        for (let i = 0; i < n; i++) {
          const id = `oc_${d.name}_${tenant}_${type}_${i}`;
          const members = Array.from({ length: size() }, () => pick(random, people));
          d.emu.addChat(id, type, tenant);
          this.chats.push({ id, type, tenant, members: [...new Set(members)] });
        }
      };
      add("p2p", DMS, () => 1);
      add("group", GROUPS, () => int(random, 5, 60));
      add("topic_group", TOPIC_GROUPS, () => int(random, 5, 30));
    }
  }

  /** The tenants still installed. */
  private tenants(): string[] {
    return this.d.tenants.filter((t) => !this.journal.uninstalled.has(t));
  }

  /** One action, drawn; returns at once (the delivery runs in the background). */
  step(progress: number): void {
    const store = this.d.app === "store";
    if (store && !this.uninstallDone && progress >= 0.5) {
      this.uninstallDone = true;
      this.track(this.uninstall(this.d.tenants[this.d.tenants.length - 1]), "uninstall");
      return;
    }
    const action = weighted(this.random, {
      status: 34,
      stop: 6,
      list: 5,
      help: 4,
      other: 2,
      click: 14,
      api: 8,
      repush: 4,
      duplicate: 4,
      ticket: store ? 1 : 0,
    });
    const work = (() => {
      switch (action) {
        case "status":
        case "stop":
        case "list":
        case "help":
        case "other":
          return this.command(action);
        case "click":
          return this.click();
        case "api":
          return this.apiCreate();
        case "repush":
          return this.repush();
        case "duplicate":
          return this.command("status", true);
        case "ticket":
          return this.ticket();
      }
    })();
    this.track(work, action);
  }

  private track(work: Promise<unknown>, what = "uninstall"): void {
    const p = work.catch((error) => this.journal.note(`workload error: ${String(error)}`));
    this.inFlight.set(p, `${what} at ${new Date().toISOString()}`);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Waits for the deliveries in flight (each gives up within its ladder; all of them within 3 minutes). */
  async settle(): Promise<void> {
    const deadline = Date.now() + 180_000;
    while (this.inFlight.size && Date.now() < deadline)
      await Promise.race([Promise.all([...this.inFlight.keys()]), new Promise((r) => setTimeout(r, 5000))]);
    for (const what of this.inFlight.values())
      this.journal.note(`still in flight after the workload: ${what}`);
    if (this.inFlight.size)
      console.log(
        `  ${this.inFlight.size} action(s) of ${this.d.name} still in flight: ${[...this.inFlight.values()].join(", ")}`,
      );
  }

  /** Ends every task still running now: the quiet period then waits for every watch to end. */
  endAll(): void {
    for (const [taskId, t] of this.running) {
      clearTimeout(t.timer);
      this.finish(taskId, t.tenant);
    }
  }

  private newTask(tenant: string): string {
    const taskId = taskIdFrom(this.random);
    const long = chance(this.random, 0.05);
    const ms = long ? int(this.random, 300_000, 600_000) : int(this.random, 3000, 120_000);
    const outcome = chance(this.random, 0.8) ? "success" : "fail";
    this.d.emu.setTask(taskId, ["process"], tenant);
    this.journal.task({ deployment: this.d.name, taskId, tenant, startedAt: Date.now(), outcome });
    this.running.set(taskId, { tenant, timer: setTimeout(() => this.finish(taskId, tenant), ms) });
    return taskId;
  }

  private finish(taskId: string, tenant: string): void {
    if (!this.running.delete(taskId)) return;
    const outcome = this.journal.tasks.get(taskId)?.outcome ?? "success";
    this.d.emu.setTaskStatus(taskId, outcome, tenant);
    this.journal.ended(taskId, Date.now());
    this.ended.set(tenant, [...(this.ended.get(tenant) ?? []), taskId]);
  }

  private idFor(tenant: string): string {
    const running = [...this.running].filter(([, t]) => t.tenant === tenant).map(([id]) => id);
    const kind = weighted(this.random, { fresh: 60, running: 20, ended: 5, unknown: 10, invalid: 5 });
    if (kind === "running" && running.length) return pick(this.random, running);
    const ended = this.ended.get(tenant) ?? [];
    if (kind === "ended" && ended.length) return pick(this.random, ended);
    if (kind === "unknown") return taskIdFrom(this.random);
    if (kind === "invalid") return pick(this.random, ["12345", "not-a-task", "7360-bad"]);
    return this.newTask(tenant);
  }

  private async command(kind: CommandKind, duplicate = false): Promise<void> {
    const tenants = this.tenants();
    const chat = pick(
      this.random,
      this.chats.filter((c) => tenants.includes(c.tenant)),
    );
    const sender = pick(this.random, chat.members);
    let taskIds: string[] = [];
    let text: string;
    switch (kind) {
      case "status": {
        const n = chance(this.random, 0.8) ? 1 : int(this.random, 2, 3);
        taskIds = Array.from({ length: n }, () => this.idFor(chat.tenant));
        text = `/status ${taskIds.join(" ")}`;
        break;
      }
      case "stop": {
        const watched = this.journal.commands
          .filter((c) => c.chatId === chat.id && c.kind === "status")
          .flatMap((c) => c.taskIds);
        taskIds = [watched.length ? pick(this.random, watched) : taskIdFrom(this.random)];
        text = `/stop ${taskIds[0]}`;
        break;
      }
      case "other":
        text = pick(this.random, ["/statu 123", "/status", "hello bot", "/STOP"]);
        break;
      default:
        text = `/${kind}`;
    }
    const rich = chance(this.random, 0.15);
    const envelope = this.d.emu.messageEvent({
      chatType: chat.type,
      chatId: chat.id,
      tenantKey: chat.tenant,
      senderOpenId: sender,
      mentionBot: chat.type !== "p2p",
      ...(rich
        ? {
            post: {
              title: "",
              paragraphs: [[{ tag: "text", text, style: ["bold"] }]],
            },
          }
        : { text }),
    });
    const messageId = (envelope as { event: { message: { message_id: string } } }).event.message.message_id;
    const at = Date.now();
    const sent = duplicate
      ? await Promise.all([
          deliver(this.d, envelope, this.feishuRandom, { preferWebsocket: false }),
          deliver(this.d, envelope, this.feishuRandom, { preferWebsocket: false }),
        ]).then(([a, b]) => (a.accepted ? a : b))
      : await deliver(this.d, envelope, this.feishuRandom);
    if (duplicate) this.journal.count("duplicate deliveries");
    this.remember(envelope);
    this.journal.command({
      deployment: this.d.name,
      messageId,
      tenant: chat.tenant,
      chatId: chat.id,
      sender,
      kind,
      taskIds,
      text,
      rich,
      at,
      via: sent.via,
      accepted: sent.accepted,
      attempts: sent.attempts,
    });
  }

  private remember(envelope: object): void {
    this.recent.push(envelope);
    if (this.recent.length > 300) this.recent.shift();
  }

  /** Feishu pushes an event it already delivered again (same event_id): nothing new may follow. */
  private async repush(): Promise<void> {
    if (!this.recent.length) return;
    const envelope = pick(this.random, this.recent);
    const live = this.d.replicas.filter((r) => r.alive && !r.frozen);
    if (!live.length) return;
    this.journal.count("re-pushes");
    await deliver(this.d, envelope, this.feishuRandom, { target: pick(this.feishuRandom, live) });
  }

  private cards(): SentMessage[] {
    const installed = this.tenants();
    return this.d.emu.messages.filter(
      (m) => m.msg_type === "interactive" && installed.includes(m.tenant_key) && this.valuesOf(m).length > 0,
    );
  }

  private valuesOf(card: SentMessage): Record<string, unknown>[] {
    const known = this.buttons.get(card.message_id);
    if (known) return known;
    const values: Record<string, unknown>[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        const o = node as Record<string, unknown>;
        if (o.type === "callback" && o.value && typeof o.value === "object") {
          const v = o.value as Record<string, unknown>;
          if (v.action === "refresh" || v.action === "stop") values.push(v);
        }
        for (const child of Object.values(o)) walk(child);
      }
    };
    walk(card.card);
    if (values.length) this.buttons.set(card.message_id, values);
    return values;
  }

  /** A click on Refresh or Stop: mostly on a recent card by someone in its chat, else old or foreign. */
  private async click(): Promise<void> {
    const cards = this.cards();
    if (!cards.length) return;
    const card = chance(this.random, 0.7)
      ? cards[Math.max(0, cards.length - 1 - int(this.random, 0, 20))]
      : pick(this.random, cards);
    const value = pick(this.random, this.valuesOf(card));
    const chat = this.chats.find((c) => c.id === card.chat_id);
    if (!chat) return;
    const foreign = chance(this.random, 0.1);
    const operator = foreign
      ? pick(
          this.random,
          this.chats.filter((c) => c.tenant === chat.tenant && c.id !== chat.id),
        ).members[0]
      : pick(this.random, chat.members);
    const envelope = this.d.emu.cardActionEvent({
      openMessageId: card.message_id,
      chatId: chat.id,
      operatorOpenId: operator,
      value,
      tenantKey: chat.tenant,
    });
    const sent = await deliver(this.d, envelope, this.feishuRandom, { card: true });
    const answer = sent.answer as { toast?: { type?: string } } | undefined;
    this.journal.click({
      deployment: this.d.name,
      at: Date.now(),
      cardMessageId: card.message_id,
      action: value.action as "refresh" | "stop",
      operator,
      answer: sent.accepted ? (answer?.toast?.type ?? "no toast") : "not delivered",
    });
  }

  /** A script asks the watch API to watch a task in a chat; some requests carry a key and are sent again. */
  private async apiCreate(): Promise<void> {
    const tenants = this.tenants();
    const chat = pick(
      this.random,
      this.chats.filter((c) => c.type !== "p2p" && tenants.includes(c.tenant)),
    );
    const taskId = chance(this.random, 0.8) ? this.newTask(chat.tenant) : this.idFor(chat.tenant);
    const key = chance(this.random, 0.6) ? `soak-${this.d.name}-${taskIdFrom(this.random)}` : undefined;
    const sends = chance(this.random, 0.3) ? 2 : 1;
    const token = this.d.apiTokens.get(chat.tenant) ?? "";
    const record = {
      deployment: this.d.name,
      at: Date.now(),
      tenant: chat.tenant,
      taskId,
      chatId: chat.id,
      key,
      answers: [] as { status: number; watchId?: string }[],
    };
    for (let i = 0; i < sends; i++) {
      for (let attempt = 0; attempt < 6; attempt++) {
        const live = this.d.replicas.filter((r) => r.alive && !r.frozen);
        if (!live.length) break;
        const r = pick(this.feishuRandom, live);
        const res = await fetch(`http://127.0.0.1:${r.port}/api/v1/watches`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            ...(key ? { "idempotency-key": key } : {}),
          },
          body: JSON.stringify({ task_id: taskId, chat_id: chat.id }),
          signal: AbortSignal.timeout(8000),
        }).catch(() => undefined);
        if (!res) continue;
        const body = (await res.json().catch(() => ({}))) as { watch_id?: string };
        if (res.status >= 500) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        record.answers.push({ status: res.status, watchId: body.watch_id });
        break;
      }
    }
    this.journal.apiCall(record);
  }

  private async ticket(): Promise<void> {
    this.journal.count("app tickets pushed");
    await deliver(this.d, this.d.emu.appTicketEvent(), this.feishuRandom);
  }

  /** A tenant removes the app: Feishu revokes its tokens and sends the event. */
  private async uninstall(tenant: string): Promise<void> {
    this.journal.uninstalled.set(tenant, Date.now());
    this.journal.note(`uninstall ${tenant}`);
    this.journal.count("uninstalls");
    this.d.emu.uninstallTenant(tenant);
    await deliver(this.d, this.d.emu.appUninstalledEvent({ tenantKey: tenant }), this.feishuRandom);
  }
}
