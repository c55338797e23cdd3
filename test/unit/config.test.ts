import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../src/config";
import { loadEnv } from "../../src/env";
import { databasePassword, describeDatabase } from "../../src/redact";
import { tempDir } from "../support/temp-dir";

const minimal = { FEISHU_APP_ID: "cli_a1b2c3d4e5f60718", FEISHU_APP_SECRET: "s3cret" };

function problemsOf(env: Record<string, string>): string[] {
  try {
    readConfig(env, "/srv/bot");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("readConfig", () => {
  it("applies the contract's defaults", () => {
    const config = readConfig(minimal, "/srv/bot");
    expect(config).toMatchObject({
      appId: "cli_a1b2c3d4e5f60718",
      encryptKey: "",
      verificationToken: "",
      domain: "https://open.feishu.cn",
      port: 3000,
      host: "0.0.0.0",
      database: { kind: "sqlite", path: "/srv/bot/data/bot.sqlite" },
      pollIntervalSeconds: 5,
      watchTimeoutMinutes: 1440,
      logLevel: "info",
      locale: "zh_cn",
      apiTokens: [],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("API_TOKENS: comma-separated, trimmed, deduplicated; a bad token is named by position, never shown", () => {
    const a = "a".repeat(16);
    const b = "token-b_0123456789~!";
    expect(readConfig({ ...minimal, API_TOKENS: ` ${a} ,${b},,${a}` }).apiTokens).toEqual([
      { token: a, tenantKey: "" },
      { token: b, tenantKey: "" },
    ]);
    const problems = problemsOf({ ...minimal, API_TOKENS: `${a},short-secret-1,has space in it!!!!` });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^API_TOKENS: token 2 of 3 /);
    expect(problems[1]).toMatch(/^API_TOKENS: token 3 of 3 /);
    expect(problems.join()).not.toContain("short-secret");
    expect(problems.join()).not.toContain("space in");
  });

  it("API_TOKENS with a store app: each token bound to the tenant it acts for, tenant_key:token", () => {
    const store = { ...minimal, FEISHU_APP_TYPE: "store" };
    const token = "a".repeat(16);
    expect(
      readConfig({ ...store, API_TOKENS: `2ca1d211f64f6438:${token},tenant_b:${token}:x` }).apiTokens,
    ).toEqual([
      { token, tenantKey: "2ca1d211f64f6438" },
      { token: `${token}:x`, tenantKey: "tenant_b" },
    ]);
    const unbound = problemsOf({ ...store, API_TOKENS: token });
    expect(unbound).toEqual([
      expect.stringMatching(/^API_TOKENS: token 1 of 1 must be written tenant_key:token/),
    ]);
    expect(problemsOf({ ...store, API_TOKENS: `bad tenant:${token}` })).toHaveLength(1);
    expect(problemsOf({ ...store, API_TOKENS: "t:short" }).join()).not.toContain("short");
    // A self-built app takes the whole entry as the token, colon included.
    expect(readConfig({ ...minimal, API_TOKENS: `t:${token}` }).apiTokens).toEqual([
      { token: `t:${token}`, tenantKey: "" },
    ]);
  });

  it("names every missing required variable in one error", () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("FEISHU_APP_ID");
    expect(problems[1]).toContain("FEISHU_APP_SECRET");
  });

  it("names each malformed variable", () => {
    const problems = problemsOf({
      ...minimal,
      PORT: "http",
      POLL_INTERVAL_SECONDS: "0",
      WATCH_TIMEOUT_MINUTES: "-3",
      LOG_LEVEL: "verbose",
      FEISHU_DOMAIN: "ftp://x",
      DATABASE_URL: "mysql://db/bot",
      TASK_CHECK_RPS: "fast",
      BOT_LOCALE: "fr",
    });
    for (const name of [
      "PORT",
      "POLL_INTERVAL_SECONDS",
      "WATCH_TIMEOUT_MINUTES",
      "LOG_LEVEL",
      "FEISHU_DOMAIN",
      "DATABASE_URL",
      "TASK_CHECK_RPS",
      "BOT_LOCALE",
    ]) {
      expect(
        problems.some((p) => p.startsWith(name)),
        name,
      ).toBe(true);
    }
  });

  it("rejects an app id that is not cli_...", () => {
    expect(problemsOf({ ...minimal, FEISHU_APP_ID: "app123" })[0]).toContain("cli_");
  });

  it.each([
    ["feishu", "https://open.feishu.cn"],
    ["LARK", "https://open.larksuite.com"],
    ["http://127.0.0.1:9000/", "http://127.0.0.1:9000"],
    ["https://open.example.com///", "https://open.example.com"],
  ])("FEISHU_DOMAIN %s -> %s", (value, expected) => {
    expect(readConfig({ ...minimal, FEISHU_DOMAIN: value }).domain).toBe(expected);
  });

  it("resolves sqlite paths against the working directory", () => {
    const path = (url: string, cwd?: string) => {
      const { database } = readConfig({ ...minimal, DATABASE_URL: url }, cwd);
      return database.kind === "sqlite" ? database.path : `not sqlite: ${database.kind}`;
    };
    expect(path("sqlite:/var/lib/bot.db")).toBe("/var/lib/bot.db");
    expect(path("sqlite:///var/lib/bot.db")).toBe("/var/lib/bot.db");
    expect(path("sqlite::memory:")).toBe(":memory:");
    expect(path("sqlite:x.db", "/srv")).toBe("/srv/x.db");
  });

  it("chooses PostgreSQL by the URL's scheme, and never shows its password", () => {
    for (const url of [
      "postgres://bot:s3cret@db:5432/bot",
      "postgresql://bot:s3cret@db/bot?sslmode=require",
    ]) {
      expect(readConfig({ ...minimal, DATABASE_URL: url }).database).toEqual({ kind: "postgres", url });
      expect(describeDatabase({ kind: "postgres", url })).not.toContain("s3cret");
    }
    expect(describeDatabase({ kind: "postgres", url: "postgres://bot:p@ss@db/bot" })).not.toContain("ss");
    expect(describeDatabase({ kind: "sqlite", path: "/d/bot.sqlite" })).toBe("sqlite:/d/bot.sqlite");
    // The password, decoded, is what the logger masks wherever it turns up.
    expect(databasePassword({ kind: "postgres", url: "postgres://bot:p%40ss@db/bot" })).toBe("p@ss");
    expect(databasePassword({ kind: "postgres", url: "postgres://bot@db/bot" })).toBe("");
    expect(databasePassword({ kind: "sqlite", path: "/d/bot.sqlite" })).toBe("");
    for (const bad of ["postgres://", "mysql://bot:s3cret@db/bot", "postgres://bot:s3cret@/bot"]) {
      const problems = problemsOf({ ...minimal, DATABASE_URL: bad });
      expect(problems.join("\n")).toMatch(/DATABASE_URL/);
      expect(problems.join("\n")).not.toContain("s3cret");
    }
  });

  it("never puts a secret in its error message", () => {
    try {
      readConfig({ FEISHU_APP_ID: "cli_1", FEISHU_APP_SECRET: "very-secret-value", PORT: "x" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("very-secret-value");
    }
  });
});

describe("loadEnv", () => {
  it("reads .env from the folder, and the environment wins over it", () => {
    const dir = tempDir();
    try {
      writeFileSync(
        join(dir.dir, ".env"),
        "# comment\nFEISHU_APP_ID=cli_from_file\nFEISHU_APP_SECRET='quoted secret'\nPORT=4000\n",
      );
      const env = loadEnv(dir.dir, { PORT: "5000" });
      expect(env).toMatchObject({
        FEISHU_APP_ID: "cli_from_file",
        FEISHU_APP_SECRET: "quoted secret",
        PORT: "5000",
      });
      expect(readConfig(env).port).toBe(5000);
      expect(loadEnv(join(dir.dir, "nowhere"), { A: "1" })).toEqual({ A: "1" });
    } finally {
      dir.remove();
    }
  });
});

describe("transport and app type", () => {
  it("reads FEISHU_EVENT_TRANSPORT and FEISHU_APP_TYPE, with their defaults", () => {
    expect(readConfig(minimal)).toMatchObject({ eventTransport: "webhook", appType: "self_built" });
    expect(readConfig({ ...minimal, FEISHU_EVENT_TRANSPORT: "WebSocket" }).eventTransport).toBe("websocket");
    expect(readConfig({ ...minimal, FEISHU_APP_TYPE: "store" }).appType).toBe("store");
  });

  it("refuses what cannot work, naming the variables", () => {
    expect(problemsOf({ ...minimal, FEISHU_EVENT_TRANSPORT: "carrier-pigeon" }).join("\n")).toContain(
      "FEISHU_EVENT_TRANSPORT",
    );
    expect(problemsOf({ ...minimal, FEISHU_APP_TYPE: "isv" }).join("\n")).toContain("FEISHU_APP_TYPE");
    // The long connection is for self-built apps only.
    const both = problemsOf({ ...minimal, FEISHU_APP_TYPE: "store", FEISHU_EVENT_TRANSPORT: "websocket" });
    expect(both.join("\n")).toMatch(/websocket works for self-built apps only/);
    // The SDK's WSClient silently does nothing unless the app id is cli_ + 16 hex digits.
    const shortId = problemsOf({ ...minimal, FEISHU_APP_ID: "cli_123", FEISHU_EVENT_TRANSPORT: "websocket" });
    expect(shortId.join("\n")).toContain("16 hex digits");
    expect(problemsOf({ ...minimal, FEISHU_APP_ID: "cli_123" })).toEqual([]);
  });
});

describe("user authorization (PUBLIC_URL, USER_TOKEN_KEY, FEISHU_ACCOUNTS_DOMAIN)", () => {
  const KEY = Buffer.alloc(32, 7).toString("base64");
  const OLD = Buffer.alloc(32, 9).toString("base64");

  it("is off unless both PUBLIC_URL and USER_TOKEN_KEY are set", () => {
    expect(readConfig(minimal).userAuth).toBeUndefined();
    expect(
      readConfig({ ...minimal, FEISHU_ACCOUNTS_DOMAIN: "https://accounts.example.com" }).userAuth,
    ).toBeUndefined();
  });

  it("reads the base URL, the keys in order (the first encrypts) and the redirect URL", () => {
    const config = readConfig({
      ...minimal,
      PUBLIC_URL: "https://bot.example.com/taskbot/",
      USER_TOKEN_KEY: `${KEY}, ${OLD}`,
    });
    expect(config.userAuth).toMatchObject({
      publicUrl: "https://bot.example.com/taskbot",
      redirectUri: "https://bot.example.com/taskbot/oauth/callback",
      accountsDomain: "https://accounts.feishu.cn",
    });
    expect(config.userAuth?.keys.map((k) => k.toString("base64"))).toEqual([KEY, OLD]);
  });

  it("derives the accounts domain from FEISHU_DOMAIN, unless it is given", () => {
    const on = { ...minimal, PUBLIC_URL: "https://bot.example.com", USER_TOKEN_KEY: KEY };
    const accounts = (env: Record<string, string>) => readConfig({ ...on, ...env }).userAuth?.accountsDomain;
    expect(accounts({})).toBe("https://accounts.feishu.cn");
    expect(accounts({ FEISHU_DOMAIN: "lark" })).toBe("https://accounts.larksuite.com");
    expect(accounts({ FEISHU_DOMAIN: "http://127.0.0.1:9000/" })).toBe("http://127.0.0.1:9000");
    expect(accounts({ FEISHU_ACCOUNTS_DOMAIN: "https://accounts.example.com/" })).toBe(
      "https://accounts.example.com",
    );
  });

  it("stops on a half configuration or a bad value, one line each, never showing a key", () => {
    const secretish = "bm90LTMyLWJ5dGVz"; // base64 of "not-32-bytes"
    expect(problemsOf({ ...minimal, USER_TOKEN_KEY: KEY })).toEqual([
      "PUBLIC_URL is required when USER_TOKEN_KEY is set (user authorization needs both)",
    ]);
    expect(problemsOf({ ...minimal, PUBLIC_URL: "https://bot.example.com" })).toEqual([
      "USER_TOKEN_KEY is required when PUBLIC_URL is set (user authorization needs both)",
    ]);
    const problems = problemsOf({
      ...minimal,
      PUBLIC_URL: "ftp://bot.example.com",
      USER_TOKEN_KEY: `${KEY},${secretish},${KEY}`,
      FEISHU_ACCOUNTS_DOMAIN: "accounts",
    });
    expect(problems).toEqual([
      'FEISHU_ACCOUNTS_DOMAIN must be a base URL such as https://bot.example.com, got "accounts"',
      'PUBLIC_URL must be an http(s) URL, got "ftp://bot.example.com"',
      "USER_TOKEN_KEY: key 2 of 3 must be 32 random bytes in base64 (openssl rand -base64 32; its value is not shown)",
      "USER_TOKEN_KEY names one key twice",
    ]);
    expect(problems.join("\n")).not.toContain(KEY);
    expect(problems.join("\n")).not.toContain(secretish);
    expect(
      problemsOf({ ...minimal, PUBLIC_URL: "https://bot.example.com/?a=1", USER_TOKEN_KEY: KEY }),
    ).toEqual([
      'PUBLIC_URL must be a base URL without query, fragment or credentials, got "https://bot.example.com..."',
    ]);
  });
});
