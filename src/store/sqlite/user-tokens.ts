import type { AuthState, StoredUserToken, UserTokenOutcome } from "../roles";
import { toAuthState, toUserToken } from "../rows";
import type { Row, SqliteDb } from "./db";

/** People's tokens and OAuth states in the SQLite store (UserTokenStore in roles.ts). */

export async function getUserToken(d: SqliteDb, tenantKey: string, openId: string) {
  const row = d
    .prepare("SELECT * FROM user_tokens WHERE tenant_key = ? AND open_id = ?")
    .get(tenantKey, openId) as Row | undefined;
  return row ? toUserToken(row) : undefined;
}

export async function saveUserToken(d: SqliteDb, t: StoredUserToken): Promise<void> {
  save(d, t);
}

function save(d: SqliteDb, t: StoredUserToken): void {
  d.prepare(
    `INSERT INTO user_tokens (tenant_key, open_id, access_token, access_expires_at, refresh_token, refresh_expires_at,
       scope, authorized_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_key, open_id) DO UPDATE SET access_token = excluded.access_token,
       access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token,
       refresh_expires_at = excluded.refresh_expires_at, scope = excluded.scope,
       authorized_at = excluded.authorized_at, updated_at = excluded.updated_at`,
  ).run(
    t.tenantKey,
    t.openId,
    t.accessToken,
    t.accessExpiresAt,
    t.refreshToken,
    t.refreshExpiresAt,
    t.scope,
    t.authorizedAt,
    t.updatedAt,
  );
}

export async function deleteUserToken(d: SqliteDb, tenantKey: string, openId: string): Promise<boolean> {
  return (
    d.prepare("DELETE FROM user_tokens WHERE tenant_key = ? AND open_id = ?").run(tenantKey, openId).changes >
    0
  );
}

/** One process per SQLite file: a queue per person in memory is the lock. */
export class PersonLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(
    d: SqliteDb,
    tenantKey: string,
    openId: string,
    work: (current: StoredUserToken | undefined) => Promise<UserTokenOutcome<T>>,
  ): Promise<T> {
    const key = `${tenantKey}\u0000${openId}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const turn = previous.then(async () => {
      const outcome = await work(await getUserToken(d, tenantKey, openId));
      if (outcome.keep === null) await deleteUserToken(d, tenantKey, openId);
      else if (outcome.keep) save(d, outcome.keep);
      return outcome.result;
    });
    const tail = turn.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return turn;
  }
}

export async function createAuthState(d: SqliteDb, s: AuthState): Promise<void> {
  d.prepare(
    "INSERT INTO auth_states (id, tenant_key, open_id, watch_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
  ).run(s.id, s.tenantKey, s.openId, s.watchId, s.createdAt, s.expiresAt);
}

export async function takeAuthState(d: SqliteDb, id: string, now: number): Promise<AuthState | undefined> {
  const row = d.prepare("DELETE FROM auth_states WHERE id = ? RETURNING *").get(id) as Row | undefined;
  if (!row || Number(row.expires_at) <= now) return undefined;
  return toAuthState(row);
}
