import type { Emulator } from "@taskbot/feishu-emulator";

/** Deterministic sets of watches, generated the same way in a benchmark and in its child processes. */
export interface FleetWatch {
  taskId: string;
  chatId: string;
  chatType: "p2p" | "group";
  senderOpenId: string;
  /** The /status command message the watch came from (the emulator must know it to accept replies). */
  messageId: string;
}

export interface FleetSpec {
  /** Distinguishes the ids of one scenario from another's. */
  prefix: string;
  count: number;
  chats: number;
  /** All watches follow this one task (coalescing); otherwise each has its own task. */
  sameTask?: string;
  /**
   * The watches share this many tasks: watch i follows task i % tasks, in chat floor(i / tasks) % chats, so
   * a task is watched from several chats (never twice from one while count <= tasks * chats).
   */
  tasks?: number;
}

/** A Drive task id shaped like Feishu's (19 digits). */
export function taskId(scenario: number, i: number): string {
  return `7360${String(scenario).padStart(3, "0")}${String(i).padStart(12, "0")}`;
}

/** Watches spread over `chats` chats, half of them DMs (one user each), half groups (many users). */
export function fleet(spec: FleetSpec, scenario: number): FleetWatch[] {
  return Array.from({ length: spec.count }, (_, i) => {
    const chat = spec.tasks ? Math.floor(i / spec.tasks) % spec.chats : i % spec.chats;
    const p2p = chat % 2 === 0;
    return {
      taskId: spec.sameTask ?? taskId(scenario, spec.tasks ? i % spec.tasks : i),
      chatId: p2p ? `oc_${spec.prefix}_dm_${chat}` : `oc_${spec.prefix}_group_${chat}`,
      chatType: p2p ? "p2p" : "group",
      senderOpenId: p2p ? `ou_${spec.prefix}_user_${chat}` : `ou_${spec.prefix}_user_${i % 97}`,
      messageId: `om_${spec.prefix}_${i}`,
    };
  });
}

/** Makes the emulator know each watch's command message (so replies to it are accepted) and run its task. */
export function introduce(
  emu: Pick<Emulator, "messageEvent" | "setTaskStatus">,
  watches: FleetWatch[],
): void {
  for (const w of watches) {
    emu.messageEvent({
      chatType: w.chatType,
      chatId: w.chatId,
      senderOpenId: w.senderOpenId,
      messageId: w.messageId,
    });
    emu.setTaskStatus(w.taskId, "process");
  }
}
