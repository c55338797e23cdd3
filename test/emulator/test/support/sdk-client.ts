/**
 * The real SDK client pointed at an emulator, and a helper that reads Feishu's error answer from a rejected
 * call: what the emulator's own tests use to drive it the way the bot does.
 */
import * as lark from "@larksuiteoapi/node-sdk";
import { isAxiosError } from "axios";
import type { Emulator } from "../../src";

const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** A real `lark.Client` against `emu`, with its own token cache (the SDK's default one is process-global). */
export function sdkClient(emu: Emulator, appSecret = emu.options.appSecret): lark.Client {
  return new lark.Client({
    appId: emu.options.appId,
    appSecret,
    domain: emu.url,
    cache: new lark.DefaultCache(),
    loggerLevel: lark.LoggerLevel.error,
    logger: silent,
  });
}

export interface Rejection {
  status: number;
  code: unknown;
  msg: unknown;
  headers: Record<string, unknown>;
}

/** Awaits a promise that must reject with an HTTP error, and returns its status and Feishu body. */
export async function rejection(p: Promise<unknown>): Promise<Rejection> {
  const err = await p.then(
    () => {
      throw new Error("expected the call to be rejected");
    },
    (e: unknown) => e,
  );
  if (!isAxiosError(err) || !err.response)
    throw new Error(`expected an axios HTTP error, got ${String(err)}`);
  const data = err.response.data as { code?: unknown; msg?: unknown };
  return {
    status: err.response.status,
    code: data.code,
    msg: data.msg,
    headers: { ...err.response.headers },
  };
}

export const textContent = (text: string) => JSON.stringify({ text });

/** A minimal valid JSON 2.0 card; `extra` replaces top-level fields. */
export const card2 = (title: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    schema: "2.0",
    config: { update_multi: true },
    header: { title: { tag: "plain_text", content: title }, template: "blue" },
    body: { elements: [{ tag: "markdown", content: `**${title}**` }] },
    ...extra,
  });

/** A fake clock for `startEmulator({ now })`: starts at `start`, moves only when told. */
export function fakeClock(start = Date.UTC(2024, 0, 15, 9, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}
