import { describe, expect, it } from "vitest";
import { cardLives, check, type Evidence } from "../../soak/checker";
import {
  CHAT,
  card,
  cardJson,
  command,
  create,
  evidence,
  FOREIGN_CHAT,
  findingsOf,
  MINUTE,
  OTHER_CHAT,
  OTHER_TENANT,
  patch,
  reply,
  row,
  SECOND,
  TASK,
  TASK_2,
  TENANT,
  task,
  taskCheck,
  text,
} from "./evidence";

const CMD = "om_cmd_0001";
const CMD_2 = "om_cmd_0002";
const CARD = "om_card_0001";
const CARD_2 = "om_card_0002";
const NOTICE = "om_notice_0001";
const ENDS = 30 * SECOND;

/** `/status TASK` at 0, its card at 1 s, the task ends at 30 s, the card turns green at 32 s, one notice. */
function completedWatch(): Evidence {
  return evidence({
    commands: [command(CMD)],
    tasks: [task({ endsAt: ENDS })],
    messages: [
      card(CARD, "green", 1 * SECOND, { reply_to: CMD }),
      text(NOTICE, `Task ${TASK} finished: success`, 33 * SECOND, { reply_to: CARD }),
    ],
    requests: [
      taskCheck(TASK, 5 * SECOND),
      taskCheck(TASK, 31 * SECOND, "success"),
      patch(CARD, "green", 32 * SECOND),
    ],
  });
}

/** A live card for TASK answering `commandId` (blue, never patched). */
const liveCard = (id: string, commandId: string, at: number, chat = CHAT) =>
  card(id, "blue", at, { reply_to: commandId, chat_id: chat });

describe("a clean run", () => {
  it("has no finding in any of the eleven rows", () => {
    const report = check(completedWatch());
    expect(report.findings).toEqual([]);
    expect(report.rows).toHaveLength(11);
    expect(report.rows.every((r) => r.violations === 0)).toBe(true);
    expect(report.endLatencies).toEqual([2 * SECOND]);
    expect(report.figures["completion notices"]).toBe(1);
  });
});

describe("cardLives", () => {
  it("a command's card: its task from the command, its end at the first patch that made it final", () => {
    const e = evidence({
      commands: [command(CMD, { taskIds: [TASK_2, TASK], text: `/status ${TASK_2} ${TASK}` })],
      messages: [card(CARD, "green", 1000, { reply_to: CMD })],
      requests: [
        patch(CARD, "blue", 5000),
        patch(CARD, "green", 8000, { status: 400, response: { code: 230020 } }),
        patch(CARD, "green", 9000),
        patch(CARD, "green", 12_000),
      ],
    });
    expect(cardLives(e)).toMatchObject([{ taskId: TASK, finalAt: 9000, template: "green" }]);
  });

  it("an API watch's card (no reply_to): its task from the API call in its chat", () => {
    const e = evidence({
      api: [{ deployment: "store", at: 0, tenant: TENANT, taskId: TASK, chatId: CHAT, answers: [] }],
      messages: [card(CARD, "blue", 1000)],
    });
    expect(cardLives(e)).toMatchObject([{ taskId: TASK, finalAt: undefined }]);
  });

  it("a card created final ended at its creation", () => {
    const e = evidence({
      commands: [command(CMD)],
      messages: [card(CARD, "grey", 1000, { reply_to: CMD })],
    });
    expect(cardLives(e)).toMatchObject([{ taskId: TASK, finalAt: 1000, template: "grey" }]);
  });

  it("a card created final ended at its creation, even when a later patch repeats its end", () => {
    // The first post redone with the same uuid is "patched right after" (src/watch/messages.ts postCard); the
    // reply that created the card says it was green from the start.
    const e = evidence({
      commands: [command(CMD)],
      messages: [card(CARD, "green", 1000, { reply_to: CMD })],
      requests: [
        reply(
          CMD,
          1000,
          { uuid: "u-card", msg_type: "interactive", content: JSON.stringify(cardJson("green")) },
          { response: { code: 0, msg: "success", data: { message_id: CARD } } },
        ),
        patch(CARD, "green", 200_000),
      ],
    });
    expect(cardLives(e)).toMatchObject([{ taskId: TASK, finalAt: 1000 }]);
  });

  it("is no status card: a reply to another command, a text, a card naming none of the command's ids", () => {
    const e = evidence({
      commands: [command(CMD, { kind: "list" }), command(CMD_2, { taskIds: [TASK_2] })],
      messages: [
        card(CARD, "blue", 1000, { reply_to: CMD }),
        card(CARD_2, "blue", 1000, { reply_to: CMD_2 }),
        text(NOTICE, `Task ${TASK_2}`, 2000, { reply_to: CMD_2 }),
      ],
    });
    expect(cardLives(e)).toEqual([]);
  });
});

