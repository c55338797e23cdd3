import { createHash, timingSafeEqual } from "node:crypto";
import { AESCipher } from "@larksuiteoapi/node-sdk";

/** A request Feishu would not have sent: the receiver answers with `status` and does nothing else. */
export class WebhookError extends Error {
  constructor(
    readonly status: 400 | 401 | 413,
    message: string,
  ) {
    super(message);
    this.name = "WebhookError";
  }
}

export interface SignatureInput {
  encryptKey: string;
  timestamp: string;
  nonce: string;
  signature: string;
  rawBody: Buffer;
}

/** Feishu's signature: lowercase hex SHA-256 of timestamp + nonce + encrypt key + the raw body bytes. */
export function computeSignature(input: Omit<SignatureInput, "signature">): string {
  return createHash("sha256")
    .update(input.timestamp + input.nonce + input.encryptKey, "utf8")
    .update(input.rawBody)
    .digest("hex");
}

/**
 * The legacy card callback's signature (the old "message card request URL"): lowercase hex SHA-1 of
 * timestamp + nonce + verification token + the raw body bytes. SDK gap: its CardActionHandler signs a
 * re-serialised body instead of the bytes Feishu sent.
 */
export function computeLegacySignature(input: {
  verificationToken: string;
  timestamp: string;
  nonce: string;
  rawBody: Buffer;
}): string {
  return createHash("sha1")
    .update(input.timestamp + input.nonce + input.verificationToken, "utf8")
    .update(input.rawBody)
    .digest("hex");
}

/** Constant-time comparison of two hex signatures (case-insensitive). */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given.toLowerCase(), "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Constant-time check over the raw bytes. SDK gap: EventDispatcher signs JSON.stringify(parsedBody) instead
 * of the bytes Feishu sent, and still answers 200 when the check fails.
 */
export function verifySignature(input: SignatureInput): boolean {
  return sameSignature(computeSignature(input), input.signature);
}

/** AES-256-CBC with key SHA-256(encryptKey) and the IV in the first 16 bytes (the SDK's AESCipher). */
export function decrypt(encryptKey: string, encrypted: string): string {
  const bytes = Buffer.from(encrypted, "base64");
  if (bytes.length < 32 || bytes.length % 16 !== 0) {
    throw new WebhookError(400, "encrypted body has an impossible length");
  }
  try {
    return new AESCipher(encryptKey).decrypt(encrypted);
  } catch {
    throw new WebhookError(400, "encrypted body does not decrypt with the configured encrypt key");
  }
}

/** Constant-time string equality for the verification token. */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}
