/**
 * The real SDK as a store app (ISV) against an emulator: a `lark.Client` with `appType: AppType.ISV`, its ticket
 * cache, and a webhook that feeds the SDK's own `EventDispatcher` (whose built-in `app_ticket` handler writes
 * the ticket into that cache). What the emulator's store-app tests use.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as lark from "@larksuiteoapi/node-sdk";
import type { Emulator } from "../../src";

const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/**
 * A store-app client with its own cache. Its constructor asks app_ticket/resend when the cache has no ticket
 * (seed it first with seedTicket to avoid that).
 */
export function isvClient(emu: Emulator, cache: lark.Cache = new lark.DefaultCache()): lark.Client {
  return new lark.Client({
    appId: emu.options.appId,
    appSecret: emu.options.appSecret,
    appType: lark.AppType.ISV,
    domain: emu.url,
    cache,
    loggerLevel: lark.LoggerLevel.error,
    logger: silent,
  });
}

/** Puts a ticket where the SDK reads it (`CAppTicket`, namespace = app id). */
export async function seedTicket(emu: Emulator, cache: lark.Cache, ticket = emu.currentTicket()) {
  await cache.set(lark.CAppTicket, ticket, undefined, { namespace: emu.options.appId });
  return ticket;
}

/** The ticket the SDK would use now. */
export const cachedTicket = (emu: Emulator, cache: lark.Cache) =>
  cache.get(lark.CAppTicket, { namespace: emu.options.appId }) as Promise<string | undefined>;

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  /** What the SDK's EventDispatcher returned (undefined when it refused the signature). */
  result: unknown;
  /** Whether the resend request, if any, had been answered when this push arrived. */
  resendAnswered: boolean;
}

/**
 * A tiny local event webhook: every POST is handed to the SDK's EventDispatcher (encryption, signature, its
 * built-in app_ticket handler → `cache`); `got` keeps what arrived.
 */
export async function eventReceiver(opts: {
  emu?: () => Emulator | undefined;
  cache: lark.Cache;
  encryptKey?: string;
  verificationToken?: string;
}): Promise<{ url: string; got: Received[]; server: Server }> {
  const dispatcher = new lark.EventDispatcher({
    encryptKey: opts.encryptKey,
    verificationToken: opts.verificationToken,
    cache: opts.cache,
    loggerLevel: lark.LoggerLevel.error,
    logger: silent,
  });
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const resend = opts.emu?.()?.requestsFor("app_ticket_resend").at(-1);
      const data = Object.assign(Object.create({ headers: req.headers }), JSON.parse(raw));
      const result = await dispatcher.invoke(data);
      got.push({ headers: req.headers, raw, result, resendAnswered: resend ? resend.status !== 0 : false });
      res.end(JSON.stringify(result ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/event`;
  return { url, got, server };
}
