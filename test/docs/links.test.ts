/**
 * Every relative link in the repository's Markdown (the README, BENCHMARKS.md, docs/, the emulator's README)
 * reaches a file that exists, and every `#anchor` a heading that GitHub makes it from: moving a section into
 * docs/ or renaming a heading breaks a test, not a reader's click.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { anchorsOf, brokenLinks, linksOf, markdownFiles } from "../support/markdown-links";

const ROOT = path.resolve(__dirname, "..", "..");
const FILES = markdownFiles(ROOT);

describe("the repository's Markdown", () => {
  it("includes the documents readers start from", () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        "README.md",
        "BENCHMARKS.md",
        path.join("docs", "architecture.md"),
        path.join("test", "emulator", "README.md"),
      ]),
    );
  });

  it.each(FILES)("%s: every relative link and #anchor resolves", (file) => {
    expect(brokenLinks(ROOT, [file])).toEqual([]);
  });
});

describe("the link checker", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "links-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("makes anchors as GitHub does: punctuation dropped, code spans kept, duplicates numbered", () => {
    const anchors = anchorsOf(
      [
        "# Long connection: no public URL",
        "## 1. Ingest",
        "## `task_check` calls (per tenant)",
        "## Notes",
        "## Notes",
        '<a id="custom-anchor"></a>',
      ].join("\n\n"),
    );
    expect([...anchors].sort()).toEqual(
      [
        "long-connection-no-public-url",
        "1-ingest",
        "task_check-calls-per-tenant",
        "notes",
        "notes-1",
        "custom-anchor",
      ].sort(),
    );
  });

  it("reads links and images, not what code spans and fences hold", () => {
    const text = "[a](x.md) `[b](y.md)` ![c](z.png)\n\n```\n[d](w.md)\n```\n";
    expect(linksOf(text)).toEqual(["x.md", "z.png"]);
  });

  it("reports a missing file, a missing anchor (here and in another file) and a way out of the repository", () => {
    mkdirSync(path.join(dir, "docs"), { recursive: true });
    writeFileSync(path.join(dir, "docs", "other.md"), "# Other\n\n## Part two\n");
    writeFileSync(
      path.join(dir, "README.md"),
      [
        "# Title",
        "[ok](docs/other.md#part-two) [ok too](#title) [web](https://example.com/#nothing)",
        "[gone](docs/missing.md) [no anchor](docs/other.md#part-three) [here](#nowhere)",
        "[out](../elsewhere.md) [dir anchor](docs#x)",
      ].join("\n\n"),
    );
    expect(brokenLinks(dir, ["README.md"])).toEqual([
      { file: "README.md", href: "docs/missing.md", reason: "no such file" },
      { file: "README.md", href: "docs/other.md#part-three", reason: "no heading makes #part-three" },
      { file: "README.md", href: "#nowhere", reason: "no heading makes #nowhere" },
      { file: "README.md", href: "../elsewhere.md", reason: "points outside the repository" },
      { file: "README.md", href: "docs#x", reason: "an anchor into a file that has none" },
    ]);
  });
});
