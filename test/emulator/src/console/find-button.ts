/** Where a click lands: the button (or interactive container) of a card by its `element_id`. */
type Json = Record<string, unknown>;

/** The first button with this element_id in a card (containers and columns included). */
export function findButton(node: unknown, elementId: string, depth = 0): Json | undefined {
  if (depth > 12 || typeof node !== "object" || node === null) return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findButton(item, elementId, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const n = node as Json;
  if ((n.tag === "button" || n.tag === "interactive_container") && n.element_id === elementId) return n;
  for (const value of Object.values(n)) {
    const found = findButton(value, elementId, depth + 1);
    if (found) return found;
  }
  return undefined;
}
