import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics";

const ROOT = path.resolve(__dirname, "..", "..");

/** Names in the first column of a Markdown table that follows `heading`, up to the next heading. */
function firstColumn(file: string, heading: string): string[] {
  const section =
    readFileSync(path.join(ROOT, file), "utf8").split(`\n${heading}\n`)[1]?.split("\n#")[0] ?? "";
  return [...section.matchAll(/^\| `([a-z_]+)`\s*\|/gm)].map((m) => m[1]);
}

describe("docs/operations.md", () => {
  it("lists every metric the bot exports, and no other", async () => {
    const exported = (await createMetrics(async () => 0).registry.getMetricsAsJSON()).map((m) => m.name);
    expect(exported.length).toBeGreaterThan(5);
    expect(firstColumn("docs/operations.md", "## Metrics").sort()).toEqual(exported.sort());
  });
});
