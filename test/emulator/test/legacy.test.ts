/**
 * The legacy card callback: flat body, never encrypted, SHA-1 signature over the verification token and the
 * raw body; checked against an independently computed vector and against the real SDK's CardActionHandler.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, signBody, signLegacyBody, startEmulator } from "../src";
import { fakeClock } from "./support/sdk-client";

let emu: Emulator | undefined;
const servers: Server[] = [];

afterEach(async () => {
  await emu?.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/card`;
}

/** A receiver that keeps what arrived and answers {}. */
async function receiver() {
  const got: Array<{ headers: IncomingHttpHeaders; raw: string }> = [];
  const url = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
      res.end("{}");
    });
  });
  return { url, got };
}

const sha1 = (s: string) => createHash("sha1").update(s, "utf8").digest("hex");

describe("signLegacyBody", () => {
  it("is lowercase hex SHA-1 of timestamp + nonce + verification token + body (fixed vector)", () => {
    const body = '{"open_id":"ou_1","action":{"value":{"k":"v"},"tag":"button"}}';
    // Computed outside this code base: python3 hashlib.sha1(b"1700000000" b"n0nce" b"legacy-vt" + body).
    expect(signLegacyBody("legacy-vt", "1700000000", "n0nce", body)).toBe(
      "d83bc8c121c1a0bb4192b1cedcef5364b4018404",
    );
    expect(signLegacyBody("legacy-vt", "1700000000", "n0nce", `${body} `)).not.toBe(
      "d83bc8c121c1a0bb4192b1cedcef5364b4018404",
    );
    expect(signLegacyBody("vt", "1", "n", "{}")).not.toBe(signBody("vt", "1", "n", "{}"));
    expect(signLegacyBody("vt", "1", "n", "{}")).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe("legacy card callback", () => {
  it("builds the flat body: operator ids, message, chat, tenant, an update token and the action", async () => {
    emu = await startEmulator();
    const body = emu.legacyCardCallback({
      openMessageId: "om_card",
      chatId: "oc_1",
      operatorOpenId: "ou_op",
      value: { action: "refresh" },
    });
    expect(Object.keys(body).sort()).toEqual(
      ["action", "open_chat_id", "open_id", "open_message_id", "tenant_key", "token", "user_id"].sort(),
    );
    expect(body).toMatchObject({
      open_id: "ou_op",
      open_message_id: "om_card",
      open_chat_id: "oc_1",
      tenant_key: "tenant_emulator",
      action: { value: { action: "refresh" }, tag: "button" },
    });
    expect(body.token).toMatch(/^c-[0-9a-f]{32}$/);
    expect(body.user_id).toBe(emu.addUser("ou_op").user_id);
  });

  it("is never encrypted, and signed with SHA-1 over the verification token by the emulator clock", async () => {
    const clock = fakeClock(1_700_000_000_000);
    emu = await startEmulator({ encryptKey: "ek", verificationToken: "vt", now: clock.now });
    const rx = await receiver();
    const body = emu.legacyCardCallback({
      openMessageId: "om_1",
      chatId: "oc_1",
      operatorOpenId: "ou_1",
      value: {},
    });
    const res = await emu.deliverLegacy(rx.url, body);
    expect(res).toMatchObject({ status: 200, body: {} });
    const { headers, raw } = rx.got[0];
    expect(JSON.parse(raw)).toEqual(body); // plain JSON although an encrypt key is set
    expect(headers["x-lark-request-timestamp"]).toBe("1700000000");
    const nonce = String(headers["x-lark-request-nonce"]);
    expect(headers["x-lark-signature"]).toBe(sha1(`1700000000${nonce}vt${raw}`));
    expect(headers["x-lark-signature"]).not.toBe(sha1(`1700000000${nonce}ek${raw}`));
  });

  it("can omit, forge or mis-sign the signature, and sends challenges unsigned", async () => {
    emu = await startEmulator({ verificationToken: "vt" });
    const rx = await receiver();
    const body = emu.legacyCardCallback({
      openMessageId: "om_1",
      chatId: "oc_1",
      operatorOpenId: "ou_1",
      value: {},
    });
    await emu.deliverLegacy(rx.url, body, { sign: false });
    await emu.deliverLegacy(rx.url, body, { signature: "forged" });
    await emu.deliverLegacy(rx.url, body, { verificationToken: "stolen" });
    await emu.deliverLegacy(rx.url, body, { rawBody: '{"open_id":"x"}', headers: { "x-extra": "1" } });
    await emu.deliverLegacy(rx.url, emu.challenge());
    const [unsigned, forged, wrong, raw, challenge] = rx.got;
    expect(unsigned.headers["x-lark-signature"]).toBeUndefined();
    expect(unsigned.headers["x-lark-request-timestamp"]).toBeUndefined();
    expect(forged.headers["x-lark-signature"]).toBe("forged");
    const at = (g: typeof wrong) =>
      `${g.headers["x-lark-request-timestamp"]}${g.headers["x-lark-request-nonce"]}`;
    expect(wrong.headers["x-lark-signature"]).toBe(sha1(`${at(wrong)}stolen${wrong.raw}`));
    expect(raw.raw).toBe('{"open_id":"x"}');
    expect(raw.headers["x-lark-signature"]).toBe(sha1(`${at(raw)}vt{"open_id":"x"}`));
    expect(raw.headers["x-extra"]).toBe("1");
    expect(JSON.parse(challenge.raw)).toMatchObject({ type: "url_verification", token: "vt" });
    expect(challenge.headers["x-lark-signature"]).toBeUndefined();
    expect(() => emu?.repush(rx.url, body)).toThrow(/never re-pushed/);
  });

  it("is accepted by the real SDK's CardActionHandler, and a forged or mis-signed one is not", async () => {
    emu = await startEmulator({ verificationToken: "vt" });
    const seen: unknown[] = [];
    const handler = new lark.CardActionHandler(
      {
        verificationToken: "vt",
        loggerLevel: lark.LoggerLevel.error,
        logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {} },
      },
      async (data: unknown) => {
        seen.push(data);
        return { toast: { type: "info", content: "ok" } };
      },
    );
    const url = await listen(lark.adaptDefault("/card", handler));
    const body = emu.legacyCardCallback({
      openMessageId: "om_1",
      chatId: "oc_1",
      operatorOpenId: "ou_1",
      value: { a: 1 },
    });
    const good = await emu.deliverLegacy(url, body);
    expect(good.body).toEqual({ toast: { type: "info", content: "ok" } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ open_message_id: "om_1", action: { value: { a: 1 } } });
    for (const opts of [{ signature: "0".repeat(40) }, { verificationToken: "stolen" }]) {
      const refused = await emu.deliverLegacy(url, body, opts);
      expect(refused.text, JSON.stringify(opts)).toBe("");
    }
    expect(seen).toHaveLength(1);
  });
});