describe("1. every accepted command answered exactly once", () => {
  const ROW = "every accepted command answered exactly once";

  it("holds: a card answers it; the notice under the command after the card ended is no second answer", () => {
    const e = completedWatch();
    const notice = text(NOTICE, `Task ${TASK} finished`, 33 * SECOND, { reply_to: CMD });
    const report = check({ ...e, messages: [e.messages[0], notice] });
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("holds: a /status of two ids gets two answers, of one id named twice one answer", () => {
    const e = evidence({
      commands: [
        command(CMD, { taskIds: [TASK, TASK_2] }),
        command(CMD_2, { taskIds: [TASK, TASK], chatId: OTHER_CHAT }),
      ],
      messages: [
        card(CARD, "blue", 1000, { reply_to: CMD }),
        card("om_card_0003", "blue", 1000, { reply_to: CMD, taskId: TASK_2 }),
        liveCard(CARD_2, CMD_2, 1000, OTHER_CHAT),
      ],
    });
    const report = check(e);
    expect(row(report, ROW)).toMatchObject({ checked: 2, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("is broken by an accepted command nobody answered", () => {
    const report = check(evidence({ commands: [command(CMD, { kind: "help" })] }));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "accepted command answered")).toEqual([
      expect.objectContaining({ detail: expect.stringContaining(CMD) }),
    ]);
  });

  it("is broken by a second answer", () => {
    const e = evidence({
      commands: [command(CMD, { kind: "help" })],
      messages: [
        text("om_help_1", "Usage", 1000, { reply_to: CMD }),
        text("om_help_2", "Usage", 2000, { reply_to: CMD }),
      ],
    });
    const report = check(e);
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "command answered at most once")[0].detail).toContain(CMD);
  });

  it("is broken by a text naming the task under the command while its card was live (no notice yet)", () => {
    const e = completedWatch();
    const early = text(NOTICE, `Task ${TASK} finished`, 20 * SECOND, { reply_to: CMD });
    const report = check({ ...e, messages: [e.messages[0], early] });
    expect(findingsOf(report, "command answered at most once")[0].detail).toContain(CMD);
  });

  it.each<[string, (e: Evidence) => Evidence]>([
    ["not accepted", (e) => ({ ...e, commands: [command(CMD, { accepted: false })] })],
    ["in a tenant uninstalled later", (e) => ({ ...e, uninstalled: new Map([[TENANT, 10 * MINUTE]]) })],
    [
      "whose reply Feishu refused",
      (e) => ({ ...e, requests: [reply(CMD, 1000, {}, { status: 400, response: { code: 230018 } })] }),
    ],
    [
      "in a chat the nemesis muted",
      (e) => ({ ...e, faults: [{ at: 2000, kind: "refusal", target: CHAT, detail: "", until: 30_000 }] }),
    ],
  ])("holds unanswered for a command %s (only at most once)", (_, change) => {
    const report = check(change(evidence({ commands: [command(CMD)] })));
    expect(row(report, ROW).violations).toBe(0);
  });

  it("is broken by two answers to a command not accepted", () => {
    const e = evidence({
      commands: [command(CMD, { accepted: false })],
      messages: [liveCard(CARD, CMD, 1000), liveCard(CARD_2, CMD, 2000)],
    });
    const report = check(e);
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "command answered at most once")[0].detail).toContain(CMD);
  });
});

