/**
 * The console page's script: connects to the server's event stream (a snapshot first, then every change),
 * keeps the page's state and draws it. Bundled by esbuild when the console starts (bundle.ts).
 */
import { renderComposer, renderMessages, wireChat } from "./chat";
import { byId } from "./dom";
import { renderJournal, wireInspector } from "./inspector";
import {
  renderChats,
  renderFaults,
  renderMembers,
  renderSpeaker,
  renderTasks,
  wireDrive,
  wireLocale,
  wireTabs,
} from "./panels";
import {
  type FaultView,
  type JournalEntry,
  type MessageView,
  type Snapshot,
  state,
  type TaskView,
} from "./state";

function renderTransport(transport: string): void {
  const pill = byId("transport");
  pill.textContent = transport === "none" ? "bot not connected" : `events over the ${transport}`;
  pill.classList.toggle("off", transport === "none");
}

function chatChanged(): void {
  renderChats(chatChanged);
  renderComposer();
  renderMessages();
}

function onSnapshot(s: Snapshot): void {
  state.snapshot = s;
  state.speaker = s.people.some((p) => p.openId === state.speaker)
    ? state.speaker
    : (s.people[0]?.openId ?? "");
  state.messages = new Map(s.messages.map((m) => [m.id, m]));
  state.journal = new Map(s.journal.map((e) => [e.seq, e]));
  renderSpeaker(() => {
    renderMembers();
    chatChanged();
  });
  renderTransport(s.transport);
  renderTasks();
  renderFaults();
  renderJournal();
  chatChanged();
  document.body.dataset.ready = "true";
}

function listen(): void {
  const events = new EventSource("/api/events");
  const on = <T>(name: string, fn: (data: T) => void) =>
    events.addEventListener(name, (e) => fn(JSON.parse((e as MessageEvent<string>).data) as T));
  on<Snapshot>("snapshot", onSnapshot);
  on<MessageView>("message", (m) => {
    state.messages.set(m.id, m);
    renderMessages();
  });
  on<JournalEntry>("journal", (entry) => {
    state.journal.set(entry.seq, entry);
    if (state.journal.size > 2000) state.journal.delete(Math.min(...state.journal.keys()));
    renderJournal();
  });
  on<TaskView[]>("tasks", (tasks) => {
    if (state.snapshot) state.snapshot.tasks = tasks;
    renderTasks();
  });
  on<FaultView[]>("faults", (faults) => {
    if (state.snapshot) state.snapshot.faults = faults;
    renderFaults();
  });
  on<Record<string, boolean>>("members", (members) => {
    if (state.snapshot) state.snapshot.members = members;
    renderMembers();
  });
  on<string>("transport", renderTransport);
}

wireChat();
wireLocale(renderMessages);
wireTabs();
wireDrive();
wireInspector();
listen();
