import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

/**
 * The variables the bot's configuration is read from: `.env` in `cwd` (when present), overridden by the
 * environment. Shared by the entry points (main.ts, check.ts), the only files that pass process.env in.
 */
export function loadEnv(cwd: string, environment: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const file = join(cwd, ".env");
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : {};
  // Variables set in the environment win over the .env file.
  return { ...fromFile, ...environment };
}
