/**
 * The emulator is a package of its own (`@taskbot/feishu-emulator`, test/emulator/): whoever uses it imports it by
 * its name, never by a path into its folder, and the bot's own code does not use it at all.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const EMULATOR = path.join(ROOT, "test", "emulator");
const NAME = "@taskbot/feishu-emulator";

/** Every .ts file under `dir`, skipping node_modules and the emulator's own folder. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "node_modules" || full === EMULATOR) return [];
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith(".ts") || name.endsWith(".mts") ? [full] : [];
  });
}

/** Each file's import specifiers that reach the emulator other than by its package name. */
function deepImports(files: string[], read = (file: string) => readFileSync(file, "utf8")): string[] {
  return files.flatMap((file) => {
    const { importedFiles } = ts.preProcessFile(read(file), true, true);
    return importedFiles
      .map((i) => i.fileName)
      .filter((spec) =>
        spec.startsWith(".")
          ? path.resolve(path.dirname(file), spec).startsWith(EMULATOR)
          : spec.startsWith(`${NAME}/`),
      )
      .map((spec) => `${path.relative(ROOT, file)}: ${spec}`);
  });
}

describe("the emulator package", () => {
  const users = ["test", "bench", "examples"].flatMap((d) => tsFiles(path.join(ROOT, d)));

  it("is imported by its name alone from the bot's tests, the demo and the benchmarks", () => {
    expect(users.length).toBeGreaterThan(50);
    expect(deepImports(users)).toEqual([]);
    const byName = users.filter((f) => readFileSync(f, "utf8").includes(`from "${NAME}"`));
    expect(byName.length).toBeGreaterThan(20);
  });

  it("is not used by the bot's own code", () => {
    const bot = ["src", "handlers", "cards"].flatMap((d) => tsFiles(path.join(ROOT, d)));
    const using = bot.filter((f) => readFileSync(f, "utf8").includes(NAME));
    expect(using).toEqual([]);
    expect(deepImports(bot)).toEqual([]);
  });

  it("would notice a path into its folder or past its entry, static, re-exported or dynamic", () => {
    const probe = path.join(ROOT, "test", "support", "probe.ts");
    const text = [
      'import { renderCard } from "../emulator/src/render";',
      'export * from "../emulator";',
      `const t = import("${NAME}/src/transcript");`,
      `import { startEmulator } from "${NAME}";`,
      'import { x } from "./bot";',
    ].join("\n");
    expect(deepImports([probe], () => text)).toEqual([
      "test/support/probe.ts: ../emulator/src/render",
      "test/support/probe.ts: ../emulator",
      `test/support/probe.ts: ${NAME}/src/transcript`,
    ]);
  });
});
