import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary folder for a test's files (a database, a .env); removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "taskbot-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
