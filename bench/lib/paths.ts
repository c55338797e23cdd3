import { join } from "node:path";

/** The repository root, from the sources (bench/lib/) or from a build of them that keeps the same layout. */
export const ROOT = join(__dirname, "..", "..");
