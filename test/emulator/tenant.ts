/**
 * The tenant the emulator plays: the users it has (so `<at>` in a card can be checked). Every open_id that
 * appears in an event the emulator builds joins it, and tests can add more with addUser().
 */
import { derivedHex } from "./crypto";
import type { UserIds } from "./types";

/** The user ids Feishu puts next to an open_id (stable per open_id). */
export function userIds(openId: string): UserIds {
  return {
    open_id: openId,
    union_id: `on_${derivedHex(`union:${openId}`)}`,
    user_id: derivedHex(`user:${openId}`, 8),
  };
}

export class Tenant {
  /** Every id of every known user: open_id, user_id and union_id. */
  private readonly ids = new Set<string>();

  addUser(openId: string): UserIds {
    const ids = userIds(openId);
    for (const id of Object.values(ids)) this.ids.add(id);
    return ids;
  }

  isKnownUser(id: string): boolean {
    return this.ids.has(id);
  }

  reset(): void {
    this.ids.clear();
  }
}
