/**
 * The legacy card callback (消息卡片请求网址, `card.action.trigger_v1`): apps configured years ago get a flat
 * body, never encrypted, signed with SHA-1 over timestamp + nonce + verification token + raw body
 * (feishu-protocol.md §6; open.larksuite.com "消息卡片回传交互（旧）"; the SDK's CardActionHandler checks the
 * same, over a re-serialised body). Its URL gets the usual url_verification challenge, unsigned.
 */
import { randomHex, signLegacyBody } from "./crypto";
import { eventTenant, post } from "./events";
import type { EmulatorState } from "./state";
import type {
  DeliveryResult,
  EmulatorOptions,
  LegacyCallbackInput,
  LegacyCardCallback,
  LegacyDeliverOptions,
} from "./types";

export function legacyCardCallback(state: EmulatorState, input: LegacyCallbackInput): LegacyCardCallback {
  const tenant = eventTenant(state, "legacyCardCallback", { ...input, messageId: input.openMessageId });
  const ids = tenant.addUser(input.operatorOpenId);
  return {
    open_id: ids.open_id,
    user_id: ids.user_id,
    open_message_id: input.openMessageId,
    open_chat_id: input.chatId,
    tenant_key: tenant.key,
    token: `c-${randomHex(16)}`,
    action: { value: input.value, tag: input.tag ?? "button" },
  };
}

/** The exact body and headers Feishu would POST for a legacy callback (or a challenge) to that URL. */
export function buildLegacyDelivery(
  options: Required<EmulatorOptions>,
  payload: object,
  opts: LegacyDeliverOptions = {},
): { body: string; headers: Record<string, string> } {
  const isChallenge = (payload as { type?: unknown }).type === "url_verification";
  const body = opts.rawBody ?? JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (opts.sign ?? !isChallenge) {
    const timestamp = String(Math.floor(options.now() / 1000));
    const nonce = randomHex(8);
    headers["x-lark-request-timestamp"] = timestamp;
    headers["x-lark-request-nonce"] = nonce;
    headers["x-lark-signature"] =
      opts.signature ??
      signLegacyBody(opts.verificationToken ?? options.verificationToken, timestamp, nonce, body);
  }
  return { body, headers: { ...headers, ...opts.headers } };
}

export function deliverLegacy(
  options: Required<EmulatorOptions>,
  targetUrl: string,
  payload: object,
  opts?: LegacyDeliverOptions,
): Promise<DeliveryResult> {
  const { body, headers } = buildLegacyDelivery(options, payload, opts);
  return post(targetUrl, body, headers);
}
