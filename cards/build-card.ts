/**
 * The status card: a pure function of a watch's view and a clock. The caller compares
 * JSON.stringify(buildCard(view, now)) across polls and PATCHes only on change, so a running card shows no
 * time that moves by itself (no "elapsed"): instants as `<local_datetime>`, which each reader's client renders,
 * and the polling schedule in words. It changes only when the view does.
 */
import {
  authorizeButton,
  buttonRow,
  callbackButton,
  divider,
  type HeaderTemplate,
  headerTags,
  type I18nText,
  type Json,
  markdown,
  plainText,
  type TagColor,
  translate,
} from "./components";
import { escapeMarkdown, markdownValue, plainValue, safeOpenId, truncate } from "./escape";
import { LOCALES, type Strings } from "./strings";
import { formatDuration, formatInterval, localDateTime, localTime, minutesBetween } from "./time-format";
import type { CardJson, CardState, CardView } from "./types";

interface StateStyle {
  template: HeaderTemplate;
  tag: TagColor;
  /** The watch has ended: the card shows when, and elapsed time stops growing. */
  final: boolean;
}

const STATE_STYLE: Readonly<Record<CardState, StateStyle>> = {
  running: { template: "blue", tag: "blue", final: false },
  success: { template: "green", tag: "green", final: true },
  fail: { template: "red", tag: "red", final: true },
  unknown: { template: "orange", tag: "orange", final: false },
  not_found: { template: "grey", tag: "neutral", final: true },
  invalid: { template: "grey", tag: "red", final: true },
  stopped: { template: "grey", tag: "neutral", final: true },
  timed_out: { template: "yellow", tag: "yellow", final: true },
  awaiting_auth: { template: "orange", tag: "orange", final: false },
};

/** Buttons only make sense while the bot is still watching. */
const STATES_WITH_ACTIONS: ReadonlySet<CardState> = new Set<CardState>(["running", "unknown"]);

/** Callback values are echoed back to us, not shown; bounded only so a hostile id cannot bloat the card. */
const MAX_VALUE_CHARS = 128;

export function isFinalState(state: CardState): boolean {
  return STATE_STYLE[state].final;
}

/** The colour of a state's tag, shared by the status card header and the `/list` card. */
export function stateTagColor(state: CardState): TagColor {
  return STATE_STYLE[state].tag;
}

export function buildCard(view: CardView, now: number): CardJson {
  const style = STATE_STYLE[view.state];
  const shownId = plainValue(view.taskId);
  const elements: Json[] = [
    markdown(
      "md_task",
      translate((t) => t.taskId(orEmpty(markdownValue(view.taskId), t))),
    ),
    markdown("md_state", stateMessage(view)),
  ];
  if (view.note) elements.push(noteBlock(view.note));
  const checkedAs = safeOpenId(view.checkedAs);
  if (checkedAs && !STATE_STYLE[view.state].final && view.state !== "awaiting_auth") {
    elements.push(
      markdown(
        "md_checked_as",
        translate((t) => t.checkedAs(person(checkedAs))),
      ),
    );
  }
  elements.push(divider("hr_times"), markdown("md_times", timesBlock(view, now)));
  if (view.state === "awaiting_auth" && view.authorize) elements.push(authorizeRow(view, view.authorize));
  else if (view.actions === true && STATES_WITH_ACTIONS.has(view.state)) elements.push(actionRow(view));
  return {
    schema: "2.0",
    config: {
      update_multi: true,
      locales: [...LOCALES],
      summary: summary(translate((t) => t.summary(shownId, t.label[view.state]))),
    },
    header: {
      title: plainText(translate((t) => t.title(shownId))),
      subtitle: plainText(translate((t) => t.headline[view.state])),
      i18n_text_tag_list: headerTags(
        "tag_state",
        translate((t) => t.label[view.state]),
        style.tag,
      ),
      template: style.template,
    },
    body: { elements },
  };
}

function summary(text: I18nText): Json {
  const { content, i18n_content } = plainText(text);
  return { content, i18n_content };
}

function orEmpty(markdownText: string, t: Strings): string {
  return markdownText === "" ? escapeMarkdown(t.empty) : markdownText;
}

