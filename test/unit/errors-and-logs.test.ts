import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  classify,
  classifyIdentity,
  type FailureKind,
  FeishuApiError,
  IDENTITY_CODES,
  type IdentityFailure,
  toFeishuError,
} from "../../src/feishu/errors";
import { createLogger, makeRedactor } from "../../src/logger";
import { failureTable } from "../support/failure-table";

const api = (code: number, status = 400) => new FeishuApiError("op", code, status, "msg");

/** What the bot must take each Feishu answer for: every code of the table, and the fallbacks on HTTP status. */
const ROWS: Array<[FeishuApiError, FailureKind]> = [
  [api(1061001, 500), "transient"],
  [api(0, 502), "transient"],
  [api(0, 0), "transient"],
  [api(1061045), "transient"],
  [api(99991400, 429), "rate_limited"],
  [api(99991400, 400), "rate_limited"], // some older APIs answer it with HTTP 400
  [api(0, 429), "rate_limited"],
  [api(230020), "rate_limited"],
  [api(99991663), "auth"],
  [api(99991677), "auth"],
  [api(99991664, 200), "auth"], // store apps: the tenant token endpoint refuses the app access token
  [api(10012, 200), "auth"], // store apps: the app access token endpoint refuses the app_ticket
  [api(1061002), "task_invalid"],
  [api(1061003, 404), "task_not_found"],
  [api(1061004, 403), "task_not_found"],
  [api(1062501, 403), "task_not_found"], // no permission on the node: hidden from the app

  [api(230011), "card_gone"],
  [api(230110), "card_gone"],
  [api(230031), "card_too_old"],
  // The IM codes the message pages document, each with what the bot does (docs/reliability.md, "Feishu failures, classified once").
  [api(230002), "chat_refused"],
  [api(232009), "chat_refused"],
  [api(230018), "chat_refused"],
  [api(230035), "chat_refused"],
  [api(230027), "chat_refused"],
  [api(230053), "chat_refused"],
  [api(230013), "chat_refused"],
  [api(230001), "content_refused"],
  [api(230012), "content_refused"],
  [api(230025), "content_refused"],
  [api(230099), "content_refused"],
  [api(99992402), "content_refused"],
  [api(99991672), "permanent"],
  [api(123456, 400), "permanent"],
  [api(123456, 503), "transient"],
];

/** Codes of a failure table that no row above tests. */
const untested = (table: Map<number, string>): number[] => {
  const tested = new Set(ROWS.map(([error]) => error.code));
  return [...table.keys()].filter((code) => !tested.has(code));
};

/** What each answer means for a person's identity (user authorization). */
const IDENTITY_ROWS: Array<[FeishuApiError, IdentityFailure]> = [
  [api(99991677), "expired"],
  [api(99991668), "dead"],
  [api(99991679), "dead"],
  [api(20050, 500), "retry"],
  [api(20072, 503), "retry"],
  [api(20026), "dead"],
  [api(20037), "dead"],
  [api(20064), "dead"],
  [api(20073), "dead"],
  [api(20074), "dead"],
  [api(20010), "dead"],
  [api(20008), "dead"],
  [api(20066), "dead"],
  [api(0, 0), "retry"], // no answer
  [api(99991400, 429), "retry"],
  [api(0, 502), "retry"],
  [api(20063), "dead"], // any other refusal of a refresh: authorize again
];

describe("identity table", () => {
  it.each(IDENTITY_ROWS)("%s -> %s", (error, kind) => {
    expect(classifyIdentity(error)).toBe(kind);
  });

  it("has a row for every code it knows, and a plain Error is worth a retry", () => {
    const tested = new Set(IDENTITY_ROWS.map(([e]) => e.code));
    expect(IDENTITY_CODES.filter((code) => !tested.has(code))).toEqual([]);
    expect(classifyIdentity(new Error("socket hang up"))).toBe("retry");
  });
});

describe("failure table", () => {
  it.each(ROWS)("%s -> %s", (error, kind) => {
    expect(classify(error)).toBe(kind);
  });

  it("has a row above for every code of the table in src/feishu/errors.ts", () => {
    const table = failureTable();
    expect(table.size).toBeGreaterThan(20);
    // The table as read here is the one classify() applies, code by code.
    for (const [code, kind] of table) expect(classify(api(code)), String(code)).toBe(kind);
    expect(untested(table)).toEqual([]);
  });

  it("would notice a code added to the table without a row", () => {
    const source = readFileSync(join(__dirname, "..", "..", "src", "feishu", "errors.ts"), "utf8");
    const added = source.replace(
      "const BY_CODE: Record<number, FailureKind> = {",
      '$&\n  1069999: "transient",',
    );
    expect(added).not.toBe(source);
    expect(untested(failureTable(added))).toEqual([1069999]);
  });

  it("reads axios errors, network errors and the SDK's token error without keeping request data", () => {
    const axiosError = {
      message: "Request failed with status code 429",
      config: { headers: { Authorization: "Bearer t-secret-token-123456" }, data: '{"app_secret":"s3"}' },
      response: {
        status: 429,
        data: { code: 99991400, msg: "too many" },
        headers: { "x-ogw-ratelimit-reset": "7" },
      },
    };
    const e = toFeishuError("task_check", axiosError);
    expect(e).toMatchObject({ code: 99991400, httpStatus: 429, retryAfterSeconds: 7 });
    expect(JSON.stringify(e) + e.message).not.toContain("t-secret-token");
    expect(toFeishuError("x", { code: "ECONNRESET", message: "socket hang up" })).toMatchObject({
      code: 0,
      httpStatus: 0,
    });
    const token = toFeishuError(
      "bot.info",
      new Error("failed to get tenant_access_token, code: 10014, msg: app secret invalid"),
    );
    expect(token).toMatchObject({ code: 10014 });
    expect(classify(token)).toBe("permanent");
  });
});

describe("log redaction", () => {
  it("masks configured secrets and anything shaped like a token", () => {
    const redact = makeRedactor(["my-app-secret", "my-encrypt-key"]);
    const out = redact(
      'secret my-app-secret key my-encrypt-key Authorization: Bearer t-g1044ghJ2KLMNOP token t-abcdefghij {"app_secret":"zzz"}',
    );
    for (const leaked of ["my-app-secret", "my-encrypt-key", "t-g1044ghJ2KLMNOP", "t-abcdefghij", "zzz"]) {
      expect(out).not.toContain(leaked);
    }
  });

  it("never writes a secret, even nested in metadata or an error", () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on("data", (c: Buffer) => lines.push(c.toString()));
    const logger = createLogger({ level: "debug", format: "json", secrets: ["hunter22-secret"], stream });
    logger.info("config", { nested: { deep: ["hunter22-secret"] }, error: new Error("bad hunter22-secret") });
    logger.warn("sdk said Bearer u-abcdefghijklmnop");
    const text = lines.join("");
    expect(text).toContain("config");
    expect(text).not.toContain("hunter22-secret");
    expect(text).not.toContain("u-abcdefghijklmnop");
  });
});
