import {
  computeLegacySignature,
  decrypt,
  sameSecret,
  sameSignature,
  verifySignature,
  WebhookError,
} from "./verify";

export interface WebhookSecrets {
  encryptKey: string;
  verificationToken: string;
}

export interface RequestParts {
  rawBody: Buffer;
  header: (name: string) => string | undefined;
}

/** What a verified request turned out to be. */
export type Envelope =
  | { kind: "challenge"; challenge: string }
  | {
      kind: "event";
      eventType: string;
      eventId: string;
      createTime: string;
      /** The tenant the event is for (v2 `header.tenant_key`, v1 `event.tenant_key`); "" when it has none. */
      tenantKey: string;
      /** The event body (`event` in a v2 or v1 envelope). */
      event: Record<string, unknown>;
    }
  /** The legacy card callback: a flat body, verified by its SHA-1 signature, never encrypted. */
  | { kind: "legacy_card"; body: Record<string, unknown> };

const MAX_DEPTH = 32;

/**
 * Turns the raw bytes of a webhook request into a verified envelope, or throws WebhookError.
 * Order matters: a signed request is verified before anything in it is trusted; the only unsigned request
 * Feishu sends when an encrypt key is set is the url_verification challenge, which is checked by its token.
 */
export function openEnvelope(req: RequestParts, secrets: WebhookSecrets): Envelope {
  const outer = parseJsonObject(req.rawBody.toString("utf8"));
  if (isLegacyCardCallback(outer)) {
    verifyLegacy(req, secrets);
    return { kind: "legacy_card", body: outer };
  }
  const signature = req.header("x-lark-signature");
  let signed = false;
  if (secrets.encryptKey && signature !== undefined) {
    const timestamp = req.header("x-lark-request-timestamp") ?? "";
    const nonce = req.header("x-lark-request-nonce") ?? "";
    if (
      !verifySignature({ encryptKey: secrets.encryptKey, timestamp, nonce, signature, rawBody: req.rawBody })
    ) {
      throw new WebhookError(401, "signature does not match");
    }
    signed = true;
  }

  let payload = outer;
  if (typeof outer.encrypt === "string") {
    if (!secrets.encryptKey)
      throw new WebhookError(400, "body is encrypted but FEISHU_ENCRYPT_KEY is not set");
    payload = parseJsonObject(decrypt(secrets.encryptKey, outer.encrypt));
  } else if ("encrypt" in outer) {
    throw new WebhookError(400, "encrypt must be a string");
  }

  if (payload.type === "url_verification") {
    checkToken(payload.token, secrets);
    if (typeof payload.challenge !== "string") throw new WebhookError(400, "challenge must be a string");
    return { kind: "challenge", challenge: payload.challenge };
  }

  if (secrets.encryptKey && !signed) throw new WebhookError(401, "missing X-Lark-Signature");

  if (payload.schema === "2.0") {
    const header = asObject(payload.header, "header");
    checkToken(header.token, secrets);
    const event = asObject(payload.event, "event");
    return {
      kind: "event",
      eventType: requireString(header.event_type, "header.event_type"),
      eventId: requireString(header.event_id, "header.event_id"),
      createTime: typeof header.create_time === "string" ? header.create_time : "",
      tenantKey: typeof header.tenant_key === "string" ? header.tenant_key : "",
      event,
    };
  }
  // v1 envelope: old subscriptions, and the store-app events (app_ticket, app_uninstalled, app_status_change).
  checkToken(payload.token, secrets);
  const event = asObject(payload.event, "event");
  return {
    kind: "event",
    eventType: requireString(event.type, "event.type"),
    eventId: requireString(payload.uuid, "uuid"),
    createTime: typeof payload.ts === "string" ? payload.ts : "",
    tenantKey: typeof event.tenant_key === "string" ? event.tenant_key : "",
    event,
  };
}

/**
 * The legacy callback's flat shape: no schema, no envelope, no `type`, but the clicked message and an action.
 * Only a shape: what makes it trusted is its signature (verifyLegacy).
 */
function isLegacyCardCallback(body: Record<string, unknown>): boolean {
  return (
    body.schema === undefined &&
    body.encrypt === undefined &&
    body.type === undefined &&
    typeof body.open_message_id === "string" &&
    body.action !== null &&
    typeof body.action === "object"
  );
}

/**
 * The legacy callback is signed with SHA-1 over timestamp + nonce + verification token + raw body. Without a
 * verification token it cannot be verified: refused when the bot requires signatures (encrypt key set), taken
 * as is when the bot verifies nothing at all (neither secret set), like every other request then.
 */
function verifyLegacy(req: RequestParts, secrets: WebhookSecrets): void {
  if (!secrets.verificationToken) {
    if (secrets.encryptKey) {
      throw new WebhookError(
        401,
        "legacy card callbacks are verified with FEISHU_VERIFICATION_TOKEN, not set",
      );
    }
    return;
  }
  const signature = req.header("x-lark-signature");
  if (signature === undefined) throw new WebhookError(401, "missing X-Lark-Signature");
  const expected = computeLegacySignature({
    verificationToken: secrets.verificationToken,
    timestamp: req.header("x-lark-request-timestamp") ?? "",
    nonce: req.header("x-lark-request-nonce") ?? "",
    rawBody: req.rawBody,
  });
  if (!sameSignature(expected, signature)) throw new WebhookError(401, "signature does not match");
}

function checkToken(token: unknown, secrets: WebhookSecrets): void {
  if (!secrets.verificationToken) return;
  if (typeof token !== "string" || !sameSecret(token, secrets.verificationToken)) {
    throw new WebhookError(401, "verification token does not match");
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WebhookError(400, "body is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new WebhookError(400, "body is not a JSON object");
  }
  if (depthOf(value) > MAX_DEPTH) throw new WebhookError(400, "body is nested too deeply");
  return value as Record<string, unknown>;
}

function depthOf(value: unknown, depth = 0): number {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return depth;
  let max = depth;
  for (const child of Object.values(value)) max = Math.max(max, depthOf(child, depth + 1));
  return max;
}

export function asObject(value: unknown, name: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new WebhookError(400, `${name} must be an object`);
  }
  return value as Record<string, unknown>;
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0)
    throw new WebhookError(400, `${name} must be a string`);
  return value;
}
