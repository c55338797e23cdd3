import type { AuthState, StoredUserToken, UserTokenOutcome } from "../roles";
import { toAuthState, toUserToken } from "../rows";
import type { Db } from "./pool";

/** People's tokens and OAuth states in the PostgreSQL store (UserTokenStore in roles.ts). */

type Client = Pick<Db, "query">;

export async function getUserToken(db: Client, tenantKey: string, openId: string) {
  const { rows } = await db.query("SELECT * FROM user_tokens WHERE tenant_key = $1 AND open_id = $2", [
    tenantKey,
    openId,
  ]);
  return rows[0] ? toUserToken(rows[0]) : undefined;
}

export async function saveUserToken(db: Client, t: StoredUserToken): Promise<void> {
  await db.query(
    `INSERT INTO user_tokens (tenant_key, open_id, access_token, access_expires_at, refresh_token, refresh_expires_at,
       scope, authorized_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_key, open_id) DO UPDATE SET access_token = excluded.access_token,
       access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token,
       refresh_expires_at = excluded.refresh_expires_at, scope = excluded.scope,
       authorized_at = excluded.authorized_at, updated_at = excluded.updated_at`,
    [
      t.tenantKey,
      t.openId,
      t.accessToken,
      t.accessExpiresAt,
      t.refreshToken,
      t.refreshExpiresAt,
      t.scope,
      t.authorizedAt,
      t.updatedAt,
    ],
  );
}

export async function deleteUserToken(db: Client, tenantKey: string, openId: string): Promise<boolean> {
  const res = await db.query("DELETE FROM user_tokens WHERE tenant_key = $1 AND open_id = $2", [
    tenantKey,
    openId,
  ]);
  return (res.rowCount ?? 0) > 0;
}

/**
 * The person's tokens under a transaction-scoped advisory lock (a row lock would not cover a person who has no
 * row yet): every replica takes turns, and what `work` keeps is committed before the lock is let go.
 */
export function lockUserToken<T>(
  db: Db,
  tenantKey: string,
  openId: string,
  work: (current: StoredUserToken | undefined) => Promise<UserTokenOutcome<T>>,
): Promise<T> {
  return db.tx(async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", [
      `user-token:${tenantKey}:${openId}`,
    ]);
    const outcome = await work(await getUserToken(client, tenantKey, openId));
    if (outcome.keep === null) await deleteUserToken(client, tenantKey, openId);
    else if (outcome.keep) await saveUserToken(client, outcome.keep);
    return outcome.result;
  });
}

export async function createAuthState(db: Client, s: AuthState): Promise<void> {
  await db.query(
    "INSERT INTO auth_states (id, tenant_key, open_id, watch_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    [s.id, s.tenantKey, s.openId, s.watchId, s.createdAt, s.expiresAt],
  );
}

export async function takeAuthState(db: Client, id: string, now: number): Promise<AuthState | undefined> {
  const { rows } = await db.query("DELETE FROM auth_states WHERE id = $1 RETURNING *", [id]);
  if (!rows[0] || Number(rows[0].expires_at) <= now) return undefined;
  return toAuthState(rows[0]);
}