describe("2. one live card per task and chat", () => {
  const ROW = "one live card per task and chat";
  const twoCommands = (chat2 = CHAT) => [command(CMD), command(CMD_2, { at: 9000, chatId: chat2 })];

  it("holds: the second card comes after the first ended", () => {
    const e = evidence({
      tasks: [task()],
      commands: twoCommands(),
      messages: [card(CARD, "grey", 1000, { reply_to: CMD }), liveCard(CARD_2, CMD_2, 10_000)],
      requests: [patch(CARD, "grey", 5000)],
    });
    const report = check(e);
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("holds: two live cards of one task in two chats", () => {
    const e = evidence({
      tasks: [task()],
      commands: twoCommands(OTHER_CHAT),
      messages: [liveCard(CARD, CMD, 1000), liveCard(CARD_2, CMD_2, 10_000, OTHER_CHAT)],
    });
    const report = check(e);
    expect(row(report, ROW)).toMatchObject({ checked: 2, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("is broken by a second card while the first is live", () => {
    const e = evidence({
      tasks: [task()],
      commands: twoCommands(),
      messages: [liveCard(CARD, CMD, 1000), liveCard(CARD_2, CMD_2, 10_000)],
    });
    const report = check(e);
    expect(row(report, ROW).violations).toBe(1);
    const [finding] = findingsOf(report, "one live card per task and chat");
    expect(finding.detail).toContain(`${CARD_2} created while ${CARD} was live`);
  });

  it("is broken by a second card created before the first turned final", () => {
    const e = evidence({
      tasks: [task()],
      commands: twoCommands(),
      messages: [card(CARD, "grey", 1000, { reply_to: CMD }), liveCard(CARD_2, CMD_2, 10_000)],
      requests: [patch(CARD, "grey", 15_000)],
    });
    const report = check(e);
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "one live card per task and chat")[0].detail).toContain(CARD_2);
  });
});

describe("3. exactly one notice per completion, none otherwise", () => {
  const ROW = "exactly one notice per completion";
  /** CARD for TASK, patched to `template` at 20 s, with these messages under it. */
  const ended = (template: string, ...under: string[]) =>
    evidence({
      commands: [command(CMD)],
      messages: [
        card(CARD, template, 1000, { reply_to: CMD }),
        ...under.map((id, i) => text(id, `Task ${TASK}: ${template}`, 21 * SECOND + i, { reply_to: CARD })),
      ],
      requests: [patch(CARD, template, 20 * SECOND)],
    });

  it.each(["green", "red", "yellow"])("holds: a %s card with one notice", (template) => {
    const report = check(ended(template, NOTICE));
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("holds: a grey (stopped) card without a notice", () => {
    const report = check(ended("grey"));
    expect(row(report, ROW)).toMatchObject({ checked: 0, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it.each(["green", "red", "yellow"])("is broken by a %s card without a notice", (template) => {
    const report = check(ended(template));
    expect(row(report, ROW).violations).toBe(1);
    const [finding] = findingsOf(report, "one notice per completion");
    expect(finding.detail).toBe(`${CARD} (task ${TASK}) completed without a notice`);
  });

  it.each<[string, (e: Evidence) => Evidence]>([
    ["its tenant was uninstalled", (e) => ({ ...e, uninstalled: new Map([[TENANT, 25 * SECOND]]) })],
    [
      "Feishu refused the notice",
      (e) => ({
        ...e,
        requests: [...e.requests, reply(CARD, 21_000, {}, { status: 400, response: { code: 230002 } })],
      }),
    ],
    [
      "the chat was muted",
      (e) => ({ ...e, faults: [{ at: 19_000, kind: "refusal", target: CHAT, detail: "", until: 40_000 }] }),
    ],
  ])("holds: a completion without a notice when %s", (_, change) => {
    expect(row(check(change(ended("green"))), ROW).violations).toBe(0);
  });

  it("is broken by two notices", () => {
    const report = check(ended("green", NOTICE, "om_notice_0002"));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "one notice per completion")[0].detail).toBe(`${CARD}: 2 notices`);
  });

  it("is broken by a notice for a grey (stopped, not found) card", () => {
    const report = check(ended("grey", NOTICE));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "no notice without completion")[0].detail).toContain(CARD);
  });
});

describe("4. no watch stuck", () => {
  const ROW = "no watch stuck";
  /** completedWatch, its card's last look and end changed. */
  const endedAt = (template: string, at?: number) => {
    const e = completedWatch();
    return {
      ...e,
      messages: [card(CARD, template, 1000, { reply_to: CMD }), e.messages[1]],
      requests: at === undefined ? [] : [patch(CARD, template, at)],
    };
  };

  it("holds: the card shows the outcome within the bound", () => {
    const report = check(endedAt("green", ENDS + 119 * SECOND));
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.endLatencies).toEqual([119 * SECOND]);
  });

  it("holds: a timed-out (yellow) card, a stopped (grey) card", () => {
    expect(row(check(endedAt("yellow", ENDS + SECOND)), ROW).violations).toBe(0);
    expect(row(check(endedAt("grey", ENDS + SECOND)), ROW)).toMatchObject({ checked: 0, violations: 0 });
  });

  it("is broken by a card still live after its task ended", () => {
    const report = check(endedAt("blue"));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "no watch stuck")[0].detail).toBe(
      `${CARD} (task ${TASK}, ended success) still live`,
    );
  });

  it("is broken by a card final later than the bound", () => {
    const report = check(endedAt("green", ENDS + 121 * SECOND));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "no watch stuck")[0].detail).toBe(
      `${CARD} (task ${TASK}) ended 121000 ms after its task`,
    );
  });

  it("is broken by a card showing another outcome", () => {
    const report = check(endedAt("red", ENDS + SECOND));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "card shows the outcome")[0].detail).toBe(
      `${CARD}: red, the task ended success`,
    );
  });
});

