/**
 * The tenants the emulator plays. A self-built app has one (the default tenant, TENANT_KEY); a store app (ISV)
 * is installed by several (addTenant). Each tenant has its users and chats, and the states in which Feishu
 * refuses a bot for good (muted or external groups, a bot removed from a chat, dissolved chats, users who
 * blocked the bot or are outside the app's availability). Every open_id in an event the emulator builds joins
 * the users of the event's tenant; the type of every chat an event names is remembered (p2p, group,
 * topic_group). A chat belongs to the tenant it was first named in.
 */
import { MUTE_CODES } from "./constants";
import { derivedHex, randomHex } from "./crypto";
import type { ChatType, UserIds, UserProfile } from "./types";

/** The user ids Feishu puts next to an open_id (stable per open_id). */
export function userIds(openId: string): UserIds {
  return {
    open_id: openId,
    union_id: `on_${derivedHex(`union:${openId}`)}`,
    user_id: derivedHex(`user:${openId}`, 8),
  };
}

export interface Chat {
  chat_id: string;
  type: ChatType;
  /** p2p chats: the user on the other side. */
  user?: string;
  /** 230018 (group settings) or 230035 (speaking restricted): the bot may not post here. */
  muted?: number;
  /** An external chat, and the app has no external sharing: 230027. */
  external?: boolean;
  /** The bot is no longer a member: 230002. */
  botRemoved?: boolean;
  /** 232009. */
  dissolved?: boolean;
}

export interface User {
  open_id: string;
  /** The user stopped the bot from sending messages: 230053. */
  blockedBot?: boolean;
  /** Outside the app's availability (可用范围): 230013; the token endpoints refuse them (20010). */
  unavailable?: boolean;
  /** Names (user_info, the authorization page); default derived from the open_id. */
  name?: string;
  en_name?: string;
}

/**
 * A store app's installation in a tenant: `installed` (app_open, start_by_tenant, addTenant), `stopped`
 * (app_status_change stop_by_tenant / stop_by_platform) or `uninstalled` (app_uninstalled, uninstallTenant).
 * Only an installed tenant gets tenant_access_tokens.
 */
export type TenantStatus = "installed" | "stopped" | "uninstalled";

export class Tenant {
  /** Every id of every known user (open_id, user_id, union_id) → the user. */
  private readonly users = new Map<string, User>();
  private readonly chats = new Map<string, Chat>();
  private readonly p2p = new Map<string, string>();
  status: TenantStatus = "installed";

  constructor(
    readonly key: string,
    /** The bot's open_id in this tenant (bot info, mentions); known as a user. */
    public botOpenId: string,
  ) {
    this.addUser(botOpenId);
  }

  addUser(openId: string, profile?: UserProfile): UserIds {
    const ids = userIds(openId);
    const user = this.users.get(openId) ?? { open_id: openId };
    if (profile?.name !== undefined) user.name = profile.name;
    if (profile?.enName !== undefined) user.en_name = profile.enName;
    for (const id of Object.values(ids)) this.users.set(id, user);
    return ids;
  }

  /** The tenant's people (every known user but the bot), in the order they became known. */
  people(): User[] {
    return [...new Set(this.users.values())].filter((u) => u.open_id !== this.botOpenId);
  }

  isKnownUser(id: string): boolean {
    return this.users.has(id);
  }

  /** The user with this open_id (declared on first use). */
  user(openId: string): User {
    this.addUser(openId);
    return this.users.get(openId) as User;
  }

  /** Whether this tenant has the chat (named by an event, addChat, or a call). */
  hasChat(chatId: string): boolean {
    return this.chats.has(chatId);
  }

  /** The chat with this id; an unknown id is taken for a group, as Feishu would hold it. */
  chat(chatId: string): Chat {
    let chat = this.chats.get(chatId);
    if (!chat) {
      chat = { chat_id: chatId, type: "group" };
      this.chats.set(chatId, chat);
    }
    return chat;
  }

  /** muteChat(): the bot may no longer post here, refused with `code` (230018 or 230035). */
  mute(chatId: string, code: number): void {
    if (!MUTE_CODES.some((c) => c === code))
      throw new Error(`muteChat: code must be one of ${MUTE_CODES.join(", ")}`);
    this.chat(chatId).muted = code;
  }

  /** Remembers a chat's type as an event names it. */
  setChatType(chatId: string, type: ChatType): Chat {
    const chat = this.chat(chatId);
    chat.type = type;
    return chat;
  }

  /** The open_id of a known user given any of its ids, else undefined. */
  openIdOf(id: string): string | undefined {
    return this.users.get(id)?.open_id;
  }

  /**
   * The p2p chat of a user (created on first use, or `chatId` when given), so DMs and create(open_id) share
   * one chat.
   */
  p2pChat(openId: string, chatId?: string): string {
    let id = this.p2p.get(openId);
    if (!id || (chatId !== undefined && chatId !== id)) {
      id = chatId ?? `oc_${randomHex(16)}`;
      if (!this.p2p.has(openId)) this.p2p.set(openId, id);
      Object.assign(this.setChatType(id, "p2p"), { user: openId });
    }
    return id;
  }

  /** Forgets users and chats (the bot stays a known user). */
  reset(): void {
    this.users.clear();
    this.chats.clear();
    this.p2p.clear();
    this.addUser(this.botOpenId);
  }
}

/**
 * Every tenant, by tenant_key. The default one always exists and is installed; addTenant() adds more (store
 * apps only). Chat ids are global in Feishu: a chat belongs to the one tenant that has it.
 */
export class Tenants {
  private readonly byKey = new Map<string, Tenant>();
  readonly default: Tenant;

  constructor(defaultKey: string, botOpenId: string) {
    this.default = new Tenant(defaultKey, botOpenId);
    this.byKey.set(defaultKey, this.default);
  }

  /** Adds a tenant, or installs again a known one (its bot open_id changes only when given). */
  add(key: string, botOpenId?: string): Tenant {
    if (key === "") throw new Error("addTenant: the tenant_key may not be empty");
    let tenant = this.byKey.get(key);
    if (!tenant) {
      tenant = new Tenant(key, botOpenId ?? this.default.botOpenId);
      this.byKey.set(key, tenant);
    } else if (botOpenId !== undefined && botOpenId !== tenant.botOpenId) {
      tenant.botOpenId = botOpenId;
      tenant.addUser(botOpenId);
    }
    tenant.status = "installed";
    return tenant;
  }

  get(key: string): Tenant | undefined {
    return this.byKey.get(key);
  }

  /** The tenant with this key; throws (naming `who`) for a key no one added. */
  require(key: string, who: string): Tenant {
    const tenant = this.byKey.get(key);
    if (!tenant) throw new Error(`${who}: unknown tenant ${key} (addTenant it first)`);
    return tenant;
  }

  all(): Tenant[] {
    return [...this.byKey.values()];
  }

  /** The tenant that has this chat, if any. */
  ownerOfChat(chatId: string): Tenant | undefined {
    for (const tenant of this.byKey.values()) if (tenant.hasChat(chatId)) return tenant;
    return undefined;
  }

  /** The tenant that has this chat, else `fallback` (default: the default tenant). */
  forChat(chatId: string, fallback: Tenant = this.default): Tenant {
    return this.ownerOfChat(chatId) ?? fallback;
  }

  /** Forgets every tenant's users and chats; the tenants, their status and bot open_ids stay. */
  reset(): void {
    for (const tenant of this.byKey.values()) tenant.reset();
  }
}
