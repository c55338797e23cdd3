import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const ERRORS_TS = join(__dirname, "..", "..", "src", "feishu", "errors.ts");

/**
 * The failure table of src/feishu/errors.ts (`BY_CODE`: Feishu code -> failure kind), read from its source:
 * the module keeps the table private (callers go through `classify`), and a test that must notice a new code
 * needs the table itself, not a copy.
 */
export function failureTable(source = readFileSync(ERRORS_TS, "utf8")): Map<number, string> {
  const file = ts.createSourceFile("errors.ts", source, ts.ScriptTarget.ES2022, true);
  const table = new Map<number, string>();
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText(file) === "BY_CODE") {
      found = true;
      if (!node.initializer || !ts.isObjectLiteralExpression(node.initializer))
        throw new Error("BY_CODE is not an object literal");
      for (const property of node.initializer.properties) {
        if (
          !ts.isPropertyAssignment(property) ||
          !ts.isNumericLiteral(property.name) ||
          !ts.isStringLiteral(property.initializer)
        )
          throw new Error(`BY_CODE entry not of the form 123: "kind": ${property.getText(file)}`);
        table.set(Number(property.name.text), property.initializer.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!found) throw new Error("no BY_CODE table in src/feishu/errors.ts");
  return table;
}
