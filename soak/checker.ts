import type { RecordedRequest, SentMessage } from "@taskbot/feishu-emulator";
import type { ApiRecord, ClickRecord, CommandRecord, ExitRecord, FaultRecord, TaskRecord } from "./journal";
import type { FaultKind } from "./nemesis";

/**
 * The checker: invariants over what Feishu saw (the emulator's journal of requests and messages) and what the
 * soak did (its own journal), read after a quiet period. Pure: plain data in, a report out, so each invariant is
 * tested on small hand-made journals (test/soak/checker.test.ts).
 */
export interface Evidence {
  deployment: string;
  requests: readonly RecordedRequest[];
  messages: readonly SentMessage[];
  /** Requests the emulator refused under one of Feishu's enforced limits (not injected faults). */
  violations: readonly RecordedRequest[];
  commands: readonly CommandRecord[];
  tasks: readonly TaskRecord[];
  clicks: readonly ClickRecord[];
  api: readonly ApiRecord[];
  faults: readonly FaultRecord[];
  exits: readonly ExitRecord[];
  uninstalled: ReadonlyMap<string, number>;
  chatTenant: ReadonlyMap<string, string>;
  replicas: readonly {
    name: string;
    trouble: readonly { at: number; incarnation: number; line: string }[];
    rss: readonly { at: number; incarnation: number; kb: number }[];
  }[];
  taskCheckRps: number;
  /** From a task's end to its card's final state, at most. */
  endBoundMs: number;
}

export interface Finding {
  invariant: string;
  at: number;
  detail: string;
}

export interface InvariantRow {
  invariant: string;
  checked: number;
  violations: number;
}

export interface Report {
  rows: InvariantRow[];
  findings: Finding[];
  /** From each task's end to each of its cards' final state, ms. */
  endLatencies: number[];
  figures: Record<string, number>;
}

/** Header templates of a card in a final state (success, fail, not found / invalid / stopped, timed out). */
const FINAL = new Set(["green", "red", "grey", "yellow"]);
const TERMINAL = new Set(["success", "fail"]);
/** Faults that can cut a round short after its task_check and before its commit. */
const INTERRUPTS = new Set<FaultKind>([
  "kill",
  "term",
  "skew",
  "freeze",
  "db-cut",
  "db-restart",
  "feishu-cut",
  "feishu-5xx",
  "feishu-429",
  "feishu-timeout",
]);

const templateOf = (card: unknown): string | undefined =>
  (card as { header?: { template?: string } } | undefined)?.header?.template;

function parseCard(content: unknown): unknown {
  if (typeof content !== "string") return content;
  try {
    return JSON.parse(content);
  } catch {
    return undefined;
  }
}

/** Appends to the list under a key (grouping in one pass). */
function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const codeOf = (r: RecordedRequest) => (r.response as { code?: number } | undefined)?.code;
const answeredOk = (r: RecordedRequest) => r.status === 200 && codeOf(r) === 0;

export interface CardLife {
  card: SentMessage;
  taskId: string;
  /** When its content first became final (undefined: still live). */
  finalAt?: number;
  template?: string;
  command?: CommandRecord;
}

/** Each card's life, from its creation and the patches Feishu applied. */
export function cardLives(e: Evidence): CardLife[] {
  const commandById = new Map(e.commands.map((c) => [c.messageId, c]));
  const apiByChat = new Map<string, ApiRecord[]>();
  for (const a of e.api) push(apiByChat, a.chatId, a);
  const patches = new Map<string, RecordedRequest[]>();
  for (const r of e.requests) {
    if (r.route !== "patch" || !answeredOk(r)) continue;
    const id = r.path.split("/").pop() ?? "";
    push(patches, id, r);
  }
  const creations = new Map<string, RecordedRequest>();
  for (const r of e.requests) {
    if ((r.route !== "create" && r.route !== "reply") || !answeredOk(r)) continue;
    const id = (r.response as { data?: { message_id?: string } }).data?.message_id;
    if (id && !creations.has(id)) creations.set(id, r);
  }
  const lives: CardLife[] = [];
  for (const m of e.messages) {
    if (m.msg_type !== "interactive") continue;
    const command = m.reply_to ? commandById.get(m.reply_to) : undefined;
    const text = m.content;
    let taskId: string | undefined;
    if (command?.kind === "status") taskId = command.taskIds.find((id) => text.includes(id));
    else if (!m.reply_to)
      taskId = (apiByChat.get(m.chat_id) ?? []).find((a) => text.includes(a.taskId))?.taskId;
    if (!taskId) continue;
    const history = patches.get(m.message_id) ?? [];
    // Its content when created: the create or reply that made it (the message keeps only the current one).
    const created = creations.get(m.message_id);
    const createdTemplate = created
      ? templateOf(parseCard((created.body as { content?: string }).content))
      : undefined;
    let finalAt: number | undefined = FINAL.has(createdTemplate ?? "") ? m.created_at : undefined;
    if (!created && !history.length && FINAL.has(templateOf(m.card) ?? "")) finalAt = m.created_at;
    for (const p of history) {
      if (finalAt !== undefined) break;
      if (FINAL.has(templateOf(parseCard((p.body as { content?: string }).content)) ?? "")) finalAt = p.at;
    }
    lives.push({ card: m, taskId, finalAt, template: templateOf(m.card), command });
  }
  return lives;
}

