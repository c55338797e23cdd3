/**
 * Every card the bot can send, built by the bot's own builders (cards/) from fixed views and a fixed clock:
 * each state of the status card (and its variants: retrying, a script's note, watched by someone), the
 * `/list` card empty and full, `/help` and the welcome card. The browser suite draws each in both locales
 * and compares it with its committed picture; `npm run screenshots` writes those pictures.
 */
import { buildCard, helpCard, listCard, loginCard, welcomeCard } from "../../../cards";
import type { CardJson, CardState, CardView, Locale } from "../../../cards/types";
import { ID, MIN, NOW } from "../../support/card-clock";

export const ALICE = "ou_c0a11ce0000000000000000000000001";
export const BOB = "ou_c0b0b000000000000000000000000002";
/** Who `<at>`/`<person>` name in the pictures. */
export const NAMES: Readonly<Record<string, string>> = { [ALICE]: "Alice", [BOB]: "Bob" };
export const GALLERY_LOCALES: readonly Locale[] = ["en_us", "zh_cn"];
/** Pictures are taken in UTC, so `<local_datetime>` shows the same on every machine. */
export const GALLERY_TIME_ZONE = "UTC";
export const CARD_WIDTH = 520;

const BASE: CardView = {
  taskId: ID,
  state: "running",
  startedAt: NOW - 125 * MIN - 10_000,
  lastCheckAt: NOW - 20_000,
  watchId: "41",
  pollIntervalSeconds: 5,
  requesterOpenId: ALICE,
};
const ENDED = { finishedAt: NOW - 30_000 };

const STATUS_VIEWS: Record<CardState, CardView> = {
  running: { ...BASE, actions: true },
  success: { ...BASE, ...ENDED, state: "success" },
  fail: { ...BASE, ...ENDED, state: "fail" },
  unknown: { ...BASE, state: "unknown", rawStatus: "paused", actions: true },
  not_found: { ...BASE, ...ENDED, state: "not_found", taskId: "7360595374803812999" },
  invalid: { ...BASE, ...ENDED, state: "invalid", taskId: "abc<at id=all>", lastCheckAt: undefined },
  stopped: { ...BASE, ...ENDED, state: "stopped", stoppedBy: ALICE },
  timed_out: { ...BASE, ...ENDED, state: "timed_out", timeoutMinutes: 120 },
  awaiting_auth: {
    ...BASE,
    state: "awaiting_auth",
    lastCheckAt: undefined,
    actions: true,
    authorize: { url: "https://bot.example.com/oauth/start?s=abc.def", until: NOW + 10 * MIN },
  },
};

/** name → card; names are file names of the pictures. */
export function gallery(): Record<string, CardJson> {
  const cards: Record<string, CardJson> = {};
  for (const [state, view] of Object.entries(STATUS_VIEWS)) cards[`status-${state}`] = buildCard(view, NOW);
  cards["status-running-retrying"] = buildCard(
    { ...STATUS_VIEWS.running, retrying: { attempt: 3, nextRetryAt: NOW + 30_000 } },
    NOW,
  );
  cards["status-running-note"] = buildCard(
    { ...STATUS_VIEWS.running, note: "nightly archive of /Reports <b>bold?</b>" },
    NOW,
  );
  cards["list-empty"] = listCard([], NOW);
  cards.list = listCard(
    [
      { taskId: ID, state: "running", requesterOpenId: ALICE, startedAt: NOW - 12 * MIN },
      {
        taskId: "7360595374803812001",
        state: "fail",
        requesterOpenId: BOB,
        startedAt: NOW - 95 * MIN,
        lastCheckAt: NOW - 5 * MIN,
      },
      { taskId: "7360595374803812002", state: "success", startedAt: NOW - 3 * MIN, lastCheckAt: NOW },
      { taskId: "7360595374803812003", state: "unknown", requesterOpenId: ALICE, startedAt: NOW - 30 * MIN },
    ],
    NOW,
  );
  cards["status-running-checked-as"] = buildCard({ ...STATUS_VIEWS.running, checkedAs: ALICE }, NOW);
  cards.help = helpCard();
  cards["help-user-auth"] = helpCard({ userAuth: true });
  cards.welcome = welcomeCard();
  cards.login = loginCard(
    ALICE,
    { url: "https://bot.example.com/oauth/start?s=abc.def", until: NOW + 10 * MIN },
    false,
  );
  return cards;
}

/** The README's pictures: which gallery card, in English. */
export const README_CARDS: Readonly<Record<string, string>> = {
  "card-running": "status-running",
  "card-success": "status-success",
  "card-failed": "status-fail",
  "card-not-found": "status-not_found",
  "card-list": "list",
  "card-help": "help",
};
