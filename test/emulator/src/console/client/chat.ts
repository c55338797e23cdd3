/**
 * The conversation: messages of the chat shown now, the bot's replies threaded under the message they answer
 * (a topic group's topics as boxes), cards drawn by the card renderer in the chosen language; card buttons
 * that call the bot back or open their page; the composer.
 */
import { renderCardHtml, renderPostHtml, renderTextHtml } from "../../card-html";
import { byId, clock, h, post, type ToastType, toast, trusted } from "./dom";
import { currentChat, currentChatId, type MessageView, names, state } from "./state";

function content(m: MessageView): HTMLElement {
  const options = { locale: state.locale, names: names() };
  if (m.msgType === "interactive") return trusted(renderCardHtml(m.card, options), "card-slot");
  if (m.msgType === "post") return trusted(renderPostHtml(m.post, options), "bubble");
  if (m.msgType === "text") return trusted(renderTextHtml(m.text ?? "", options), "bubble");
  return h("div", { class: "bubble muted" }, `[${m.msgType} message]`);
}

function messageEl(m: MessageView, canThread: boolean): HTMLElement {
  const mine = !m.bot && m.senderId === state.speaker;
  const meta = h(
    "div",
    { class: "meta" },
    h("span", { class: "name" }, m.senderName),
    h("span", {}, clock(m.at)),
    m.updates > 0 ? h("span", { class: "updated" }, `updated ×${m.updates}`) : null,
    canThread
      ? h("button", { type: "button", class: "link-button", "data-thread": m.id }, "Reply in thread")
      : null,
  );
  return h(
    "div",
    { class: `msg${m.bot ? " bot" : ""}${mine ? " mine" : ""}`, id: `msg-${m.id}`, "data-message-id": m.id },
    h("div", { class: "avatar", "aria-hidden": "true" }, Array.from(m.senderName)[0] ?? "?"),
    h("div", { class: "body" }, meta, content(m), m.note ? h("div", { class: "note" }, m.note) : null),
  );
}

/** Draws the current chat; keeps the view at the bottom when it was there. */
export function renderMessages(): void {
  const box = byId("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const chatId = currentChatId();
  const chat = currentChat();
  const all = [...state.messages.values()].filter((m) => m.chatId === chatId).sort((a, b) => a.at - b.at);
  const ids = new Set(all.map((m) => m.id));
  const top = all.filter((m) => !m.rootId || !ids.has(m.rootId));
  const topic = chat?.type === "topic_group";
  const nodes = top.map((m) => {
    const replies = all.filter((r) => r.rootId === m.id && r.id !== m.id);
    const el = messageEl(m, chat?.type !== "p2p");
    const thread = replies.length
      ? h("div", { class: "thread" }, ...replies.map((r) => messageEl(r, false)))
      : null;
    return topic ? h("div", { class: "topic" }, el, thread) : h("div", { class: "group" }, el, thread);
  });
  box.replaceChildren(
    ...(nodes.length ? nodes : [h("div", { class: "empty" }, "No messages yet: say /help")]),
  );
  if (atBottom) box.scrollTop = box.scrollHeight;
}

interface CallbackAnswer {
  answer?: { toast?: { type?: ToastType; content?: string; i18n?: Record<string, string> } };
  delivered?: { problem?: string; status?: number };
}

async function onCardClick(button: HTMLButtonElement): Promise<void> {
  const url = button.dataset.url;
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  if (url) window.open(url, "_blank", "noopener");
  if (button.dataset.callback !== "true") return;
  const messageId = button.closest<HTMLElement>("[data-message-id]")?.dataset.messageId;
  const elementId = button.dataset.elementId;
  if (!messageId || !elementId) return toast("error", "This button has no element_id: it cannot call back");
  try {
    const { answer, delivered } = await post<CallbackAnswer>("/api/click", {
      messageId,
      elementId,
      from: state.speaker,
    });
    const t = answer?.toast;
    if (t) toast(t.type ?? "info", t.i18n?.[state.locale] ?? t.content ?? "");
    else if (delivered?.problem) toast("error", delivered.problem);
  } catch (error) {
    toast("error", (error as Error).message);
  }
}

function renderThreadChip(): void {
  const chip = byId("thread-chip");
  chip.hidden = state.threadOf === "";
  chip.replaceChildren(
    "Replying in thread ",
    h("button", { type: "button", class: "link-button", "aria-label": "Stop replying in thread" }, "×"),
  );
}

async function submit(): Promise<void> {
  const input = byId<HTMLTextAreaElement>("composer-text");
  const text = input.value;
  if (text.trim() === "") return;
  input.value = "";
  try {
    const { delivered } = await post<{ delivered?: { problem?: string } }>("/api/say", {
      chat: state.chat,
      from: state.speaker,
      text,
      mentionBot: byId<HTMLInputElement>("mention-bot").checked,
      threadOf: state.threadOf || undefined,
    });
    if (delivered?.problem) toast("error", delivered.problem);
  } catch (error) {
    input.value = text;
    toast("error", (error as Error).message);
  }
}

export function wireChat(): void {
  byId("messages").addEventListener("click", (event) => {
    const target = event.target as HTMLElement;
    const button = target.closest<HTMLButtonElement>(".fc-button");
    if (button && !button.disabled) return void onCardClick(button);
    const thread = target.closest<HTMLElement>("[data-thread]");
    if (thread?.dataset.thread) {
      state.threadOf = thread.dataset.thread;
      renderThreadChip();
      byId("composer-text").focus();
    }
  });
  byId("thread-chip").addEventListener("click", () => {
    state.threadOf = "";
    renderThreadChip();
  });
  byId("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
  byId("composer-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  });
  renderThreadChip();
}

/** The composer's words for the chat shown now. */
export function renderComposer(): void {
  const chat = currentChat();
  const group = chat !== undefined && chat.type !== "p2p";
  byId("mention-field").hidden = !group;
  byId("composer-label").textContent = `Message ${chat?.title ?? ""}`;
  state.threadOf = "";
  renderThreadChip();
}
