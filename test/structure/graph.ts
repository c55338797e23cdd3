import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** The repository's root. */
export const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The import graph of the .ts files under `dirs` (repository-relative): each file and the repository files
 * it imports (static imports, re-exports and dynamic imports; type imports too), by relative specifier.
 */
export function importGraph(dirs: string[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const walk = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir)).flatMap((name) => {
      const rel = `${dir}/${name}`;
      if (statSync(path.join(ROOT, rel)).isDirectory()) return walk(rel);
      return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [rel] : [];
    });
  for (const file of dirs.flatMap(walk)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
    const targets = new Set<string>();
    for (const { fileName: spec } of importedFiles) {
      if (spec.startsWith(".")) targets.add(resolve(file, spec));
    }
    graph.set(file, targets);
  }
  return graph;
}

function resolve(from: string, spec: string): string {
  const base = path.join(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    const full = path.join(ROOT, candidate);
    if (existsSync(full) && statSync(full).isFile()) return candidate.split(path.sep).join("/");
  }
  throw new Error(`${from}: cannot resolve "${spec}"`);
}

/** A file's room: its first folder under src/ ("src/watch/"), or the file itself when it sits in src/. */
export function roomOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : file;
}

/** Every circle of the graph (its strongly connected parts of more than one node, or a node importing itself). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const part: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(part.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) connect(v);
  return found;
}
