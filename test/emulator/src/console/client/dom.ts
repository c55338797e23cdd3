/** Small DOM helpers for the console page (no framework). */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

type Child = Node | string | null | undefined | false;

/** An element with attributes (`class`, `data-*`, `aria-*`, …) and children; text is always text. */
export function h(
  tag: string,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** HTML the card renderer produced (it escapes everything it was given) as a node. */
export function trusted(html: string, className: string): HTMLElement {
  const el = document.createElement("div");
  el.className = className;
  el.innerHTML = html;
  return el;
}

export const clock = (at: number) => new Date(at).toLocaleTimeString([], { hour12: false });

export async function post<T = unknown>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new Error(answer.error ?? `HTTP ${res.status}`);
  return answer as T;
}

export type ToastType = "info" | "success" | "warning" | "error";
const ICONS: Record<ToastType, string> = { info: "i", success: "✓", warning: "!", error: "×" };

/** A toast at the top, as the Feishu client shows a callback's answer. */
export function toast(type: ToastType, text: string): void {
  const kind = type in ICONS ? type : "info";
  const el = h("div", { class: `toast toast-${kind}` }, h("span", { class: "icon" }, ICONS[kind]), text);
  byId("toasts").append(el);
  setTimeout(() => el.remove(), 3500);
}
