import type { Db } from "./pool";

/** The tenants of the PostgreSQL store (TenantStore in roles.ts says what each call promises). */

export function setTenantStatus(
  db: Db,
  tenantKey: string,
  status: "active" | "uninstalled",
  reason: string,
  now: number,
): Promise<number> {
  return db.tx(async (client) => {
    await client.query(
      `INSERT INTO tenants (tenant_key, status, since) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_key) DO UPDATE SET status = excluded.status, since = excluded.since`,
      [tenantKey, status, now],
    );
    if (status === "active") return 0;
    await client.query("DELETE FROM user_tokens WHERE tenant_key = $1", [tenantKey]);
    await client.query("DELETE FROM auth_states WHERE tenant_key = $1", [tenantKey]);
    const ended = await client.query(
      `UPDATE watches SET phase = 'done', state = 'stopped', notify = false, end_reason = $1,
         finished_at = COALESCE(finished_at, $2), lease_owner = NULL, lease_until = NULL, updated_at = $2
         WHERE tenant_key = $3 AND phase <> 'done'`,
      [reason, now, tenantKey],
    );
    return ended.rowCount ?? 0;
  });
}

export async function purgeUninstalledTenants(db: Db, before: number): Promise<number> {
  const { rows } = await db.query(
    `WITH gone AS (
       DELETE FROM tenants WHERE status = 'uninstalled' AND since < $1 RETURNING tenant_key),
     watches_gone AS (
       DELETE FROM watches WHERE tenant_key IN (SELECT tenant_key FROM gone))
     SELECT count(*) AS n FROM gone`,
    [before],
  );
  return Number(rows[0].n);
}
