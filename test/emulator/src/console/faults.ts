/**
 * Faults a person can switch on and off from the console, to watch the bot cope: Feishu's rate limit on the
 * message APIs, Feishu failing (5xx), a slow task_check, a muted group. Each is the emulator's own fault or
 * refusal, held on (`count: Infinity`) until switched off. The console owns the emulator's fault queue.
 */
import { CODES, GATEWAY_RATE_LIMIT_MSG, HTTP, REFUSALS } from "../constants";
import type { Emulator } from "../index";
import type { Fault } from "../types";
import { CHATS } from "./world";

export const SLOW_TASK_CHECK_MS = 4000;

interface FaultSwitch {
  label: string;
  faults?: Fault[];
  /** For refusals that are tenant state, not queued faults. */
  on?: (emu: Emulator) => void;
  off?: (emu: Emulator) => void;
}

const OPS = CHATS.find((c) => c.key === "ops")?.chatId ?? "";

export const FAULT_SWITCHES = {
  rate_limit: {
    label: `Rate limit: message APIs answer 429 / ${CODES.GATEWAY_RATE_LIMITED}`,
    faults: (["reply", "create", "patch"] as const).map((route) => ({
      route,
      status: HTTP.GATEWAY_RATE_LIMITED,
      code: CODES.GATEWAY_RATE_LIMITED,
      msg: GATEWAY_RATE_LIMIT_MSG,
      headers: { "x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": "1" },
      count: Number.POSITIVE_INFINITY,
    })),
  },
  server_error: {
    label: "Feishu fails: task_check and card updates answer 503",
    faults: (["task_check", "patch"] as const).map((route) => ({
      route,
      status: 503,
      body: "503 Service Unavailable",
      count: Number.POSITIVE_INFINITY,
    })),
  },
  slow_task_check: {
    label: `Slow task_check: answered after ${SLOW_TASK_CHECK_MS / 1000} s`,
    faults: [{ route: "task_check", delayMs: SLOW_TASK_CHECK_MS, count: Number.POSITIVE_INFINITY }],
  },
  muted_group: {
    label: `#ops muted: the bot may not post there (${REFUSALS.GROUP_SETTINGS.code})`,
    on: (emu) => emu.muteChat(OPS),
    off: (emu) => emu.unmuteChat(OPS),
  },
} satisfies Record<string, FaultSwitch>;

export type FaultName = keyof typeof FAULT_SWITCHES;

export function isFaultName(name: unknown): name is FaultName {
  return typeof name === "string" && Object.hasOwn(FAULT_SWITCHES, name);
}

export class FaultBoard {
  readonly on = new Set<FaultName>();

  constructor(private readonly emu: Emulator) {}

  set(name: FaultName, on: boolean): void {
    const fault: FaultSwitch = FAULT_SWITCHES[name];
    if (on) this.on.add(name);
    else this.on.delete(name);
    if (fault.on && fault.off) (on ? fault.on : fault.off)(this.emu);
    // Queued faults cannot be taken out one by one: the queue is rebuilt from the switches that are on.
    this.emu.clearFaults();
    for (const active of this.on) {
      for (const f of (FAULT_SWITCHES[active] as FaultSwitch).faults ?? []) this.emu.inject({ ...f });
    }
  }

  view(): Array<{ name: FaultName; label: string; on: boolean }> {
    return (Object.keys(FAULT_SWITCHES) as FaultName[]).map((name) => ({
      name,
      label: FAULT_SWITCHES[name].label,
      on: this.on.has(name),
    }));
  }
}
