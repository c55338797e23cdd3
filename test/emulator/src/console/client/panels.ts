/**
 * Everything around the conversation: the chat list and members (with the bot's membership), who speaks, the
 * cards' language, the tabs, the Drive panel (start a folder move or delete, end a task, copy its id into
 * the composer) and the fault switches.
 */
import { byId, h, post, toast } from "./dom";
import { currentChat, state, type TaskView } from "./state";

export function renderChats(onChange: () => void): void {
  const s = state.snapshot;
  if (!s) return;
  const list = byId("chats");
  list.replaceChildren(
    ...s.chats.map((chat) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            "data-chat": chat.key,
            "aria-current": chat.key === state.chat ? "true" : "false",
          },
          chat.title,
          h(
            "span",
            { class: "kind" },
            { p2p: "direct message", group: "group", topic_group: "topic group" }[chat.type],
          ),
        ),
      ),
    ),
  );
  list.onclick = (event) => {
    const key = (event.target as HTMLElement).closest<HTMLElement>("[data-chat]")?.dataset.chat;
    if (!key || key === state.chat) return;
    state.chat = key as typeof state.chat;
    onChange();
  };
  const chat = currentChat();
  byId("chat-title").textContent = chat?.title ?? "";
  byId("chat-about").textContent = chat?.about ?? "";
  renderMembers();
}

export function renderMembers(): void {
  const s = state.snapshot;
  const chat = currentChat();
  if (!s || !chat) return;
  const member = chat.chatId ? s.members[chat.chatId] !== false : true;
  const people = chat.chatId ? s.people : s.people.filter((p) => p.openId === state.speaker);
  const toggle = chat.chatId
    ? h(
        "button",
        { type: "button", class: "small-button", id: "bot-membership" },
        member ? "Remove" : "Add to group",
      )
    : null;
  byId("members").replaceChildren(
    h(
      "ul",
      {},
      ...people.map((p) => h("li", {}, p.name)),
      h("li", {}, `${s.bot.name} (bot)`, member ? "" : " — not a member", toggle),
    ),
  );
  if (toggle)
    toggle.onclick = () =>
      void post("/api/membership", { chat: chat.key, member: !member, from: state.speaker }).catch(
        (e: Error) => toast("error", e.message),
      );
}

export function renderSpeaker(onChange: () => void): void {
  const s = state.snapshot;
  if (!s) return;
  const select = byId<HTMLSelectElement>("speaker");
  select.replaceChildren(...s.people.map((p) => h("option", { value: p.openId }, p.name)));
  select.value = state.speaker;
  select.onchange = () => {
    state.speaker = select.value;
    onChange();
  };
}

export function wireLocale(onChange: () => void): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-locale]")) {
    button.onclick = () => {
      state.locale = button.dataset.locale ?? "en_us";
      for (const b of document.querySelectorAll<HTMLButtonElement>("[data-locale]"))
        b.setAttribute("aria-pressed", String(b === button));
      document.documentElement.lang = state.locale === "zh_cn" ? "zh-CN" : "en";
      onChange();
    };
  }
}

export function wireTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  for (const tab of tabs) {
    tab.onclick = () => {
      for (const t of tabs) {
        t.setAttribute("aria-selected", String(t === tab));
        byId(t.getAttribute("aria-controls") ?? "").hidden = t !== tab;
      }
    };
  }
}

function statusOf(task: TaskView): string {
  return task.forced ?? (Date.now() < task.ends_at ? "process" : task.result);
}

export function renderTasks(): void {
  const tasks = [...(state.snapshot?.tasks ?? [])].reverse();
  byId("tasks").replaceChildren(
    ...tasks.map((t) => {
      const status = statusOf(t);
      const left = Math.max(0, Math.ceil((t.ends_at - Date.now()) / 1000));
      return h(
        "li",
        { class: "task", "data-task-id": t.task_id },
        h(
          "div",
          {},
          `${t.operation === "move" ? "Folder move" : "Folder delete"} · task `,
          h("code", {}, t.task_id),
        ),
        h(
          "div",
          { class: "row" },
          h("span", { class: `status status-${status}` }, status),
          status === "process" && !t.forced
            ? h("span", { class: "muted small" }, `ends (${t.result}) in ${left} s`)
            : null,
          h(
            "button",
            { type: "button", class: "small-button", "data-copy": t.task_id },
            "Copy id to composer",
          ),
          status === "process"
            ? h(
                "button",
                { type: "button", class: "small-button", "data-end": "success", "data-id": t.task_id },
                "End: success",
              )
            : null,
          status === "process"
            ? h(
                "button",
                { type: "button", class: "small-button", "data-end": "fail", "data-id": t.task_id },
                "End: fail",
              )
            : null,
        ),
      );
    }),
  );
}

export function wireDrive(): void {
  byId("drive-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void post("/api/drive/tasks", {
      operation: byId<HTMLSelectElement>("drive-operation").value,
      outcome: byId<HTMLSelectElement>("drive-outcome").value,
      seconds: Number(byId<HTMLInputElement>("drive-seconds").value),
    }).catch((e: Error) => toast("error", e.message));
  });
  byId("tasks").addEventListener("click", (event) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>("button");
    if (target?.dataset.copy) {
      const input = byId<HTMLTextAreaElement>("composer-text");
      const id = target.dataset.copy;
      input.value = input.value.trim() === "" ? `/status ${id}` : `${input.value.trimEnd()} ${id}`;
      input.focus();
      void navigator.clipboard?.writeText(id).catch(() => undefined);
    } else if (target?.dataset.end) {
      void post("/api/drive/end", { taskId: target.dataset.id, outcome: target.dataset.end }).catch(
        (e: Error) => toast("error", e.message),
      );
    }
  });
  setInterval(renderTasks, 1000);
}

export function renderFaults(): void {
  const faults = state.snapshot?.faults ?? [];
  byId("faults").replaceChildren(
    ...faults.map((f) =>
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", "data-fault": f.name, checked: f.on }),
        f.label,
      ),
    ),
  );
  byId("faults").onchange = (event) => {
    const input = event.target as HTMLInputElement;
    void post("/api/faults", { name: input.dataset.fault, on: input.checked }).catch((e: Error) =>
      toast("error", e.message),
    );
  };
}
