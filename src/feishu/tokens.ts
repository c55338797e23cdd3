import * as lark from "@larksuiteoapi/node-sdk";
import type { KvStore } from "../store/roles";

/** The SDK's cache interface, plus forgetting the token Feishu rejected (of one tenant, or the one token). */
export interface TokenStore extends lark.Cache {
  dropToken(tenantKey: string): Promise<void>;
  /** Forgets a store app's ticket (Feishu refused it); nothing for a self-built app. */
  dropTicket(): Promise<void>;
}

type Key = string | symbol;
type Options = { namespace?: string };

/**
 * Tokens in this process's memory: right for a self-built app (one token, cheap to fetch again after a
 * restart). Covers two SDK gaps: its default cache is process-global per appId, and it never drops a token
 * that Feishu calls invalid (99991663/99991677).
 */
export class MemoryTokenStore implements TokenStore {
  private readonly values = new Map<string, { value: unknown; expiresAt?: number }>();

  // biome-ignore lint/complexity/noBannedTypes: the SDK's Cache interface types keys as `Symbol`.
  async get(key: string | Symbol, options?: Options): Promise<unknown> {
    const entry = this.values.get(keyOf(key as Key, options));
    if (!entry || (entry.expiresAt !== undefined && entry.expiresAt <= Date.now())) return undefined;
    return entry.value;
  }

  // biome-ignore lint/complexity/noBannedTypes: as above.
  async set(key: string | Symbol, value: unknown, expiresAt?: number, options?: Options): Promise<boolean> {
    this.values.set(keyOf(key as Key, options), { value, expiresAt });
    return true;
  }

  async dropToken(): Promise<void> {
    // One process, one app: dropping every token is exact enough (a store app's ticket is not a token: kept).
    for (const key of this.values.keys()) if (!key.endsWith(String(lark.CAppTicket))) this.values.delete(key);
  }

  async dropTicket(): Promise<void> {
    for (const key of this.values.keys()) if (key.endsWith(String(lark.CAppTicket))) this.values.delete(key);
  }
}

/** How long a value read from the store is used without asking the store again (the SDK asks per call). */
const READ_THROUGH_MS = 5_000;

/**
 * A store app's ticket and tokens in the shared store, so every replica and every restart uses the ticket
 * Feishu pushed (whichever replica received it) instead of asking for a new one. The SDK's token manager reads
 * and writes through this (its `cache` option); a short read-through memory spares the store a query per call.
 */
export class StoreTokenStore implements TokenStore {
  private readonly memory = new Map<string, { value: unknown; expiresAt?: number; readAt: number }>();

  constructor(
    private readonly store: KvStore,
    private readonly appId: string,
  ) {}

  // biome-ignore lint/complexity/noBannedTypes: the SDK's Cache interface types keys as `Symbol`.
  async get(key: string | Symbol, options?: Options): Promise<unknown> {
    const k = keyOf(key as Key, options);
    const now = Date.now();
    const cached = this.memory.get(k);
    if (
      cached &&
      now - cached.readAt < READ_THROUGH_MS &&
      (cached.expiresAt ?? Number.POSITIVE_INFINITY) > now
    ) {
      return cached.value;
    }
    const raw = await this.store.getValue(k, now);
    const value = raw === undefined ? undefined : (JSON.parse(raw) as unknown);
    this.memory.set(k, { value, readAt: now });
    return value;
  }

  // biome-ignore lint/complexity/noBannedTypes: as above.
  async set(key: string | Symbol, value: unknown, expiresAt?: number, options?: Options): Promise<boolean> {
    const k = keyOf(key as Key, options);
    await this.store.setValue(k, JSON.stringify(value), expiresAt ?? null, Date.now());
    this.memory.set(k, { value, expiresAt, readAt: Date.now() });
    return true;
  }

  /** Keeps the app_ticket Feishu pushed, where the SDK's token manager looks for it. */
  saveTicket(ticket: string): Promise<boolean> {
    return this.set(lark.CAppTicket, ticket, undefined, { namespace: this.appId });
  }

  async hasTicket(): Promise<boolean> {
    return (await this.get(lark.CAppTicket, { namespace: this.appId })) !== undefined;
  }

  async dropTicket(): Promise<void> {
    const k = keyOf(lark.CAppTicket, { namespace: this.appId });
    this.memory.delete(k);
    await this.store.deleteValue(k);
  }

  /** Forgets one tenant's token (the key the SDK's token manager uses for store apps). */
  async dropToken(tenantKey: string): Promise<void> {
    const k = keyOf(`larkMarketAccessToken${tenantKey}`, { namespace: this.appId });
    this.memory.delete(k);
    await this.store.deleteValue(k);
  }
}

/** The key the SDK's default cache would use (`namespace/key`), prefixed so it cannot meet other values. */
function keyOf(key: Key, options?: Options): string {
  return `sdk:${options?.namespace ?? ""}/${String(key)}`;
}