describe("5. no task_check for an ended task after its end", () => {
  const ROW = "no task_check for an ended task";
  /** completedWatch (card final at 32 s) with one more task_check at `at` and what `more` adds. */
  const checkedAgain = (at: number, more: Partial<Evidence> = {}) => {
    const e = completedWatch();
    return check({ ...e, requests: [...e.requests, taskCheck(TASK, at, "success")], ...more });
  };
  const asks: [string, (at: number) => Partial<Evidence>][] = [
    ["a command naming it", (at) => ({ commands: [command(CMD), command(CMD_2, { at })] })],
    [
      "an API create",
      (at) => ({
        api: [{ deployment: "store", at, tenant: TENANT, taskId: TASK, chatId: CHAT, answers: [] }],
      }),
    ],
    [
      "a Refresh click on its card",
      (at) => ({
        clicks: [
          {
            deployment: "store",
            at,
            cardMessageId: CARD,
            action: "refresh",
            operator: "ou_1",
            answer: "info",
          },
        ],
      }),
    ],
  ];

  it("holds: checks until every card shows the end (and 3 s after)", () => {
    const report = checkedAgain(35 * SECOND);
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it.each(asks)("holds: a later check within a minute of %s", (_, ask) => {
    const report = checkedAgain(3 * MINUTE, ask(2 * MINUTE + 10 * SECOND));
    expect(row(report, ROW).violations).toBe(0);
  });

  it("is broken by a check after the end with nobody asking in the minute before", () => {
    // The /status at 0 asked about the task: a check up to a minute after it is its own (or a redo's).
    expect(row(checkedAgain(MINUTE), ROW).violations).toBe(0);
    const report = checkedAgain(MINUTE + 1);
    expect(row(report, ROW).violations).toBe(1);
    const [finding] = findingsOf(report, "no task_check after the end");
    expect(finding.detail).toContain(`task ${TASK}: 1 check(s) after every card showed its end`);
  });

  it.each(asks)("is broken by a check over a minute after %s", (_, ask) => {
    const report = checkedAgain(3 * MINUTE, ask(2 * MINUTE - SECOND));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "no task_check after the end")[0].detail).toContain(TASK);
  });

  const fault = (kind: string, at: number) => ({ at, kind, target: "store-1", detail: "" });

  it("holds: up to two redos within a minute of a fault that cuts a round short (a kill)", () => {
    const e = completedWatch();
    const report = check({
      ...e,
      requests: [
        ...e.requests,
        taskCheck(TASK, 3 * MINUTE, "success"),
        taskCheck(TASK, 3 * MINUTE + 5 * SECOND, "success"),
      ],
      faults: [fault("kill", 2 * MINUTE + 30 * SECOND)],
    });
    expect(row(report, ROW).violations).toBe(0);
  });

  it("is broken by a third check after a fault, by a check after a fault that cuts nothing, and by one over a minute after", () => {
    const e = completedWatch();
    const checks = [0, 5, 10].map((s) => taskCheck(TASK, 3 * MINUTE + s * SECOND, "success"));
    const third = check({
      ...e,
      requests: [...e.requests, ...checks],
      faults: [fault("kill", 2 * MINUTE + 30 * SECOND)],
    });
    expect(row(third, ROW).violations).toBe(1);
    const harmless = check({
      ...e,
      requests: [...e.requests, checks[0]],
      faults: [fault("ws-garbage", 2 * MINUTE + 30 * SECOND)],
    });
    expect(row(harmless, ROW).violations).toBe(1);
    const old = check({
      ...e,
      requests: [...e.requests, checks[0]],
      faults: [fault("kill", MINUTE + 59 * SECOND)],
    });
    expect(row(old, ROW).violations).toBe(1);
  });
});

