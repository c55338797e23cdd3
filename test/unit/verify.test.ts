import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openEnvelope } from "../../src/feishu/envelope";
import {
  computeLegacySignature,
  computeSignature,
  decrypt,
  verifySignature,
  WebhookError,
} from "../../src/feishu/verify";

const KEY = "test key";

function encrypt(key: string, plain: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", createHash("sha256").update(key).digest(), iv);
  return Buffer.concat([iv, cipher.update(plain, "utf8"), cipher.final()]).toString("base64");
}

function request(body: string, headers: Record<string, string> = {}) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { rawBody: Buffer.from(body), header: (name: string) => lower[name.toLowerCase()] };
}

function signed(body: string, key = KEY, timestamp = "1700000000", nonce = "n0nce") {
  const signature = computeSignature({ encryptKey: key, timestamp, nonce, rawBody: Buffer.from(body) });
  return request(body, {
    "X-Lark-Request-Timestamp": timestamp,
    "X-Lark-Request-Nonce": nonce,
    "X-Lark-Signature": signature,
  });
}

const event = (token = "vt") =>
  JSON.stringify({
    schema: "2.0",
    header: { event_id: "ev1", event_type: "im.message.receive_v1", create_time: "1", token },
    event: { message: {} },
  });

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookError) return error.status;
    throw error;
  }
  return 200;
}

