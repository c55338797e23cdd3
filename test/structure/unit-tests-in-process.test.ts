/**
 * `test/unit/` holds pure, in-process tests: none starts the emulator, the bot's HTTP server or a child
 * process, directly or through a helper it imports. Tests that do belong in `test/integration/` (or another
 * folder named for what they run).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const TEST = path.join(ROOT, "test");
const UNIT = path.join(TEST, "unit");

/** Packages and helpers that start something: the emulator, the bot (in-process or as a child), a process. */
const FORBIDDEN_PACKAGES = ["@taskbot/feishu-emulator", "node:child_process", "child_process"];
const FORBIDDEN_HELPERS = ["bot", "harness", "child-bot"].map((name) =>
  path.join(TEST, "support", `${name}.ts`),
);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

/** A relative import's file (`./x` is `./x.ts` or `./x/index.ts`), or undefined when there is none. */
function resolveLocal(from: string, spec: string, exists: (file: string) => boolean): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, "index.ts"), base].find(exists);
}

/**
 * Every forbidden import a file reaches, as the chain that reaches it ("a.test.ts > support/x.ts > harness").
 * Helpers under test/ are followed; the bot's own code (src/, handlers/, cards/) never imports test helpers.
 */
function forbiddenImports(
  entry: string,
  read = (file: string) => readFileSync(file, "utf8"),
  exists = (file: string) => existsSync(file) && statSync(file).isFile(),
): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { fileName: spec } of ts.preProcessFile(read(file), true, true).importedFiles) {
      const target = spec.startsWith(".") ? resolveLocal(file, spec, exists) : undefined;
      const via = [...chain, spec];
      if (FORBIDDEN_PACKAGES.some((name) => spec === name || spec.startsWith(`${name}/`))) {
        found.push(via.join(" > "));
      } else if (target && FORBIDDEN_HELPERS.includes(target)) {
        found.push(via.join(" > "));
      } else if (target?.startsWith(`${TEST}${path.sep}`)) {
        visit(target, via);
      }
    }
  };
  visit(entry, [path.relative(ROOT, entry)]);
  return found;
}

describe("unit tests", () => {
  it("import neither the emulator, nor a helper that starts the bot, nor child processes", () => {
    const files = tsFiles(UNIT);
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((file) => forbiddenImports(file))).toEqual([]);
  });

  it("would notice such an import, direct or through a helper, static, re-exported or dynamic", () => {
    const probe = path.join(UNIT, "probe.test.ts");
    const helper = path.join(TEST, "support", "probe-helper.ts");
    const files: Record<string, string> = {
      [probe]: [
        'import { startEmulator } from "@taskbot/feishu-emulator";',
        'import { useBot } from "../support/harness";',
        'export * from "../support/child-bot";',
        'const bot = import("../support/bot");',
        'import { spawn } from "node:child_process";',
        'import { helper } from "../support/probe-helper";',
        'import { tempDir } from "../support/temp-dir";',
        'import { classify } from "../../src/feishu/errors";',
      ].join("\n"),
      [helper]: 'import { startFleet } from "./replicas";',
    };
    const read = (file: string) => files[file] ?? readFileSync(file, "utf8");
    const exists = (file: string) => file in files || (existsSync(file) && statSync(file).isFile());
    expect(forbiddenImports(probe, read, exists)).toEqual([
      "test/unit/probe.test.ts > @taskbot/feishu-emulator",
      "test/unit/probe.test.ts > ../support/harness",
      "test/unit/probe.test.ts > ../support/child-bot",
      "test/unit/probe.test.ts > ../support/bot",
      "test/unit/probe.test.ts > node:child_process",
      "test/unit/probe.test.ts > ../support/probe-helper > ./replicas > @taskbot/feishu-emulator",
      "test/unit/probe.test.ts > ../support/probe-helper > ./replicas > ./child-bot",
    ]);
  });
});