describe("6. Feishu's limits", () => {
  const ROW = "Feishu's limits";
  /** `n` task_checks of a tenant, 100 ms apart from `from`. */
  const burst = (n: number, tenantKey = TENANT, from = 0) =>
    Array.from({ length: n }, (_, i) => taskCheck(TASK, from + i * 100, "process", { tenantKey }));

  it("holds: TASK_CHECK_RPS + 1 in a second in each of two tenants", () => {
    const report = check(evidence({ requests: [...burst(6), ...burst(6, OTHER_TENANT)] }));
    expect(row(report, ROW)).toMatchObject({
      invariant: expect.stringContaining("busiest second of a tenant: 6"),
      violations: 0,
    });
    expect(report.findings).toEqual([]);
  });

  it("holds: a second later the window has moved on", () => {
    const report = check(evidence({ requests: [...burst(6), ...burst(6, TENANT, 1000)] }));
    expect(row(report, ROW).violations).toBe(0);
  });

  it("is broken by TASK_CHECK_RPS + 2 task_checks of one tenant in a sliding second", () => {
    const report = check(evidence({ requests: [...burst(3), ...burst(4, TENANT, 500)] }));
    expect(row(report, ROW).violations).toBe(1);
    const [finding] = findingsOf(report, "TASK_CHECK_RPS");
    expect(finding.detail).toBe(`7 task_check calls in ${TENANT} within one second (limit 5)`);
  });

  it("is broken by any request the emulator refused under a limit", () => {
    const refused = patch(CARD, "blue", 1000, {
      status: 400,
      response: { code: 230020 },
      rateLimit: "patchPerSecondPerMessage",
    });
    const report = check(evidence({ violations: [refused] }));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "Feishu's limits")[0].detail).toBe(
      `patch refused by the patchPerSecondPerMessage limit (tenant ${TENANT})`,
    );
  });
});