describe("decrypt", () => {
  it("decrypts Feishu's official vector", () => {
    expect(decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")).toBe("hello world");
  });

  it("round-trips our own encryption and refuses the wrong key or truncated data", () => {
    const data = encrypt(KEY, '{"a":1}');
    expect(decrypt(KEY, data)).toBe('{"a":1}');
    expect(() => decrypt("other key", data)).toThrow(WebhookError);
    expect(() => decrypt(KEY, data.slice(0, 20))).toThrow(WebhookError);
    expect(() => decrypt(KEY, "not base64 at all!!")).toThrow(WebhookError);
  });
});

describe("verifySignature", () => {
  it("accepts the signature over the exact raw bytes and refuses any change", () => {
    const raw = Buffer.from('{"encrypt":"abc"}');
    const parts = { encryptKey: KEY, timestamp: "1", nonce: "2", rawBody: raw };
    const signature = computeSignature(parts);
    expect(signature).toBe(createHash("sha256").update(`12${KEY}{"encrypt":"abc"}`).digest("hex"));
    expect(verifySignature({ ...parts, signature })).toBe(true);
    expect(verifySignature({ ...parts, signature: signature.toUpperCase() })).toBe(true);
    expect(verifySignature({ ...parts, signature: signature.slice(1) })).toBe(false);
    expect(verifySignature({ ...parts, rawBody: Buffer.from('{"encrypt": "abc"}'), signature })).toBe(false);
    expect(verifySignature({ ...parts, nonce: "3", signature })).toBe(false);
    expect(verifySignature({ ...parts, encryptKey: "other", signature })).toBe(false);
  });
});

describe("openEnvelope", () => {
  const secrets = { encryptKey: KEY, verificationToken: "vt" };

  it("opens a signed, encrypted event", () => {
    const body = JSON.stringify({ encrypt: encrypt(KEY, event()) });
    const envelope = openEnvelope(signed(body), secrets);
    expect(envelope).toMatchObject({ kind: "event", eventType: "im.message.receive_v1", eventId: "ev1" });
  });

  it("answers the unsigned challenge, plain or encrypted, after checking its token", () => {
    const plain = JSON.stringify({ challenge: "c1", token: "vt", type: "url_verification" });
    expect(openEnvelope(request(plain), secrets)).toEqual({ kind: "challenge", challenge: "c1" });
    const wrapped = JSON.stringify({ encrypt: encrypt(KEY, plain) });
    expect(openEnvelope(request(wrapped), secrets)).toEqual({ kind: "challenge", challenge: "c1" });
    const forged = JSON.stringify({ challenge: "c1", token: "nope", type: "url_verification" });
    expect(statusOf(() => openEnvelope(request(forged), secrets))).toBe(401);
  });

  it("refuses forged events with 401", () => {
    const body = JSON.stringify({ encrypt: encrypt(KEY, event()) });
    expect(statusOf(() => openEnvelope(request(body), secrets))).toBe(401); // no signature
    expect(statusOf(() => openEnvelope(signed(body, "wrong key"), secrets))).toBe(401);
    const wrongToken = JSON.stringify({ encrypt: encrypt(KEY, event("stolen")) });
    expect(statusOf(() => openEnvelope(signed(wrongToken), secrets))).toBe(401);
    // A replay with a modified body but the old signature.
    const good = signed(body);
    const tampered = { ...good, rawBody: Buffer.from(body.replace("{", "{ ")) };
    expect(statusOf(() => openEnvelope(tampered, secrets))).toBe(401);
  });

  it("checks the token of plain events when no encrypt key is set", () => {
    const noKey = { encryptKey: "", verificationToken: "vt" };
    expect(openEnvelope(request(event()), noKey).kind).toBe("event");
    expect(statusOf(() => openEnvelope(request(event("x")), noKey))).toBe(401);
    expect(statusOf(() => openEnvelope(request(JSON.stringify({ encrypt: "abc" })), noKey))).toBe(400);
  });

  it.each([
    ["not json", "{{{"],
    ["an array", "[1,2]"],
    ["a string", '"hi"'],
    ["deep nesting", `${"[".repeat(5000)}${"]".repeat(5000)}`],
    ["header of the wrong type", JSON.stringify({ schema: "2.0", header: "x", event: {} })],
    ["missing event type", JSON.stringify({ schema: "2.0", header: { event_id: "e" }, event: {} })],
    ["encrypt of the wrong type", JSON.stringify({ encrypt: 42 })],
  ])("answers 400 to %s", (_name, body) => {
    expect(statusOf(() => openEnvelope(request(body), { encryptKey: "", verificationToken: "" }))).toBe(400);
  });

  it("answers 400 to a valid signature over undecryptable data", () => {
    const body = JSON.stringify({ encrypt: randomBytes(48).toString("base64") });
    expect(statusOf(() => openEnvelope(signed(body), secrets))).toBe(400);
  });
});

describe("the legacy card callback", () => {
  const body = JSON.stringify({
    open_id: "ou_1",
    open_message_id: "om_1",
    open_chat_id: "oc_1",
    tenant_key: "t",
    token: "c-1",
    action: { value: { action: "refresh" }, tag: "button" },
  });
  // Computed independently of the code under test: sha1(timestamp + nonce + token + body), lowercase hex.
  const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
  const legacy = (signature: string) =>
    request(body, {
      "X-Lark-Request-Timestamp": "1700000000",
      "X-Lark-Request-Nonce": "n",
      "X-Lark-Signature": signature,
    });

  it("is verified by its SHA-1 over timestamp, nonce, verification token and the raw body", () => {
    const good = sha1(`1700000000nvt${body}`);
    expect(openEnvelope(legacy(good), { encryptKey: KEY, verificationToken: "vt" })).toMatchObject({
      kind: "legacy_card",
    });
    expect(openEnvelope(legacy(good.toUpperCase()), { encryptKey: "", verificationToken: "vt" }).kind).toBe(
      "legacy_card",
    );
    expect(
      computeLegacySignature({
        verificationToken: "vt",
        timestamp: "1700000000",
        nonce: "n",
        rawBody: Buffer.from(body),
      }),
    ).toBe(good);
  });

  it("is refused with 401 when forged, signed with another token, unsigned, or unverifiable", () => {
    const secrets = { encryptKey: KEY, verificationToken: "vt" };
    expect(statusOf(() => openEnvelope(legacy(sha1(`1700000000nother${body}`)), secrets))).toBe(401);
    expect(statusOf(() => openEnvelope(legacy("0".repeat(40)), secrets))).toBe(401);
    expect(statusOf(() => openEnvelope(request(body), secrets))).toBe(401);
    // Signatures required (an encrypt key) but no verification token to check this one with.
    expect(
      statusOf(() =>
        openEnvelope(legacy(sha1(`1700000000n${body}`)), { encryptKey: KEY, verificationToken: "" }),
      ),
    ).toBe(401);
    // A SHA-256 event signature does not pass for a legacy body.
    const v2 = computeSignature({
      encryptKey: KEY,
      timestamp: "1700000000",
      nonce: "n",
      rawBody: Buffer.from(body),
    });
    expect(statusOf(() => openEnvelope(legacy(v2), secrets))).toBe(401);
  });

  it("is taken as is only when the bot verifies nothing at all (neither secret set)", () => {
    expect(openEnvelope(request(body), { encryptKey: "", verificationToken: "" }).kind).toBe("legacy_card");
  });
});
