import { chance, pick, type Random } from "./random";
import type { Deployment, Replica } from "./world";
import { webhookUrl } from "./world";

/**
 * Feishu's side of a delivery, as the soak plays it. An event goes over the long connection (to a replica that
 * holds one, when the deployment has any and the draw says so) or to the webhook of a live replica; an event
 * not answered 200 is delivered again, to another replica, on a compressed version of Feishu's retry ladder
 * (Feishu retries for hours; the soak for about two minutes). A card callback is delivered once: Feishu shows
 * the person an error instead of retrying it.
 */
const LADDER_MS = [0, 500, 1000, 2000, 4000, 8000, 15_000, 30_000, 60_000];
const WEBHOOK_TIMEOUT_MS = 8000;

export interface Delivery {
  accepted: boolean;
  attempts: number;
  via: "webhook" | "websocket";
  /** The 200 answer's body (a card callback's toast). */
  answer?: unknown;
  replica?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function postOnce(d: Deployment, r: Replica, envelope: object, card: boolean) {
  const attempt = d.emu.deliver(webhookUrl(r, card ? "card" : "event"), envelope);
  const late = sleep(WEBHOOK_TIMEOUT_MS).then(() => undefined);
  return Promise.race([attempt.catch(() => undefined), late]);
}

export async function deliver(
  d: Deployment,
  envelope: object,
  random: Random,
  opts: { card?: boolean; preferWebsocket?: boolean; target?: Replica } = {},
): Promise<Delivery> {
  const card = opts.card ?? false;
  const websocketReady = d.emu.longConnection.connections.some((c) => c.ready);
  if (websocketReady && (opts.preferWebsocket ?? chance(random, 0.5)) && !opts.target) {
    try {
      const handle = d.emu.longConnection.push(envelope);
      // The ladder ends within about two minutes; a push that is neither acked nor refused by then is lost.
      const ack = await Promise.race([
        handle.acked,
        sleep(150_000).then(() => Promise.reject(new Error("no ack"))),
      ]);
      return {
        accepted: ack.code === 200,
        attempts: handle.attempts.length,
        via: "websocket",
        answer: ack.data,
      };
    } catch {
      // No ack within the ladder (or a callback's one attempt failed): Feishu gives up.
      return { accepted: false, attempts: 1, via: "websocket" };
    }
  }
  const ladder = card ? [0] : LADDER_MS;
  let attempts = 0;
  for (const wait of ladder) {
    await sleep(wait);
    const live = d.replicas.filter((r) => r.alive);
    const target = attempts === 0 && opts.target ? opts.target : live.length ? pick(random, live) : undefined;
    attempts++;
    if (!target) continue;
    const result = await postOnce(d, target, envelope, card);
    if (result?.status === 200)
      return { accepted: true, attempts, via: "webhook", answer: result.body, replica: target.name };
  }
  return { accepted: false, attempts, via: "webhook" };
}