describe("7. no uuid reused with different content", () => {
  const ROW = "no uuid reused";
  const body = (content: string) => ({ uuid: "u-0001", msg_type: "text", content });

  it("holds: the same request sent again (a retry)", () => {
    const report = check(evidence({ requests: [reply(CMD, 1000, body("a")), reply(CMD, 3000, body("a"))] }));
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("is broken by one uuid with another content", () => {
    const report = check(evidence({ requests: [reply(CMD, 1000, body("a")), reply(CMD, 3000, body("b"))] }));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "uuid reuse")[0].detail).toBe("uuid u-0001 sent with different content");
  });

  it("is broken by one uuid replying to another message", () => {
    const report = check(
      evidence({ requests: [reply(CMD, 1000, body("a")), reply(CMD_2, 3000, body("a"))] }),
    );
    expect(row(report, ROW).violations).toBe(1);
  });

  it("is broken by one uuid creating a message in another chat (Feishu hands back the first one)", () => {
    const report = check(
      evidence({ requests: [create(CHAT, 1000, body("a")), create(OTHER_CHAT, 3000, body("a"))] }),
    );
    expect(row(report, ROW).violations).toBe(1);
  });
});

describe("8. API idempotency", () => {
  const ROW = "API idempotency";
  const call = (answers: { status: number; watchId?: string }[], key: string | undefined = "k-1") => ({
    deployment: "store",
    at: 0,
    tenant: TENANT,
    taskId: TASK,
    chatId: CHAT,
    key,
    answers,
  });

  it("holds: 201 then 200 with the same watch; a single answer is not checked", () => {
    const report = check(
      evidence({
        api: [
          call([
            { status: 201, watchId: "7" },
            { status: 200, watchId: "7" },
          ]),
          call([{ status: 201, watchId: "8" }]),
        ],
      }),
    );
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it.each([
    ["two watches", [201, "7"], [201, "8"]],
    ["200 with another watch", [201, "7"], [200, "8"]],
  ] as const)("is broken by %s for one key", (_, [s1, w1], [s2, w2]) => {
    const report = check(
      evidence({
        api: [
          call([
            { status: s1, watchId: w1 },
            { status: s2, watchId: w2 },
          ]),
        ],
      }),
    );
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "API idempotency")[0].detail).toContain("key k-1");
  });

  it("holds: a key sent twice with an invalid task id, answered 400 both times (one answer)", () => {
    const report = check(evidence({ api: [call([{ status: 400 }, { status: 400 }])] }));
    expect(row(report, ROW).violations).toBe(0);
  });

  it("holds: a key for a task the chat already watches, answered 200 with that watch both times", () => {
    const report = check(
      evidence({
        api: [
          call([
            { status: 200, watchId: "7" },
            { status: 200, watchId: "7" },
          ]),
        ],
      }),
    );
    expect(row(report, ROW).violations).toBe(0);
  });
});

describe("9. tenants never crossed", () => {
  const ROW = "tenants never crossed";

  it("holds: messages in their chats' tenant, the last within 5 s of an uninstall; checks in the task's tenant", () => {
    const e = evidence({
      tasks: [task(), task({ taskId: TASK_2, tenant: OTHER_TENANT })],
      messages: [
        text("om_1", "hi", 1000),
        text("om_2", "hi", 2000, { chat_id: FOREIGN_CHAT, tenant_key: OTHER_TENANT }),
        text("om_3", "hi", 15 * SECOND),
      ],
      uninstalled: new Map([[TENANT, 10 * SECOND]]),
      requests: [taskCheck(TASK, 1000), taskCheck(TASK_2, 1000, "process", { tenantKey: OTHER_TENANT })],
    });
    const report = check(e);
    expect(row(report, ROW)).toMatchObject({ checked: 3, violations: 0 });
    expect(findingsOf(report, "tenants")).toEqual([]);
  });

  it("is broken by a message sent into a chat as another tenant", () => {
    const report = check(evidence({ messages: [text("om_1", "hi", 1000, { tenant_key: OTHER_TENANT })] }));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "tenants")[0].detail).toBe(
      `om_1 in ${CHAT} (${TENANT}) sent as ${OTHER_TENANT}`,
    );
  });

  it("is broken by a message in a tenant more than 5 s after its uninstall", () => {
    const e = evidence({
      messages: [text("om_1", "hi", 15 * SECOND + 1)],
      uninstalled: new Map([[TENANT, 10 * SECOND]]),
    });
    const report = check(e);
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "tenants")[0].detail).toBe(`om_1 sent in ${TENANT} after its uninstall`);
  });

  it("is broken by a task_check of a task with another tenant's token", () => {
    const e = evidence({
      tasks: [task()],
      requests: [taskCheck(TASK, 1000, "process", { tenantKey: OTHER_TENANT })],
    });
    const report = check(e);
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "tenants")[0].detail).toBe(
      `task ${TASK} of ${TENANT} checked as ${OTHER_TENANT}`,
    );
  });
});

