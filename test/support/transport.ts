import type { Emulator, EventEnvelope } from "@taskbot/feishu-emulator";

/** The two ways Feishu reaches the bot; every end-to-end suite runs over both. */
export const TRANSPORTS = ["webhook", "websocket"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** The bot's environment for a transport. */
export function transportEnv(transport: Transport): Record<string, string> {
  return { FEISHU_EVENT_TRANSPORT: transport };
}

/** What the bot answered: the HTTP status and body (webhook), or the ack's code and data (long connection). */
export interface Delivery {
  status: number;
  /** A card callback's answer (cast it to CardCallbackAnswer); {} or nothing for other events. */
  body: unknown;
  /** Time from sending to the answer or ack. */
  ms: number;
}

/**
 * Feishu's side of one transport: `send` delivers an event as Feishu does (webhook: a signed, encrypted POST;
 * long connection: a pushed frame, waiting for its ack), `eventId` overriding the event's id (a re-push with
 * a new event_id). A card callback's answer comes back in `body` either way.
 */
export function feishuSide(emu: Emulator, transport: Transport, botUrl: () => string) {
  return {
    transport,
    async send(
      envelope: EventEnvelope<object>,
      opts: { eventId?: string; path?: string } = {},
    ): Promise<Delivery> {
      if (transport === "webhook") {
        const res = await emu.deliver(`${botUrl()}${opts.path ?? "/webhook/event"}`, envelope, opts);
        return { status: res.status, body: res.body, ms: res.ms };
      }
      const payload =
        opts.eventId === undefined
          ? envelope
          : { ...envelope, header: { ...envelope.header, event_id: opts.eventId } };
      const started = performance.now();
      const push = emu.longConnection.push(payload);
      const ack = await push.acked.catch(() => undefined);
      if (!ack) {
        const last = emu.longConnection.acksFor(push.messageId).at(-1);
        return { status: last?.code ?? 0, body: last?.data, ms: performance.now() - started };
      }
      return { status: ack.code, body: ack.data ?? {}, ms: performance.now() - started };
    },
  };
}
