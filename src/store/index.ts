import type { DatabaseConfig } from "../config";
import type { Logger } from "../logger";
import type { Store } from "./roles";
import { SqliteStore } from "./sqlite/index";

/**
 * Opens the store DATABASE_URL names: `sqlite:<path>` (one process, the embedded default) or
 * `postgres://...` / `postgresql://...` (shared by every replica; its schema is created and migrated here).
 * The PostgreSQL driver is loaded only when it is used.
 */
export async function openStore(database: DatabaseConfig, logger: Logger): Promise<Store> {
  if (database.kind === "sqlite") return new SqliteStore(database.path);
  const { PostgresStore } = await import("./postgres");
  return PostgresStore.open(database.url, logger);
}