describe("10. no crash but the nemesis's", () => {
  const ROW = "no crash";
  const exit = (expected: boolean) => ({
    at: 1000,
    replica: "store-1",
    incarnation: 2,
    code: expected ? null : 1,
    signal: expected ? ("SIGKILL" as const) : null,
    expected,
  });
  const replica = (...lines: string[]) => ({
    name: "store-1",
    trouble: lines.map((line) => ({ at: 1000, incarnation: 2, line })),
    rss: [],
  });

  it("holds: the nemesis's kill, an ordinary warning", () => {
    const report = check(
      evidence({ exits: [exit(true)], replicas: [replica('{"level":"warn","msg":"slow"}')] }),
    );
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("is broken by a replica exiting by itself", () => {
    const report = check(evidence({ exits: [exit(false)] }));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "crash")[0].detail).toBe("store-1#2 exited by itself (code 1, signal null)");
  });

  it.each(["Unhandled promise rejection: Error: boom", "uncaught exception: TypeError"])(
    "is broken by the line %j",
    (line) => {
      const report = check(evidence({ replicas: [replica(line)] }));
      expect(row(report, ROW).violations).toBe(1);
      expect(findingsOf(report, "crash")[0].detail).toBe(`store-1#2: ${line}`);
    },
  );
});

describe("11. memory flat after warm-up", () => {
  const ROW = "memory of each replica flat";
  /** One sample a minute for `minutes` minutes, `mb(minute)` MB each. */
  const sampled = (minutes: number, mb: (minute: number) => number) => ({
    name: "store-2",
    trouble: [],
    rss: Array.from({ length: minutes + 1 }, (_, i) => ({
      at: i * MINUTE,
      incarnation: 1,
      kb: mb(i) * 1024,
    })),
  });

  it("holds: a process flat for 30 minutes", () => {
    const report = check(evidence({ replicas: [sampled(30, (i) => 120 + (i % 3))] }));
    expect(row(report, ROW)).toMatchObject({ checked: 1, violations: 0 });
    expect(report.findings).toEqual([]);
  });

  it("holds: growth under 25 MB, or a process up less than 20 minutes", () => {
    const small = check(evidence({ replicas: [sampled(30, (i) => 40 + i * 0.8)] }));
    expect(row(small, ROW)).toMatchObject({ checked: 1, violations: 0 });
    const short = check(evidence({ replicas: [sampled(15, (i) => 100 + i * 20)] }));
    expect(row(short, ROW)).toMatchObject({ checked: 0, violations: 0 });
  });

  it("is broken by a process growing after warm-up", () => {
    const report = check(evidence({ replicas: [sampled(30, (i) => 100 + i * 4)] }));
    expect(row(report, ROW).violations).toBe(1);
    expect(findingsOf(report, "memory flat")[0].detail).toMatch(
      /^store-2#1: \d+ MB after warm-up, \d+ MB at the end$/,
    );
  });
});