/** What the state means for the reader, in a sentence or two. */
function stateMessage(view: CardView): I18nText {
  return translate((t) => {
    const retry = view.retrying
      ? t.retrying(view.retrying.attempt, localTime(view.retrying.nextRetryAt))
      : undefined;
    switch (view.state) {
      case "running":
        return retry ?? t.running;
      case "unknown": {
        const text = t.unknown(orEmpty(markdownValue(view.rawStatus ?? ""), t));
        return retry ? `${text}\n\n${retry}` : text;
      }
      case "success":
        return t.success;
      case "fail":
        return t.fail;
      case "not_found":
        return t.notFound(orEmpty(markdownValue(view.taskId), t));
      case "invalid":
        return t.invalid(orEmpty(markdownValue(view.taskId), t));
      case "stopped": {
        const who = safeOpenId(view.stoppedBy);
        return who ? t.stoppedBy(`<at id=${who}></at>`) : t.stopped;
      }
      case "timed_out":
        return t.timedOut(escapeMarkdown(formatDuration(timedOutMinutes(view, view.finishedAt), t.duration)));
      case "awaiting_auth": {
        const who = safeOpenId(view.requesterOpenId);
        const name = who ? person(who) : escapeMarkdown(t.label.awaiting_auth);
        const until = view.authorize ? localTime(view.authorize.until) : escapeMarkdown(t.notYet);
        return view.authorize?.again ? t.awaitingAuthAgain(name, until) : t.awaitingAuth(name, until);
      }
    }
  });
}

/** The watch timeout when known, else how long the watch actually ran. */
export function timedOutMinutes(view: CardView, end: number | undefined): number {
  return view.timeoutMinutes ?? minutesBetween(view.startedAt, end ?? view.lastCheckAt ?? view.startedAt);
}

/**
 * Running: watching since, last check, and how the bot checks. Ended: watching since, finished, elapsed (all
 * fixed once the watch ends). Instants at minute resolution; nothing that moves while the view stays the same.
 */
function timesBlock(view: CardView, now: number): I18nText {
  const final = STATE_STYLE[view.state].final;
  return translate((t) => {
    const lines = [t.timeLine(t.watchingSince, localDateTime(view.startedAt))];
    if (final) {
      const end = view.finishedAt ?? view.lastCheckAt ?? now;
      if (view.finishedAt !== undefined) lines.push(t.timeLine(t.finished, localDateTime(view.finishedAt)));
      const minutes = minutesBetween(view.startedAt, end);
      lines.push(t.timeLine(t.elapsed, escapeMarkdown(formatDuration(minutes, t.duration))));
      return lines.join("\n");
    }
    // Waiting for an authorization: no check, no schedule yet (the state message says until when it waits).
    if (view.state === "awaiting_auth") return lines.join("\n");
    const last = view.lastCheckAt === undefined ? escapeMarkdown(t.notYet) : localDateTime(view.lastCheckAt);
    lines.push(t.timeLine(t.lastCheck, last));
    if (view.pollIntervalSeconds !== undefined) {
      const base = view.pollIntervalSeconds;
      // Our own words and numbers from the configuration: nothing in them is markup.
      lines.push(t.schedule((s) => formatInterval(s, t.duration), base));
    }
    return lines.join("\n");
  });
}

/** A script's note: plain text in a markdown component, so markup and mentions in it stay inert. */
function noteBlock(note: string): Json {
  return markdown(
    "md_note",
    translate((t) => `**${escapeMarkdown(t.note)}:** ${escapeMarkdown(truncate(note, MAX_NOTE_CHARS))}`),
  );
}

/** The watch API accepts notes of at most 200 characters; the card never shows more. */
const MAX_NOTE_CHARS = 200;

/** A person by name, without notifying them (an `<at>` would ping them at every update of the card). */
function person(openId: string): string {
  return `<person id='${openId}'></person>`;
}

/** The requester's "Authorize" button (the bot's signed link), and "Stop watching" beside it. */
function authorizeRow(view: CardView, link: NonNullable<CardView["authorize"]>): Json {
  const stop = {
    action: "stop",
    watch_id: view.watchId ?? "",
    task_id: Array.from(view.taskId).slice(0, MAX_VALUE_CHARS).join(""),
  };
  return buttonRow("row_authorize", [
    {
      columnId: "col_authorize",
      button: authorizeButton(link),
    },
    ...(view.actions === true
      ? [
          {
            columnId: "col_stop",
            button: callbackButton(
              "btn_stop",
              translate((t) => t.stopButton),
              "danger",
              stop,
            ),
          },
        ]
      : []),
  ]);
}

function actionRow(view: CardView): Json {
  const value = (action: "refresh" | "stop"): Json => ({
    action,
    watch_id: view.watchId ?? "",
    task_id: Array.from(view.taskId).slice(0, MAX_VALUE_CHARS).join(""),
  });
  return buttonRow("row_actions", [
    {
      columnId: "col_refresh",
      button: callbackButton(
        "btn_refresh",
        translate((t) => t.refreshButton),
        "primary",
        value("refresh"),
      ),
    },
    {
      columnId: "col_stop",
      button: callbackButton(
        "btn_stop",
        translate((t) => t.stopButton),
        "danger",
        value("stop"),
      ),
    },
  ]);
}
