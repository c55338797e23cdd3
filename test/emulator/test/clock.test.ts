/**
 * The injectable clock: everything the emulator times (tokens, uuid window, rate limits, message times, event
 * create_time, signature timestamps) reads `options.now`, so a test moves time without waiting.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CODES, type Emulator, startEmulator, UUID_WINDOW_MS } from "../src";
import { fakeClock, rejection, sdkClient, textContent } from "./support/sdk-client";

let emu: Emulator | undefined;
let server: Server | undefined;

afterEach(async () => {
  await emu?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe("the emulator clock", () => {
  it("defaults to Date.now", async () => {
    emu = await startEmulator();
    const before = Date.now();
    const created = Number(emu.messageEvent({ chatType: "p2p", text: "hi" }).header.create_time);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Date.now());
  });

  it("expires tokens, forgets uuids and stamps messages by the injected clock", async () => {
    const clock = fakeClock();
    emu = await startEmulator({ now: clock.now, tokenTtlSeconds: 7200 });
    const client = sdkClient(emu);
    const send = (uuid: string) =>
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: "oc_1", msg_type: "text", content: textContent("x"), uuid },
      });
    const first = await send("u-1");
    expect(emu.messages[0].created_at).toBe(clock.now());
    expect(first.data?.create_time).toBe(String(clock.now()));
    expect(emu.requests[0].at).toBe(clock.now());
    clock.advance(UUID_WINDOW_MS - 1);
    expect((await send("u-1")).data?.message_id).toBe(first.data?.message_id);
    clock.advance(2);
    expect((await send("u-1")).data?.message_id).not.toBe(first.data?.message_id);
    // The SDK still holds the token: past its expiry by the emulator clock, Feishu answers 99991677.
    clock.advance(7200 * 1000);
    expect(await rejection(send("u-2"))).toMatchObject({ status: 400, code: CODES.TOKEN_EXPIRED });
  });

  it("slides rate-limit windows by the injected clock", async () => {
    const clock = fakeClock();
    emu = await startEmulator({ now: clock.now, messagesPerSecondPerChat: 2 });
    const client = sdkClient(emu);
    const send = () =>
      client.im.v1.message.create({
        params: { receive_id_type: "chat_id" },
        data: { receive_id: "oc_1", msg_type: "text", content: textContent("x") },
      });
    await send();
    await send();
    expect(await rejection(send())).toMatchObject({ code: CODES.IM_RATE_LIMITED });
    clock.advance(999);
    expect(await rejection(send())).toMatchObject({ code: CODES.IM_RATE_LIMITED });
    clock.advance(1);
    await expect(send()).resolves.toMatchObject({ code: 0 });
  });

  it("dates events and the signature timestamp by the injected clock", async () => {
    const clock = fakeClock(1_700_000_000_500);
    emu = await startEmulator({ now: clock.now, encryptKey: "ek" });
    const got: IncomingHttpHeaders[] = [];
    server = createServer((req, res) => {
      got.push(req.headers);
      req.resume().on("end", () => res.end("{}"));
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const env = emu.messageEvent({ chatType: "p2p", text: "hi" });
    expect(env.header.create_time).toBe("1700000000500");
    expect(env.event.message.create_time).toBe("1700000000500");
    clock.advance(60_000);
    await emu.deliver(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, env);
    expect(got[0]["x-lark-request-timestamp"]).toBe("1700000060");
  });
});
