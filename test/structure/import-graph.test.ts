/**
 * The shape of the bot's code, kept by a test: no import circle in src/, and no arrow back up between its rooms
 * (its top-level files and folders); the core never imports its handlers (app.ts, the composition root, is the
 * one file of src/ that names handlers/); the store reaches neither feishu/ nor cards/; handlers see the core's
 * contract only. Run `npx tsx test/structure/print-graph.ts` to see the graph as a list.
 */
import { describe, expect, it } from "vitest";
import { cyclesOf, importGraph, ROOT, roomOf } from "./graph";

const graph = importGraph(["src", "handlers", "cards"]);
const files = [...graph.keys()];
const inSrc = (f: string) => f.startsWith("src/");

describe("the import graph", () => {
  it("reads every file of src/, handlers/ and cards/", () => {
    expect(files.filter(inSrc).length).toBeGreaterThan(60);
    expect(files).toContain("src/app.ts");
    expect(files).toContain("handlers/status.ts");
  });

  it("has no circle of files in src/", () => {
    const srcGraph = new Map(
      [...graph].filter(([f]) => inSrc(f)).map(([f, to]) => [f, [...to].filter(inSrc)]),
    );
    expect(cyclesOf(srcGraph)).toEqual([]);
  });

  it("has no arrow back up between the rooms of src/ (its top-level files and folders)", () => {
    const rooms = new Map<string, Set<string>>();
    for (const [file, to] of graph) {
      if (!inSrc(file)) continue;
      const from = roomOf(file);
      const targets = rooms.get(from) ?? new Set<string>();
      for (const t of to) if (inSrc(t) && roomOf(t) !== from) targets.add(roomOf(t));
      rooms.set(from, targets);
    }
    expect(cyclesOf(new Map([...rooms].map(([r, to]) => [r, [...to]])))).toEqual([]);
  });

  it("names handlers/ in one file of src/: app.ts, the composition root", () => {
    const naming = files.filter(
      (f) => inSrc(f) && [...(graph.get(f) ?? [])].some((t) => t.startsWith("handlers/")),
    );
    expect(naming).toEqual(["src/app.ts"]);
  });

  it("keeps the store away from feishu/ and cards/, even through other files", () => {
    const reached = reachable(files.filter((f) => f.startsWith("src/store/")));
    expect([...reached].filter((f) => f.startsWith("src/feishu/") || f.startsWith("cards/"))).toEqual([]);
  });

  it("lets handlers see the core's contract, the cards and each other, nothing else", () => {
    const seen = files
      .filter((f) => f.startsWith("handlers/"))
      .flatMap((f) => [...(graph.get(f) ?? [])])
      .filter((t) => !t.startsWith("handlers/") && !t.startsWith("cards/") && !t.startsWith("src/core/"));
    expect(seen).toEqual([]);
  });

  it("keeps cards/ pure: they import nothing outside cards/", () => {
    const outside = files
      .filter((f) => f.startsWith("cards/"))
      .flatMap((f) => [...(graph.get(f) ?? [])])
      .filter((t) => !t.startsWith("cards/"));
    expect(outside).toEqual([]);
  });

  it("would notice a circle, and an arrow back up between rooms", () => {
    const circle = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(cyclesOf(circle)).toEqual([["a", "b", "c"]]);
    expect(roomOf("src/watch/engine.ts")).toBe("src/watch/");
    expect(roomOf("src/app.ts")).toBe("src/app.ts");
    expect(ROOT.length).toBeGreaterThan(0);
  });
});

function reachable(starts: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    for (const t of graph.get(f) ?? []) {
      if (seen.has(t)) continue;
      seen.add(t);
      visit(t);
    }
  };
  for (const s of starts) visit(s);
  return seen;
}
