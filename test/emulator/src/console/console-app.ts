/**
 * What a person can do in the console, and what each does in the emulator: speak in a chat (an
 * `im.message.receive_v1` to the bot), click a card button (`card.action.trigger`), add or remove the bot
 * from a group, start and end Drive tasks, switch faults on and off. Inputs come from the page and are
 * checked here: a bad one is a ConsoleError with a message for a person, and changes nothing.
 */
import type { Emulator } from "../index";
import { hasFormatting, toPost } from "./composer";
import { Conversation, type MessageView } from "./conversation";
import { type BotTarget, type Delivered, deliverToBot } from "./delivery";
import { DrivePanel } from "./drive-panel";
import { ConsoleError, need } from "./errors";
import { FaultBoard, isFaultName } from "./faults";
import { findButton } from "./find-button";
import { Journal, type JournalEntry, secretsOf } from "./journal";
import { CHATS, chatIdFor, chatOf, dmChatId, PEOPLE, personOf } from "./world";

export type Broadcast = (event: string, data: unknown) => void;

type Json = Record<string, unknown>;
const MAX_TEXT_CHARS = 10_000;

export class ConsoleApp {
  readonly conversation: Conversation;
  readonly journal: Journal;
  readonly faults: FaultBoard;
  readonly drive: DrivePanel;
  /** Group chat id → is the bot a member. */
  private readonly members = new Map<string, boolean>();
  private lastTransport = "";

  constructor(
    readonly emu: Emulator,
    private readonly target: BotTarget,
    private readonly broadcast: Broadcast,
  ) {
    this.conversation = new Conversation(emu, (view) => broadcast("message", view));
    this.journal = new Journal(emu, secretsOf(emu), (entry: JournalEntry) => broadcast("journal", entry));
    this.faults = new FaultBoard(emu);
    this.drive = new DrivePanel(emu, (tasks) => broadcast("tasks", tasks));
    for (const chat of CHATS) {
      if (chat.chatId) {
        emu.addChat(chat.chatId, chat.type);
        this.members.set(chat.chatId, true);
      }
    }
    for (const person of PEOPLE) emu.addUser(person.openId);
  }

  /** Everything the page draws, for a page that (re)connects. */
  snapshot(): Json {
    return {
      bot: { openId: this.emu.options.botOpenId, name: this.emu.options.botName },
      people: PEOPLE,
      chats: CHATS,
      dms: Object.fromEntries(PEOPLE.map((p) => [p.openId, dmChatId(p)])),
      members: Object.fromEntries(this.members),
      messages: this.conversation.all(),
      journal: this.journal.all(),
      tasks: this.drive.tasks(),
      faults: this.faults.view(),
      transport: this.transport(),
    };
  }

  transport(): string {
    return this.emu.longConnection.connectionCount > 0
      ? "long connection"
      : this.target.eventUrl
        ? "webhook"
        : "none";
  }

  async say(input: Json): Promise<{ message: MessageView; delivered?: Delivered }> {
    const person = need(personOf(input.from), 400, "from: not one of the console's people");
    const chat = need(chatOf(input.chat), 400, "chat: must be dm, ops or releases");
    const text = typeof input.text === "string" ? input.text.replace(/\r\n?/g, "\n").trim() : "";
    if (text === "") throw new ConsoleError(400, "text: say something");
    if (text.length > MAX_TEXT_CHARS)
      throw new ConsoleError(413, `text: at most ${MAX_TEXT_CHARS} characters`);
    const chatId = chatIdFor(chat, person);
    let threadOf: string | undefined;
    if (input.threadOf !== undefined && input.threadOf !== null && input.threadOf !== "") {
      const anchor = this.conversation.all().find((m) => m.id === input.threadOf && m.chatId === chatId);
      threadOf = need(anchor, 400, "threadOf: no such message in this chat").id;
    }
    const group = chat.type !== "p2p";
    const mentionBot = group && input.mentionBot !== false;
    const envelope = this.emu.messageEvent({
      chatType: chat.type,
      chatId,
      senderOpenId: person.openId,
      mentionBot,
      ...(threadOf ? { threadOf } : {}),
      ...(hasFormatting(text) ? { post: { paragraphs: toPost(text) } } : { text }),
    });
    const message = this.conversation.said(envelope, person);
    if (group && this.members.get(chatId) === false) {
      this.conversation.note(message.id, `${this.emu.options.botName} is not in this group: it got nothing`);
      return { message };
    }
    if (group && !mentionBot) {
      this.conversation.note(
        message.id,
        "not sent to the bot: Feishu sends a group message only when it @-mentions the bot",
      );
      return { message };
    }
    const delivered = await this.send(envelope, "event", "im.message.receive_v1");
    if (delivered.problem) this.conversation.note(message.id, delivered.problem);
    return { message, delivered };
  }

