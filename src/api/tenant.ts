import type { ApiClient } from "./auth";

/**
 * The tenant an API request acts for: the one place that decides it. A self-built app has one tenant, "";
 * once the bot serves store apps, a token will be bound to the tenant that was given it, here.
 */
export function tenantOf(_client: ApiClient): string {
  return "";
}
