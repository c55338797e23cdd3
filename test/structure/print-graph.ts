/** `npx tsx test/structure/print-graph.ts [dir...]`: each file of src/ (or the dirs given) and what it imports. */
import { importGraph } from "./graph";

const dirs = process.argv.slice(2);
for (const [file, targets] of importGraph(dirs.length > 0 ? dirs : ["src", "handlers", "cards"])) {
  console.log(`${file}${targets.size > 0 ? ` -> ${[...targets].sort().join(", ")}` : ""}`);
}