/** A message in a line: its id, type, and the start of its text or its card's template and summary. */
export function describe(m: SentMessage): string {
  if (m.msg_type !== "interactive")
    return `${m.message_id} ${m.msg_type} "${(m.text ?? m.content).slice(0, 80)}"`;
  const card = m.card as
    | { header?: { template?: string }; config?: { summary?: { content?: string } } }
    | undefined;
  return `${m.message_id} card ${card?.header?.template ?? "-"} "${(card?.config?.summary?.content ?? "").slice(0, 80)}"`;
}

export function check(e: Evidence): Report {
  const findings: Finding[] = [];
  const rows: InvariantRow[] = [];
  const add = (invariant: string, checked: number, found: Finding[]) => {
    rows.push({ invariant, checked, violations: found.length });
    findings.push(...found);
  };
  const tasks = new Map(e.tasks.map((t) => [t.taskId, t]));
  const repliesTo = new Map<string, SentMessage[]>();
  for (const m of e.messages) if (m.reply_to) push(repliesTo, m.reply_to, m);
  const refusedFor = new Set<string>();
  for (const r of e.requests) {
    const code = codeOf(r);
    if ((r.route === "reply" || r.route === "create") && code !== undefined && code !== 0 && !r.fault)
      refusedFor.add(r.path.split("/").slice(-2, -1)[0] ?? "");
  }
  const mutedChats = new Map<string, FaultRecord[]>();
  for (const f of e.faults) if (f.kind === "refusal") push(mutedChats, f.target, f);
  const mutedAround = (chatId: string, from: number, to: number) =>
    (mutedChats.get(chatId) ?? []).some((f) => f.at <= to && (f.until ?? Number.POSITIVE_INFINITY) >= from);
  const gone = (tenant: string, at: number) => {
    const t = e.uninstalled.get(tenant);
    return t !== undefined && at >= t - 10_000;
  };

  const lives = cardLives(e);
  // A completion notice: a text naming the card's task, under the card or its command, after the card ended.
  const noticesOf = new Map<string, SentMessage[]>();
  const noticeIds = new Set<string>();
  for (const l of lives) {
    const under = [
      ...(repliesTo.get(l.card.message_id) ?? []),
      ...(l.command ? (repliesTo.get(l.command.messageId) ?? []) : []),
    ];
    const notices = under.filter(
      (m) =>
        m.msg_type === "text" &&
        m.content.includes(l.taskId) &&
        l.finalAt !== undefined &&
        m.created_at >= l.finalAt,
    );
    noticesOf.set(l.card.message_id, notices);
    for (const n of notices) noticeIds.add(n.message_id);
  }
  // 1. Every accepted command answered exactly once (a /status: once per distinct id).
  {
    const found: Finding[] = [];
    let checked = 0;
    for (const c of e.commands) {
      const expected = c.kind === "status" ? new Set(c.taskIds).size : 1;
      const replies = (repliesTo.get(c.messageId) ?? []).filter((m) => !noticeIds.has(m.message_id));
      const strict =
        c.accepted &&
        !e.uninstalled.has(c.tenant) &&
        !refusedFor.has(c.messageId) &&
        !mutedAround(c.chatId, c.at - 5000, Number.POSITIVE_INFINITY);
      checked++;
      if (replies.length > expected)
        found.push({
          invariant: "command answered at most once",
          at: c.at,
          detail: `${c.messageId} "${c.text}": ${replies.length} replies, expected ${expected}: ${replies.map(describe).join("; ")}`,
        });
      else if (strict && replies.length < expected)
        found.push({
          invariant: "accepted command answered",
          at: c.at,
          detail: `${c.messageId} "${c.text}" in ${c.chatId}: ${replies.length} of ${expected} replies`,
        });
    }
    add("every accepted command answered exactly once", checked, found);
  }

  // 2. One live card per task and chat at any moment.
  {
    const found: Finding[] = [];
    const byKey = new Map<string, CardLife[]>();
    for (const l of lives) {
      if (!tasks.has(l.taskId)) continue;
      const key = `${l.card.tenant_key}/${l.card.chat_id}/${l.taskId}`;
      push(byKey, key, l);
    }
    for (const [key, list] of byKey) {
      const sorted = [...list].sort((a, b) => a.card.created_at - b.card.created_at);
      for (let i = 1; i < sorted.length; i++) {
        const prev = sorted[i - 1];
        if (prev.finalAt === undefined || prev.finalAt > sorted[i].card.created_at)
          found.push({
            invariant: "one live card per task and chat",
            at: sorted[i].card.created_at,
            detail: `${key}: ${sorted[i].card.message_id} created while ${prev.card.message_id} was live`,
          });
      }
    }
    add("one live card per task and chat", byKey.size, found);
  }

  // 3. Exactly one notice per completion, none for a watch that did not complete.
  {
    const found: Finding[] = [];
    let completions = 0;
    for (const l of lives) {
      const notices = noticesOf.get(l.card.message_id) ?? [];
      const completed = l.template === "green" || l.template === "red" || l.template === "yellow";
      if (completed) completions++;
      const excused =
        gone(l.card.tenant_key, l.finalAt ?? l.card.created_at) ||
        refusedFor.has(l.card.message_id) ||
        (l.command !== undefined && refusedFor.has(l.command.messageId)) ||
        mutedAround(l.card.chat_id, l.card.created_at, Number.POSITIVE_INFINITY);
      if (completed && notices.length > 1)
        found.push({
          invariant: "one notice per completion",
          at: notices[1].created_at,
          detail: `${l.card.message_id}: ${notices.length} notices`,
        });
      else if (completed && notices.length === 0 && !excused)
        found.push({
          invariant: "one notice per completion",
          at: l.finalAt ?? 0,
          detail: `${l.card.message_id} (task ${l.taskId}) completed without a notice`,
        });
      else if (!completed && notices.length > 0)
        found.push({
          invariant: "no notice without completion",
          at: notices[0].created_at,
          detail: `${l.card.message_id} (${l.template}) has ${notices.length} notice(s)`,
        });
    }
    add("exactly one notice per completion, none otherwise", completions, found);
  }

  // 4. No watch stuck: every card of an ended task reaches the task's outcome within the bound.
  const endLatencies: number[] = [];
  {
    const found: Finding[] = [];
    let checked = 0;
    for (const l of lives) {
      const t = tasks.get(l.taskId);
      if (!t || t.endsAt === undefined) continue;
      if (l.template === "grey" || gone(l.card.tenant_key, t.endsAt)) continue; // stopped, not found, uninstalled
      checked++;
      const from = Math.max(t.endsAt, l.card.created_at);
      if (l.finalAt === undefined) {
        found.push({
          invariant: "no watch stuck",
          at: t.endsAt,
          detail: `${l.card.message_id} (task ${t.taskId}, ended ${t.outcome}) still live`,
        });
        continue;
      }
      const expected = t.outcome === "success" ? "green" : "red";
      if (l.template !== expected && l.template !== "yellow")
        found.push({
          invariant: "card shows the outcome",
          at: l.finalAt,
          detail: `${l.card.message_id}: ${l.template}, the task ended ${t.outcome}`,
        });
      const latency = Math.max(0, l.finalAt - from);
      endLatencies.push(latency);
      if (latency > e.endBoundMs)
        found.push({
          invariant: "no watch stuck",
          at: t.endsAt,
          detail: `${l.card.message_id} (task ${t.taskId}) ended ${latency} ms after its task`,
        });
    }
    add(`no watch stuck (card final within ${e.endBoundMs / 1000} s of its task's end)`, checked, found);
  }

  // 5. No task_check for a task after the bot learnt its end, beyond one per later request about it.
  {
    const found: Finding[] = [];
    const checks = new Map<string, RecordedRequest[]>();
    for (const r of e.requests) {
      if (r.route !== "task_check") continue;
      const id = r.query.task_id ?? "";
      push(checks, id, r);
    }
    // Later requests about a task, each allowed one check: commands naming it, API creates (and their
    // repeats), Refresh clicks on its cards.
    const cardTask = new Map(lives.map((l) => [l.card.message_id, l.taskId]));
    const livesByTask = new Map<string, CardLife[]>();
    for (const l of lives) push(livesByTask, l.taskId, l);
    const askedAt = new Map<string, number[]>();
    for (const c of e.commands) for (const id of c.taskIds) push(askedAt, id, c.at);
    for (const a of e.api)
      for (let i = 0; i < Math.max(2, a.answers.length); i++) push(askedAt, a.taskId, a.at);
    for (const c of e.clicks) {
      const id = cardTask.get(c.cardMessageId);
      if (id && c.action === "refresh") push(askedAt, id, c.at);
    }
    for (const [taskId, list] of checks) {
      const ends = list.filter(
        (r) =>
          answeredOk(r) && TERMINAL.has((r.response as { data?: { status?: string } }).data?.status ?? ""),
      );
      if (!ends.length) continue;
      // The bot has acted on the end once every card of the task (in this tenant) shows it; before that, a
      // watch of the task not yet due (another chat), or one whose holder died before it committed, may check
      // again. After it, no check unless someone asks about the task again.
      const cards = livesByTask.get(taskId) ?? [];
      if (cards.some((l) => l.finalAt === undefined)) continue;
      const endAt = Math.max(ends[0].at, ...cards.map((l) => l.finalAt ?? 0));
      // Every later check must answer a request about the task made in the minute before it (a command, an
      // API create, a Refresh click): its own check, or the redo of a replica that died or lost its database
      // before committing (within a lease, 20 s, plus the outage). A watch that kept polling an ended task
      // would check with nobody asking.
      const asks = askedAt.get(taskId) ?? [];
      const late = list.filter(
        (r) => r.at > endAt + 3000 && !asks.some((at) => at <= r.at && at >= r.at - 60_000),
      );
      // A fault that can cut a round short between its check and its commit (a kill, a stop, a freeze past the
      // lease, the database or Feishu away) makes a redo: at most two such checks per task, each within a
      // minute of one. A watch that kept polling checks again and again, and in the quiet period with no fault.
      const redo = late.filter((r) =>
        e.faults.some((f) => INTERRUPTS.has(f.kind as FaultKind) && f.at <= r.at && f.at >= r.at - 60_000),
      );
      const unasked = redo.length <= 2 ? late.filter((r) => !redo.includes(r)) : late;
      if (unasked.length)
        found.push({
          invariant: "no task_check after the end",
          at: unasked[0].at,
          detail: `task ${taskId}: ${unasked.length} check(s) after every card showed its end (${new Date(endAt).toISOString()}), nobody asking`,
        });
    }
    add("no task_check for an ended task after its end", checks.size, found);
  }

  // 6. Feishu's limits: none enforced against the bot; task_check within TASK_CHECK_RPS (+1) per second.
  {
    const found: Finding[] = e.violations.map((r) => ({
      invariant: "Feishu's limits",
      at: r.at,
      detail: `${r.route} refused by the ${r.rateLimit} limit (tenant ${r.tenantKey ?? "-"})`,
    }));
    // TASK_CHECK_RPS holds for the whole deployment, per tenant for a store app (each tenant its own budget).
    const byTenant = new Map<string, number[]>();
    for (const r of e.requests) {
      if (r.route !== "task_check") continue;
      const key = r.tenantKey ?? "-";
      push(byTenant, key, r.at);
    }
    let worst = 0;
    for (const [tenant, list] of byTenant) {
      const times = list.sort((a, b) => a - b);
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= 1000) j++;
        const n = i - j + 1;
        worst = Math.max(worst, n);
        if (n === e.taskCheckRps + 2)
          found.push({
            invariant: "TASK_CHECK_RPS",
            at: times[i],
            detail: `${n} task_check calls in ${tenant} within one second (limit ${e.taskCheckRps})`,
          });
      }
    }
    add(`Feishu's limits (task_check busiest second of a tenant: ${worst})`, e.requests.length, found);
  }

  // 7. No uuid reused with different content.
  {
    const found: Finding[] = [];
    const seen = new Map<string, string>();
    for (const r of e.requests) {
      if (r.route !== "create" && r.route !== "reply") continue;
      const body = r.body as { uuid?: string; content?: string; msg_type?: string } | undefined;
      if (!body?.uuid) continue;
      // Where it goes: the chat of a create, the message a reply answers.
      const to =
        r.route === "create"
          ? String((r.body as { receive_id?: string }).receive_id ?? "")
          : (r.path.split("/").slice(-2, -1)[0] ?? "");
      const what = `${to}|${body.msg_type}|${body.content}`;
      const before = seen.get(body.uuid);
      if (before === undefined) seen.set(body.uuid, what);
      else if (before !== what)
        found.push({
          invariant: "uuid reuse",
          at: r.at,
          detail: `uuid ${body.uuid} sent with different content`,
        });
    }
    add("no uuid reused with different content", seen.size, found);
  }

  // 8. API idempotency: a key gives one answer however often it is sent.
  {
    const found: Finding[] = [];
    let checked = 0;
    for (const a of e.api) {
      if (a.answers.length < 2) continue;
      checked++;
      const [first, ...rest] = a.answers;
      // The contract: a repeat with the same key answers 200 with the same watch; a refused request (4xx) is
      // refused the same way again.
      const ok = first.status >= 200 && first.status < 300;
      const same = (r: { status: number; watchId?: string }) =>
        ok ? r.status === 200 && r.watchId === first.watchId : r.status === first.status;
      if (a.key && !rest.every(same))
        found.push({
          invariant: "API idempotency",
          at: a.at,
          detail: `key ${a.key}: answers ${JSON.stringify(a.answers)}`,
        });
    }
    add("API idempotency held", checked, found);
  }

  // 9. Tenants never crossed.
  {
    const found: Finding[] = [];
    for (const m of e.messages) {
      const tenant = e.chatTenant.get(m.chat_id);
      if (tenant && tenant !== m.tenant_key)
        found.push({
          invariant: "tenants",
          at: m.created_at,
          detail: `${m.message_id} in ${m.chat_id} (${tenant}) sent as ${m.tenant_key}`,
        });
      const away = e.uninstalled.get(m.tenant_key);
      if (away !== undefined && m.created_at > away + 5000)
        found.push({
          invariant: "tenants",
          at: m.created_at,
          detail: `${m.message_id} sent in ${m.tenant_key} after its uninstall`,
        });
    }
    for (const r of e.requests) {
      if (r.route !== "task_check" || !r.tenantKey) continue;
      const t = tasks.get(r.query.task_id ?? "");
      if (t && t.tenant !== r.tenantKey)
        found.push({
          invariant: "tenants",
          at: r.at,
          detail: `task ${t.taskId} of ${t.tenant} checked as ${r.tenantKey}`,
        });
    }
    add("tenants never crossed", e.messages.length, found);
  }

  // 10. No crash but the nemesis's; no unhandled rejection.
  {
    const found: Finding[] = e.exits
      .filter((x) => !x.expected)
      .map((x) => ({
        invariant: "crash",
        at: x.at,
        detail: `${x.replica}#${x.incarnation} exited by itself (code ${x.code}, signal ${x.signal})`,
      }));
    for (const r of e.replicas)
      for (const t of r.trouble)
        if (/nhandled|ncaught|FATAL/.test(t.line))
          found.push({ invariant: "crash", at: t.at, detail: `${r.name}#${t.incarnation}: ${t.line}` });
    add("no crash or unhandled rejection but the nemesis's", e.exits.length, found);
  }

  // 11. Memory flat after warm-up: each process that lived 20 minutes or more.
  {
    const found: Finding[] = [];
    let checked = 0;
    for (const r of e.replicas) {
      const byIncarnation = new Map<number, { at: number; kb: number }[]>();
      for (const s of r.rss) push(byIncarnation, s.incarnation, s);
      for (const [incarnation, samples] of byIncarnation) {
        if (samples.length < 10 || samples[samples.length - 1].at - samples[0].at < 20 * 60_000) continue;
        checked++;
        const warm = samples.filter((s) => s.at - samples[0].at >= 5 * 60_000);
        const third = Math.floor(warm.length / 3);
        const med = (xs: { kb: number }[]) =>
          [...xs].map((x) => x.kb).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const early = med(warm.slice(0, third));
        const late = med(warm.slice(-third));
        if (late > early * 1.25 && late - early > 25_000)
          found.push({
            invariant: "memory flat",
            at: warm[warm.length - 1].at,
            detail: `${r.name}#${incarnation}: ${Math.round(early / 1024)} MB after warm-up, ${Math.round(late / 1024)} MB at the end`,
          });
      }
    }
    add("memory of each replica flat after warm-up (processes up 20 min or more)", checked, found);
  }

  const figures: Record<string, number> = {
    "commands sent": e.commands.length,
    "commands accepted": e.commands.filter((c) => c.accepted).length,
    clicks: e.clicks.length,
    "watch-API creates": e.api.length,
    "status cards": lives.length,
    "completion notices": noticeIds.size,
    "task_check calls": e.requests.filter((r) => r.route === "task_check").length,
    "requests to Feishu": e.requests.length,
  };
  return { rows, findings, endLatencies, figures };
}
