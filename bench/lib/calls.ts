import type { RecordedRequest } from "@taskbot/feishu-emulator";

/**
 * What a message-API call was for, read from the emulator's request log, so the code of any commit can be
 * compared (the bot's own metric of calls by purpose exists only since the change it measures):
 *   first card     a reply or message whose uuid starts "card-"
 *   card update    a PATCH of a card still showing a running task (blue or orange header): the old
 *                  code's minute refresh, or today's freshness and state-change updates
 *   final card     a PATCH to an ended state, or a card posted anew ("final-" uuid)
 *   notice         the completion notice ("notify-" uuid)
 */
export type CallKind = "first card" | "card update" | "final card" | "notice" | "other";
export const CALL_KINDS: readonly CallKind[] = ["first card", "card update", "final card", "notice", "other"];

export const MESSAGE_ROUTES = new Set(["reply", "create", "patch"]);

export function isMessageCall(r: RecordedRequest): boolean {
  return MESSAGE_ROUTES.has(r.route);
}

export function callKind(r: RecordedRequest): CallKind {
  const body = (r.body ?? {}) as { uuid?: string; content?: string };
  if (r.route === "patch") {
    try {
      const card = JSON.parse(body.content ?? "{}") as { header?: { template?: string } };
      const template = card.header?.template;
      return template === "blue" || template === "orange" ? "card update" : "final card";
    } catch {
      return "other";
    }
  }
  const uuid = body.uuid ?? "";
  if (uuid.startsWith("card-")) return "first card";
  if (uuid.startsWith("notify-")) return "notice";
  if (uuid.startsWith("final-")) return "final card";
  return "other";
}

/** The message id a reply or PATCH went to (/open-apis/im/v1/messages/:message_id[/reply]). */
export function targetMessageId(r: RecordedRequest): string {
  return r.path.split("/")[5] ?? "";
}

/** Counts of accepted calls by kind, and the refused ones (any non-200 answer). */
export function countByKind(requests: readonly RecordedRequest[]): Record<CallKind, number> & {
  refused: number;
  total: number;
} {
  const counts = {
    "first card": 0,
    "card update": 0,
    "final card": 0,
    notice: 0,
    other: 0,
    refused: 0,
    total: 0,
  };
  for (const r of requests) {
    if (!isMessageCall(r)) continue;
    if (r.status !== 200) {
      counts.refused++;
      continue;
    }
    counts[callKind(r)]++;
    counts.total++;
  }
  return counts;
}
