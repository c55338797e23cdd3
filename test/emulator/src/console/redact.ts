/**
 * What the inspector shows never holds a secret: values under secret-looking keys (app secret, tokens,
 * tickets, the encrypt key, signatures, Authorization) become "[redacted]", and any known secret or issued
 * token found inside another string (a URL, a log line) is cut out too.
 */
const SECRET_KEY = /secret|token|ticket|encrypt|authorization|password|signature|^c$/i;
const ISSUED_TOKEN = /\b(?:[ta]-emu-|c-)[A-Za-z0-9_-]{8,}/g;
export const REDACTED = "[redacted]";

export function redact(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === "string") return redactString(value, secrets);
  if (depth > 20 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && v !== "" && v !== undefined ? REDACTED : redact(v, secrets, depth + 1);
  }
  return out;
}

function redactString(text: string, secrets: readonly string[]): string {
  let out = text.replace(ISSUED_TOKEN, REDACTED);
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out;
}
