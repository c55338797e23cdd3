/**
 * Feishu event crypto, implemented independently of the bot (tests use it to check the bot's own code).
 *
 * - Encryption: key = SHA-256(encryptKey) (32 bytes), AES-256-CBC, PKCS#7, random 16-byte IV prepended,
 *   base64 of IV || ciphertext.
 * - Signature: lowercase hex SHA-256 of timestamp + nonce + encryptKey + raw body.
 * - Legacy card callback signature: lowercase hex SHA-1 of timestamp + nonce + verification token + raw body.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from "node:crypto";

function aesKey(encryptKey: string): Buffer {
  return createHash("sha256").update(encryptKey, "utf8").digest();
}

/** Encrypts `plaintext` the way Feishu does for `{"encrypt":"..."}` bodies. */
export function encryptBody(encryptKey: string, plaintext: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", aesKey(encryptKey), iv); // PKCS#7 padding is Node's default
  const encrypted = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, encrypted]).toString("base64");
}

/** Reverses encryptBody (and decrypts real Feishu payloads). Throws on a wrong key or corrupt data. */
export function decryptBody(encryptKey: string, encrypted: string): string {
  const data = Buffer.from(encrypted, "base64");
  if (data.length < 32 || data.length % 16 !== 0) {
    throw new Error(`decryptBody: ciphertext of ${data.length} bytes is not IV + whole AES blocks`);
  }
  const decipher = createDecipheriv("aes-256-cbc", aesKey(encryptKey), data.subarray(0, 16));
  return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]).toString("utf8");
}

/** X-Lark-Signature over the exact raw body bytes. */
export function signBody(encryptKey: string, timestamp: string, nonce: string, rawBody: string): string {
  return createHash("sha256")
    .update(timestamp + nonce + encryptKey, "utf8")
    .update(rawBody, "utf8")
    .digest("hex");
}

/**
 * X-Lark-Signature of the legacy card callback (message card request URL): SHA-1 over the verification
 * token, never the encrypt key, and the exact raw body bytes.
 */
export function signLegacyBody(
  verificationToken: string,
  timestamp: string,
  nonce: string,
  rawBody: string,
): string {
  return createHash("sha1")
    .update(timestamp + nonce + verificationToken, "utf8")
    .update(rawBody, "utf8")
    .digest("hex");
}

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** `n` random decimal digits (Feishu task ids are 19-digit numbers). */
export function randomDigits(n: number): string {
  return Array.from({ length: n }, () => randomInt(10)).join("");
}

/** A deterministic 32-hex id derived from a seed (stable union_id/user_id for an open_id). */
export function derivedHex(seed: string, length = 32): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}
