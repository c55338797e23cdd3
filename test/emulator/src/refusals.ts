/**
 * Which tenant state refuses which message call (reply, create, patch), answered with Feishu's permanent
 * codes (constants.ts REFUSALS). Checked right after the message (and sender) is known, before the content.
 *
 * | state (method that sets it)         | reply | create | patch     |
 * | ----------------------------------- | ----- | ------ | --------- |
 * | another tenant's chat / message     | 230002| 230002 | 230002 [?]|
 * | message deleted (deleteMessage)     | 230110|   -    | 230110    |
 * | message recalled (recall)           | 230011|   -    | 230011    |
 * | older than 14 days (the clock)      |   -   |   -    | 230031    |
 * | chat dissolved (dissolveChat)       | 232009| 232009 | 232009 [?]|
 * | bot removed (removeBot)             | 230002| 230002 | 230002 [?]|
 * | external chat (makeExternal)        | 230027| 230027 | allowed [?]|
 * | muted (muteChat: 230018 / 230035)   | code  | code   | allowed [?]|
 * | user unavailable (makeUnavailable)  | 230013| 230013 | allowed [?]|
 * | user blocked the bot (blockBot)     | 230053| 230053 | allowed [?]|
 *
 * The user states apply to the user's p2p chat, by open_id or by reply to a DM (the reply page requires the
 * user in the app's availability). The order of the checks when several apply is not documented [?].
 *
 * Tenants: a call acts in the tenant of its token. A chat or message of another tenant is refused as if the
 * bot were not in that chat (230002); Feishu does not document what it answers there [?].
 */
import { type Answer, fail } from "./answer";
import { CROSS_TENANT, HTTP, PATCH_MAX_AGE_MS, REFUSALS } from "./constants";
import type { KnownMessage } from "./im-store";
import type { EmulatorState } from "./state";
import type { Tenant } from "./tenant";

export type ImOperation = "reply" | "create" | "patch";

const refuse = (r: { code: number; msg: string }): Answer => fail(HTTP.IM_ERROR, r.code, r.msg);

/**
 * The permanent refusal of `op` by `tenant` (the call's) into `chatId` (on `message` for reply and patch), if
 * any.
 */
export function refusal(
  state: EmulatorState,
  tenant: Tenant,
  op: ImOperation,
  chatId: string,
  message?: KnownMessage,
): Answer | undefined {
  const owner = message?.tenant_key ?? state.tenants.ownerOfChat(chatId)?.key;
  if (owner !== undefined && owner !== tenant.key) return refuse(CROSS_TENANT.IM);
  if (message?.gone === "deleted") return refuse(REFUSALS.MESSAGE_DELETED);
  if (message?.gone === "recalled") return refuse(REFUSALS.MESSAGE_RECALLED);
  if (op === "patch" && message && state.now() - message.created_at > PATCH_MAX_AGE_MS) {
    return refuse(REFUSALS.TOO_OLD);
  }
  const chat = tenant.chat(chatId);
  if (chat.dissolved) return refuse(REFUSALS.CHAT_DISSOLVED);
  if (chat.botRemoved) return refuse(REFUSALS.BOT_NOT_IN_CHAT);
  if (op === "patch") return undefined;
  if (chat.external) return refuse(REFUSALS.NO_PERMISSION);
  if (chat.muted !== undefined) {
    return refuse(
      chat.muted === REFUSALS.SPEAKING_RESTRICTED.code
        ? REFUSALS.SPEAKING_RESTRICTED
        : REFUSALS.GROUP_SETTINGS,
    );
  }
  const user = chat.type === "p2p" && chat.user ? tenant.user(chat.user) : undefined;
  if (user?.unavailable) return refuse(REFUSALS.NO_AVAILABILITY);
  if (user?.blockedBot) return refuse(REFUSALS.BOT_BLOCKED);
  return undefined;
}
