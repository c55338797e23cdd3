/**
 * Events from the console reach the bot the way Feishu would send them, over the transport the bot uses: the
 * long connection when the bot holds one (a pushed frame, answered by its ack), else the webhook (an
 * encrypted, signed POST to the bot's URL). A card click is a callback: its answer (toast, card) comes back
 * in the ack's data or the HTTP body.
 */
import type { Emulator } from "../index";

export interface BotTarget {
  /** The bot's event URL (`…/webhook/event`); "" = the bot only listens on the long connection. */
  eventUrl: string;
  /** Where card callbacks go; default the event URL with `/event` → `/card`. */
  cardUrl?: string;
}

export interface Delivered {
  transport: "webhook" | "long connection" | "none";
  /** HTTP status, or the ack's code; 0 when nothing answered. */
  status: number;
  body: unknown;
  ms: number;
  /** Why it did not arrive, for a person. */
  problem?: string;
}

export function cardUrlOf(target: BotTarget): string {
  return target.cardUrl ?? target.eventUrl.replace(/\/event$/, "/card");
}

export async function deliverToBot(
  emu: Emulator,
  target: BotTarget,
  envelope: object,
  kind: "event" | "callback",
): Promise<Delivered> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (emu.longConnection.connectionCount > 0) {
    // A connection pings once it is set up; pushes go to one that has (Feishu: a random ready client).
    await emu.longConnection.waitForConnections(1, 5000).catch(() => undefined);
    const push = emu.longConnection.push(envelope);
    const ack = await push.acked.catch(() => undefined);
    const last = ack ?? emu.longConnection.acksFor(push.messageId).at(-1);
    return {
      transport: "long connection",
      status: last?.code ?? 0,
      body: last?.data ?? {},
      ms: ms(),
      ...(last ? {} : { problem: "the bot never acknowledged the push" }),
    };
  }
  if (!target.eventUrl) {
    return { transport: "none", status: 0, body: undefined, ms: 0, problem: "the bot is not connected" };
  }
  const url = kind === "callback" ? cardUrlOf(target) : target.eventUrl;
  try {
    const res = await emu.deliver(url, envelope);
    return {
      transport: "webhook",
      status: res.status,
      body: res.body,
      ms: ms(),
      ...(res.status === 200 ? {} : { problem: `the bot answered HTTP ${res.status}` }),
    };
  } catch (error) {
    const reason = (error as { code?: string }).code ?? String(error);
    return {
      transport: "webhook",
      status: 0,
      body: undefined,
      ms: ms(),
      problem: `could not reach the bot at ${url} (${reason})`,
    };
  }
}
