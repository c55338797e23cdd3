import type { ApiClient } from "./auth";

/**
 * The tenant an API request acts for: the one place that decides it. A self-built app has one tenant, "".
 * A store app serves many: each of its tokens is bound to one tenant in API_TOKENS (`tenant_key:token`), so a
 * script can see and touch that tenant's watches only, whatever its request says.
 */
export function tenantOf(client: ApiClient): string {
  return client.tenantKey;
}
