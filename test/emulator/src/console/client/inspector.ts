/**
 * The inspector: every API call and event in order, newest last, with the JSON of both sides; filtered by
 * kind and by any text in it. Entries opened stay open when the list is drawn again.
 */
import { byId, clock, h } from "./dom";
import { type JournalEntry, state } from "./state";

const SHOWN = 300;
const open = new Set<number>();
let scheduled = false;

function matches(entry: JournalEntry, filter: string, api: boolean, events: boolean): boolean {
  if (entry.kind === "api" ? !api : !events) return false;
  if (!filter) return true;
  const haystack = `${entry.title} ${entry.route} ${entry.status} ${entry.note ?? ""} ${JSON.stringify(entry.request)} ${JSON.stringify(entry.response ?? "")}`;
  return haystack.toLowerCase().includes(filter);
}

function entryEl(e: JournalEntry): HTMLElement {
  const bad = e.status !== 0 && e.status !== 200;
  const details = h(
    "details",
    { class: `entry kind-${e.kind}`, "data-seq": String(e.seq), open: open.has(e.seq) },
    h(
      "summary",
      {},
      h("span", { class: "muted" }, `#${e.seq} ${clock(e.at)}`),
      h("span", { class: "kind" }, e.kind === "api" ? "API" : e.kind === "event" ? "event" : "callback"),
      h("span", { class: "title", title: e.title }, `${e.kind === "api" ? "" : `${e.route} · `}${e.title}`),
      h("span", { class: `code${bad ? " bad" : ""}` }, e.status === 0 ? "…" : String(e.status)),
      e.ms === undefined ? null : h("span", { class: "muted" }, `${e.ms} ms`),
    ),
    e.note ? h("div", { class: "note small" }, e.note) : null,
    h("div", { class: "small muted" }, "request"),
    h("pre", {}, JSON.stringify(e.request, null, 2)),
    h("div", { class: "small muted" }, "answer"),
    h("pre", {}, e.response === undefined ? "(none yet)" : JSON.stringify(e.response, null, 2)),
  );
  details.addEventListener("toggle", () => {
    if ((details as HTMLDetailsElement).open) open.add(e.seq);
    else open.delete(e.seq);
  });
  return details;
}

export function renderJournal(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    const filter = byId<HTMLInputElement>("inspector-filter").value.trim().toLowerCase();
    const api = byId<HTMLInputElement>("show-api").checked;
    const events = byId<HTMLInputElement>("show-events").checked;
    const shown = [...state.journal.values()]
      .sort((a, b) => a.seq - b.seq)
      .filter((e) => matches(e, filter, api, events))
      .slice(-SHOWN);
    const box = byId("journal");
    const atBottom = box.parentElement
      ? box.parentElement.scrollHeight - box.parentElement.scrollTop - box.parentElement.clientHeight < 40
      : true;
    box.replaceChildren(...shown.map(entryEl));
    if (atBottom && box.parentElement) box.parentElement.scrollTop = box.parentElement.scrollHeight;
  });
}

export function wireInspector(): void {
  for (const id of ["inspector-filter", "show-api", "show-events"])
    byId(id).addEventListener("input", renderJournal);
}
