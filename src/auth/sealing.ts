import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/**
 * USER_TOKEN_KEY at work: users' tokens sealed at rest with AES-256-GCM, and the bot's own links and OAuth
 * `state` signed with HMAC-SHA256. Several keys rotate: the first seals and signs, every one opens and
 * verifies, and what an older key sealed is reported `stale` so its row can be sealed again with the first.
 * The keys themselves are used only through HKDF-derived subkeys, one per purpose; a key's id (in each sealed
 * value, to find its key) is a hash of a derived subkey and says nothing about the key.
 */
export class Sealer {
  private readonly keys: ReadonlyArray<{ id: string; seal: Buffer; sign: Map<string, Buffer>; raw: Buffer }>;

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error("Sealer needs at least one key");
    this.keys = keys.map((raw) => {
      if (raw.length !== 32) throw new Error("USER_TOKEN_KEY keys are 32 bytes");
      const id = createHash("sha256").update(derive(raw, "key-id")).digest("hex").slice(0, 12);
      return { id, seal: derive(raw, "seal"), sign: new Map(), raw };
    });
  }

  /** `plaintext` sealed under the first key; `context` (what the value belongs to) must be given again to open. */
  seal(plaintext: string, context: string): string {
    const key = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key.seal, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return ["v1", key.id, b64(iv), b64(body), b64(cipher.getAuthTag())].join(".");
  }

  /**
   * The plaintext of a sealed value, and whether a key other than the first sealed it; undefined when no key
   * opens it (another deployment's key, a key dropped from USER_TOKEN_KEY, tampering, another row's value).
   */
  open(sealed: string, context: string): { plaintext: string; stale: boolean } | undefined {
    const [version, id, iv, body, tag] = sealed.split(".");
    if (version !== "v1" || !iv || !body || !tag) return undefined;
    const index = this.keys.findIndex((k) => k.id === id);
    if (index < 0) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.keys[index].seal, unb64(iv));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(unb64(tag));
      const plaintext = Buffer.concat([decipher.update(unb64(body)), decipher.final()]).toString("utf8");
      return { plaintext, stale: index > 0 };
    } catch {
      return undefined;
    }
  }

  /** `payload` with an HMAC of it for `purpose` (under the first key): `<payload b64url>.<mac b64url>`. */
  sign(purpose: string, payload: string): string {
    const data = b64(Buffer.from(payload, "utf8"));
    return `${data}.${b64(this.mac(0, purpose, data))}`;
  }

  /** The payload of a token this deployment signed for `purpose` under any of its keys, else undefined. */
  verify(purpose: string, token: string): string | undefined {
    const [data, mac, extra] = token.split(".");
    if (!data || !mac || extra !== undefined) return undefined;
    const given = unb64(mac);
    // Every key is tried (no early exit), so the time says nothing about which one matched.
    let ok = false;
    for (let i = 0; i < this.keys.length; i++) {
      const expected = this.mac(i, purpose, data);
      if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
    }
    return ok ? unb64(data).toString("utf8") : undefined;
  }

  /** A secret derived from the first key for `purpose` (PKCE verifiers are derived from it, not stored). */
  derive(purpose: string, input: string): string {
    return b64(this.mac(0, purpose, input));
  }

  private mac(index: number, purpose: string, data: string): Buffer {
    const key = this.keys[index];
    let subkey = key.sign.get(purpose);
    if (!subkey) {
      subkey = derive(key.raw, `sign:${purpose}`);
      key.sign.set(purpose, subkey);
    }
    return createHmac("sha256", subkey).update(data, "utf8").digest();
  }
}

function derive(key: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), `taskbot/${info}`, 32));
}

const b64 = (bytes: Buffer) => bytes.toString("base64url");
const unb64 = (text: string) => Buffer.from(text, "base64url");
