import type { ApiClient } from "./auth";

/**
 * The tenant an API request acts for: the one place that decides it. A self-built app has one tenant, "".
 * A store app serves many, so readConfig refuses API_TOKENS there until a token is bound to the tenant that
 * was given it, here.
 */
export function tenantOf(_client: ApiClient): string {
  return "";
}
