import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiToken } from "../config";

/** Who is calling the watch API: one of API_TOKENS, known by a short hash (never by the token itself). */
export interface ApiClient {
  /** 12 hex digits of the token's SHA-256: in logs, in `Watch.apiClient`, in rate-limit and idempotency keys. */
  id: string;
  /** The tenant the token acts for ("" for a self-built app). */
  tenantKey: string;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The short, stable name of a token: enough to tell clients apart, useless to recover the token. */
export function clientIdOf(token: string): string {
  return sha256(token).toString("hex").slice(0, 12);
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Returns a function that reads an `Authorization` header and names the client whose token it carries, or
 * undefined. Both sides are hashed first, so every comparison takes the same time whatever the lengths, and
 * every configured token is compared (no early exit), so the time says nothing about which one matched.
 */
export function createAuthenticator(
  tokens: readonly ApiToken[],
): (header: string | undefined) => ApiClient | undefined {
  const known = tokens.map(({ token, tenantKey }) => ({
    digest: sha256(token),
    id: clientIdOf(token),
    tenantKey,
  }));
  return (header) => {
    const presented = BEARER.exec(header ?? "")?.[1];
    if (presented === undefined) return undefined;
    const digest = sha256(presented);
    let match: ApiClient | undefined;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, digest) && !match) {
        match = { id: candidate.id, tenantKey: candidate.tenantKey };
      }
    }
    return match;
  };
}
