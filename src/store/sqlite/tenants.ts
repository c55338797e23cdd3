import type { Row, SqliteDb } from "./db";

/** The tenants of the SQLite store (TenantStore in roles.ts says what each call promises). */

export async function setTenantStatus(
  d: SqliteDb,
  tenantKey: string,
  status: "active" | "uninstalled",
  reason: string,
  now: number,
): Promise<number> {
  return d.transaction(() => {
    d.prepare(
      `INSERT INTO tenants (tenant_key, status, since) VALUES (?, ?, ?)
         ON CONFLICT (tenant_key) DO UPDATE SET status = excluded.status, since = excluded.since`,
    ).run(tenantKey, status, now);
    if (status === "active") return 0;
    d.prepare("DELETE FROM user_tokens WHERE tenant_key = ?").run(tenantKey);
    d.prepare("DELETE FROM auth_states WHERE tenant_key = ?").run(tenantKey);
    return d
      .prepare(
        `UPDATE watches SET phase = 'done', state = 'stopped', notify = 0, end_reason = ?,
           finished_at = COALESCE(finished_at, ?), lease_owner = NULL, lease_until = NULL, updated_at = ?
           WHERE tenant_key = ? AND phase <> 'done'`,
      )
      .run(reason, now, now, tenantKey).changes;
  });
}

export async function purgeUninstalledTenants(d: SqliteDb, before: number): Promise<number> {
  return d.transaction(() => {
    const gone = d
      .prepare("SELECT tenant_key FROM tenants WHERE status = 'uninstalled' AND since < ?")
      .all(before) as Row[];
    for (const { tenant_key } of gone) {
      d.prepare("DELETE FROM watches WHERE tenant_key = ?").run(tenant_key);
      d.prepare("DELETE FROM tenants WHERE tenant_key = ?").run(tenant_key);
    }
    return gone.length;
  });
}
