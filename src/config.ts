import { isAbsolute, resolve } from "node:path";
import { parseUserAuth, type UserAuthConfig } from "./config-user-auth";
import { redactUrl } from "./redact";

export type LogLevel = "error" | "warn" | "info" | "debug";

export interface Config {
  appId: string;
  appSecret: string;
  encryptKey: string;
  verificationToken: string;
  /** Base URL of the Open Platform, without a trailing slash. */
  domain: string;
  port: number;
  host: string;
  /** Where the store lives, from DATABASE_URL's scheme. */
  database: DatabaseConfig;
  pollIntervalSeconds: number;
  watchTimeoutMinutes: number;
  taskCheckRps: number;
  logLevel: LogLevel;
  logFormat: "json" | "pretty";
  /** Language of plain-text messages; cards always carry both. */
  locale: "zh_cn" | "en_us";
  /** Bearer tokens of the watch API (`/api/v1/...`); empty: the API is off and its routes answer 404. */
  /** Watch API tokens; a store app's each bound to the tenant it acts for (API_TOKENS `tenant_key:token`). */
  apiTokens: readonly ApiToken[];
  /** webhook: events at the HTTP routes only; websocket: also over Feishu's long connection. */
  eventTransport: "webhook" | "websocket";
  /** self_built: one tenant; store: a store app (ISV), each event's tenant_key scoping its work. */
  appType: "self_built" | "store";
  /** User authorization (PUBLIC_URL, USER_TOKEN_KEY, FEISHU_ACCOUNTS_DOMAIN); undefined when it is off. */
  userAuth: UserAuthConfig | undefined;
}

/** A watch API token and the tenant it acts for ("" for a self-built app). */
export interface ApiToken {
  token: string;
  tenantKey: string;
}

/** SQLite (one process, a file or ":memory:") or PostgreSQL (shared by every replica). */
export type DatabaseConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

const DOMAINS: Record<string, string> = {
  feishu: "https://open.feishu.cn",
  lark: "https://open.larksuite.com",
};
const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

type Env = Record<string, string | undefined>;

/** Every variable readConfig reads; README, .env.example and app.json are kept in step with it by tests. */
export const ENV_NAMES = [
  "FEISHU_APP_ID",
  "FEISHU_APP_SECRET",
  "FEISHU_ENCRYPT_KEY",
  "FEISHU_VERIFICATION_TOKEN",
  "FEISHU_DOMAIN",
  "PORT",
  "HOST",
  "DATABASE_URL",
  "POLL_INTERVAL_SECONDS",
  "WATCH_TIMEOUT_MINUTES",
  "LOG_LEVEL",
  "TASK_CHECK_RPS",
  "BOT_LOCALE",
  "LOG_FORMAT",
  "API_TOKENS",
  "FEISHU_EVENT_TRANSPORT",
  "FEISHU_APP_TYPE",
  "PUBLIC_URL",
  "USER_TOKEN_KEY",
  "FEISHU_ACCOUNTS_DOMAIN",
] as const;

/**
 * Reads and validates the whole configuration from an env object (never process.env itself).
 * Throws one ConfigError naming every missing or malformed variable.
 */