  async click(input: Json): Promise<{ answer: unknown; delivered: Delivered }> {
    const person = need(personOf(input.from), 400, "from: not one of the console's people");
    const messageId = typeof input.messageId === "string" ? input.messageId : "";
    const sent = need(this.emu.message(messageId), 404, "messageId: the bot sent no such message");
    const elementId = typeof input.elementId === "string" ? input.elementId : "";
    const button = need(
      findButton(this.conversation.cardOf(messageId), elementId),
      404,
      "elementId: no such button on that card",
    );
    const behaviors = Array.isArray(button.behaviors) ? (button.behaviors as Json[]) : [];
    const callback = behaviors.find((b) => b?.type === "callback");
    if (!callback)
      throw new ConsoleError(400, "that button has no callback behaviour: it does not call the bot back");
    const value =
      typeof callback.value === "object" && callback.value !== null ? (callback.value as Json) : {};
    const envelope = this.emu.cardActionEvent({
      openMessageId: messageId,
      chatId: sent.chat_id,
      operatorOpenId: person.openId,
      value,
    });
    const delivered = await this.send(envelope, "callback", "card.action.trigger");
    const answer = delivered.body as { card?: { data?: unknown } } | undefined;
    if (answer?.card?.data !== undefined) this.conversation.override(messageId, answer.card.data);
    return { answer, delivered };
  }

  async membership(input: Json): Promise<Json> {
    const person = need(personOf(input.from), 400, "from: not one of the console's people");
    const chat = need(chatOf(input.chat), 400, "chat: must be ops or releases");
    if (!chat.chatId) throw new ConsoleError(400, "chat: the bot is always in a direct message");
    if (typeof input.member !== "boolean") throw new ConsoleError(400, "member: true or false");
    if (input.member === this.members.get(chat.chatId)) return this.snapshotMembers();
    this.members.set(chat.chatId, input.member);
    if (input.member) {
      const envelope = this.emu.botAddedEvent({ chatId: chat.chatId, operatorOpenId: person.openId });
      await this.send(envelope, "event", "im.chat.member.bot.added_v1");
    } else {
      this.emu.removeBot(chat.chatId);
    }
    const members = this.snapshotMembers();
    this.broadcast("members", members);
    return members;
  }

  setFault(input: Json): Json[] {
    if (!isFaultName(input.name)) throw new ConsoleError(400, "name: not a fault the console knows");
    if (typeof input.on !== "boolean") throw new ConsoleError(400, "on: true or false");
    this.faults.set(input.name, input.on);
    const view = this.faults.view();
    this.broadcast("faults", view);
    return view;
  }

  /** Called after every answered API call: new or patched messages, and the transport, to the page. */
  refresh(): void {
    this.conversation.sync();
    const transport = this.transport();
    if (transport !== this.lastTransport) {
      this.lastTransport = transport;
      this.broadcast("transport", transport);
    }
  }

  close(): void {
    this.journal.close();
  }

  private snapshotMembers(): Json {
    return Object.fromEntries(this.members);
  }

  private async send(envelope: object, kind: "event" | "callback", title: string): Promise<Delivered> {
    const entry = this.journal.add({
      kind: kind === "callback" ? "callback" : "event",
      title,
      route: this.transport(),
      at: Date.now(),
      status: 0,
      request: envelope,
    });
    const delivered = await deliverToBot(this.emu, this.target, envelope, kind);
    this.journal.update(entry, {
      route: delivered.transport,
      status: delivered.status,
      ms: delivered.ms,
      response: delivered.body,
      note: delivered.problem,
    });
    return delivered;
  }
}
