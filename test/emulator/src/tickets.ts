/**
 * A store app's app tickets (app_ticket, store-apps.md §1): one ticket per app, not per tenant; Feishu pushes
 * the current one every hour and on app_ticket/resend, and app_access_token takes it. A rotated ticket stays
 * valid for `graceMs` more (emulator clock), because how long Feishu accepts an older ticket is not
 * documented [?]; expireAll() turns every ticket so far into 10012 at once.
 */
import { randomHex } from "./crypto";
import type { TicketInfo } from "./types";

interface Ticket {
  value: string;
  issuedAt: number;
  /** When a newer ticket replaced it. */
  supersededAt?: number;
  expired: boolean;
}

export class AppTickets {
  private list: Ticket[] = [];

  constructor(
    private readonly now: () => number,
    /** How long a replaced ticket is still accepted (options.ticketGraceMs). */
    private readonly graceMs: number,
  ) {
    if (!(graceMs >= 0)) throw new Error("ticketGraceMs must be >= 0");
  }

  /** The current ticket; a new one when there is none yet or every one so far expired. */
  current(): string {
    const last = this.list[this.list.length - 1];
    if (last && !last.expired && last.supersededAt === undefined) return last.value;
    return this.issue();
  }

  /** A new current ticket; the previous one stays valid for graceMs. */
  rotate(): string {
    return this.issue();
  }

  /** Every ticket so far answers 10012 from now on; the next current() is a new one. */
  expireAll(): void {
    for (const t of this.list) t.expired = true;
  }

  /** Whether app_access_token accepts this ticket now. */
  valid(ticket: unknown): boolean {
    if (typeof ticket !== "string" || ticket === "") return false;
    const t = this.list.find((x) => x.value === ticket);
    if (!t || t.expired) return false;
    return t.supersededAt === undefined || this.now() - t.supersededAt < this.graceMs;
  }

  /** Every ticket issued so far, oldest first. */
  all(): TicketInfo[] {
    return this.list.map((t) => ({
      ticket: t.value,
      issued_at: t.issuedAt,
      ...(t.supersededAt === undefined ? {} : { superseded_at: t.supersededAt }),
      valid: this.valid(t.value),
    }));
  }

  private issue(): string {
    const now = this.now();
    for (const t of this.list) if (t.supersededAt === undefined) t.supersededAt = now;
    const value = `emu-ticket-${randomHex(16)}`;
    this.list.push({ value, issuedAt: now, expired: false });
    return value;
  }
}