export function readConfig(env: Env, cwd = process.cwd()): Readonly<Config> {
  const problems: string[] = [];
  type Name = (typeof ENV_NAMES)[number];
  const get = (name: Name | "NODE_ENV"): string => (env[name] ?? "").trim();

  const required = (name: Name, hint: string): string => {
    const value = get(name);
    if (!value) problems.push(`${name} is required (${hint})`);
    return value;
  };
  const integer = (name: Name, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (!raw) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const positive = (name: Name, fallback: number): number => {
    const raw = get(name);
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`${name} must be a positive number, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const appId = required("FEISHU_APP_ID", "the app id from the Feishu developer console, cli_...");
  if (appId && !appId.startsWith("cli_"))
    problems.push(`FEISHU_APP_ID must start with "cli_", got "${appId}"`);
  const appSecret = required("FEISHU_APP_SECRET", "the app secret from the Feishu developer console");

  const domain = parseDomain(get("FEISHU_DOMAIN") || "feishu", problems);
  const database = parseDatabaseUrl(get("DATABASE_URL") || "sqlite:./data/bot.sqlite", cwd, problems);

  const logLevel = (get("LOG_LEVEL") || "info").toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${get("LOG_LEVEL")}"`);
  }
  const logFormat = get("LOG_FORMAT") || (get("NODE_ENV") === "production" ? "json" : "pretty");
  if (logFormat !== "json" && logFormat !== "pretty") {
    problems.push(`LOG_FORMAT must be "json" or "pretty", got "${logFormat}"`);
  }

  const locale = (get("BOT_LOCALE") || "zh_cn").toLowerCase().replace("-", "_");
  if (locale !== "zh_cn" && locale !== "en_us") {
    problems.push(`BOT_LOCALE must be "zh_cn" or "en_us", got "${get("BOT_LOCALE")}"`);
  }

  const eventTransport = (get("FEISHU_EVENT_TRANSPORT") || "webhook").toLowerCase();
  if (eventTransport !== "webhook" && eventTransport !== "websocket") {
    problems.push(
      `FEISHU_EVENT_TRANSPORT must be "webhook" or "websocket", got "${get("FEISHU_EVENT_TRANSPORT")}"`,
    );
  } else if (eventTransport === "websocket" && appId && !/^cli_[0-9a-f]{16}$/i.test(appId)) {
    // The SDK's WSClient silently does nothing for any other app id.
    problems.push(
      `FEISHU_APP_ID must be "cli_" and 16 hex digits for FEISHU_EVENT_TRANSPORT=websocket, got "${appId}"`,
    );
  }

  const appType = (get("FEISHU_APP_TYPE") || "self_built").toLowerCase();
  if (appType !== "self_built" && appType !== "store") {
    problems.push(`FEISHU_APP_TYPE must be "self_built" or "store", got "${get("FEISHU_APP_TYPE")}"`);
  } else if (appType === "store" && eventTransport === "websocket") {
    problems.push(
      "FEISHU_EVENT_TRANSPORT=websocket works for self-built apps only: a store app (FEISHU_APP_TYPE=store) receives events by webhook",
    );
  }

  const apiTokens = parseApiTokens(get("API_TOKENS"), appType === "store", problems);
  const userAuth = parseUserAuth(get, domain, problems);

  const config: Config = {
    appId,
    appSecret,
    encryptKey: get("FEISHU_ENCRYPT_KEY"),
    verificationToken: get("FEISHU_VERIFICATION_TOKEN"),
    domain,
    port: integer("PORT", 3000, 0, 65535),
    host: get("HOST") || "0.0.0.0",
    database,
    pollIntervalSeconds: integer("POLL_INTERVAL_SECONDS", 5, 1, 3600),
    watchTimeoutMinutes: integer("WATCH_TIMEOUT_MINUTES", 1440, 1, 60 * 24 * 14),
    taskCheckRps: positive("TASK_CHECK_RPS", 5),
    logLevel: logLevel as LogLevel,
    logFormat: logFormat as Config["logFormat"],
    locale: locale as Config["locale"],
    apiTokens,
    eventTransport: eventTransport as Config["eventTransport"],
    appType: appType as Config["appType"],
    userAuth: userAuth && Object.freeze(userAuth),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** A watch API token: long enough not to be guessed, and fit for an `Authorization` header. */
const API_TOKEN = /^[\x21-\x2b\x2d-\x7e]{16,256}$/;

/** A tenant key as Feishu issues them (the store-app form of API_TOKENS names one before each token). */
const TENANT_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Comma-separated tokens; a bad one is named by its position, never shown (it is a secret). A store app
 * serves many tenants, so each of its tokens is written `tenant_key:token` and acts for that tenant only.
 */
function parseApiTokens(raw: string, storeApp: boolean, problems: string[]): readonly ApiToken[] {
  const entries = [
    ...new Set(
      raw
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  const tokens: ApiToken[] = [];
  entries.forEach((entry, i) => {
    const at = entry.indexOf(":");
    const [tenantKey, token] = storeApp ? [entry.slice(0, at), entry.slice(at + 1)] : ["", entry];
    const where = `API_TOKENS: token ${i + 1} of ${entries.length}`;
    if (storeApp && (at < 0 || !TENANT_KEY.test(tenantKey))) {
      problems.push(
        `${where} must be written tenant_key:token with FEISHU_APP_TYPE=store (its value is not shown)`,
      );
    } else if (!API_TOKEN.test(token)) {
      problems.push(
        `${where} must be 16 to 256 visible ASCII characters without spaces or commas (its value is not shown)`,
      );
    } else {
      tokens.push({ token, tenantKey });
    }
  });
  return Object.freeze(tokens);
}

function parseDomain(raw: string, problems: string[]): string {
  const named = DOMAINS[raw.toLowerCase()];
  if (named) return named;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(
      `FEISHU_DOMAIN must be "feishu", "lark" or a base URL such as http://127.0.0.1:9000, got "${raw}"`,
    );
    return raw;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`FEISHU_DOMAIN must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, "");
}

function parseDatabaseUrl(raw: string, cwd: string, problems: string[]): DatabaseConfig {
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      if (!url.hostname && !url.searchParams.get("host")) throw new Error("no host");
    } catch {
      problems.push(`DATABASE_URL is not a valid PostgreSQL URL, got "${redactUrl(raw)}"`);
    }
    return { kind: "postgres", url: raw };
  }
  if (!raw.startsWith("sqlite:")) {
    problems.push(
      `DATABASE_URL must look like sqlite:<path> or postgres://user:password@host:5432/db, got "${redactUrl(raw)}"`,
    );
    return { kind: "sqlite", path: raw };
  }
  const path = raw.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
  if (!path) {
    problems.push(`DATABASE_URL names no file, got "${raw}"`);
    return { kind: "sqlite", path };
  }
  if (path === ":memory:") return { kind: "sqlite", path };
  return { kind: "sqlite", path: isAbsolute(path) ? path : resolve(cwd, path) };
}
