/**
 * `npm run check -- <taskId>`: one `task_check` with the bot's own configuration (`.env` and the environment,
 * read exactly as the bot reads them), for operators debugging credentials and permissions.
 *
 *   Task 7360595374803812356: process                                  exit 0
 *   the Feishu error (HTTP status, code, msg) and a hint                exit 2
 *   a missing or malformed setting                                     exit 1
 *   no task id                                                         exit 64 (usage)
 *
 * Never prints a secret: every line passes the logger's redactor, and the SDK's own lines (which can hold the
 * app secret) go to debug only, which this command never prints (its logger is at warn).
 */
import { type Config, ConfigError, readConfig } from "./config";
import { loadEnv } from "./env";
import { FeishuClient } from "./feishu/client";
import { FeishuApiError, toFeishuError } from "./feishu/errors";
import { createLogger, makeRedactor } from "./logger";

export const EXIT = { ok: 0, config: 1, feishu: 2, usage: 64 } as const;

export const USAGE = "Usage: npm run check -- <taskId>   (or: node dist/src/check.js <taskId>)";

const SCOPE_HINT =
  "The app lacks the permission task_check needs. In the Feishu developer console, Permissions & Scopes: add " +
  "drive:drive.metadata:readonly (or drive:drive / drive:drive:readonly), then create and publish a new " +
  "version of the app (Version management); a scope works only once the version is published.";
const CREDENTIALS_HINT =
  "Feishu refused the app credentials: check FEISHU_APP_ID and FEISHU_APP_SECRET against the Credentials " +
  "page of the developer console (and that the app belongs to this FEISHU_DOMAIN).";
const TOKEN_HINT =
  "Feishu refused the tenant access token: check FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_DOMAIN (an app " +
  "of open.feishu.cn cannot be used on open.larksuite.com, and the other way round).";
const RETRY_HINT = "Feishu had a temporary problem; try again in a moment.";

const HINTS: Readonly<Record<number, string>> = {
  99991672: SCOPE_HINT,
  10003: `${CREDENTIALS_HINT} Code 10003 usually means FEISHU_APP_ID is unknown.`,
  10014: `${CREDENTIALS_HINT} Code 10014 means FEISHU_APP_SECRET is wrong.`,
  99991663: TOKEN_HINT,
  99991677: TOKEN_HINT,
  1061003:
    "Feishu does not know this task: the id is wrong, or the task was created with a user access token of " +
    "another app (a task is visible only to the app that started it).",
  1061004:
    "This app may not see this task: it was started by another app or user. Ask whoever started it, or give " +
    "the app access to the folder.",
  1061002:
    "Feishu rejects the id as malformed: a task id is a string of digits, such as 7360595374803812356.",
  1061001: RETRY_HINT,
  1061045: RETRY_HINT,
  99991400: "Rate limited by Feishu: wait a few seconds and try again.",
};

/** What to do about a failed task_check, in one or two sentences. */
export function hintFor(error: FeishuApiError, domain: string): string {
  const known = HINTS[error.code];
  if (known) return known;
  if (error.httpStatus === 0) {
    return (
      `No answer from Feishu at ${domain}: check FEISHU_DOMAIN ("feishu", "lark" or a base URL) and the ` +
      "network (DNS, proxy, firewall) of this machine."
    );
  }
  if (error.httpStatus === 429) return HINTS[99991400] as string;
  if (error.httpStatus >= 500) return RETRY_HINT;
  return "Look the code up in Feishu's server API error codes (open.feishu.cn, Server API > Error codes).";
}

/** A base URL without user info, which could hold a password. */
function shownDomain(domain: string): string {
  try {
    const url = new URL(domain);
    url.username = "";
    url.password = "";
    return url.toString().replace(/\/$/, "");
  } catch {
    return domain;
  }
}

export interface CheckIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs the check for `args` (the command-line arguments after the script); returns the exit code. */
export async function runCheck(
  args: readonly string[],
  env: Record<string, string | undefined>,
  io: CheckIo,
): Promise<number> {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const taskId = args.length === 1 ? (args[0] ?? "").trim() : "";
  if (taskId === "") {
    io.err(
      args.length > 1 ? `Give exactly one task id (got ${args.length} arguments).` : "No task id given.",
    );
    io.err(USAGE);
    return EXIT.usage;
  }

  let config: Readonly<Config>;
  try {
    config = readConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`Cannot check: ${error.problems.join("\n              ")}`);
    io.err("See the Configuration section of README.md, or copy .env.example to .env.");
    return EXIT.config;
  }
  const secrets = [config.appSecret, config.encryptKey, config.verificationToken];
  const redact = makeRedactor(secrets);
  const out = (line: string) => io.out(redact(line));
  const err = (line: string) => io.err(redact(line));
  const logger = createLogger({ level: "warn", format: config.logFormat, secrets, stream: process.stderr });
  const client = new FeishuClient({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    logger,
  });
  const id = JSON.stringify(taskId).slice(1, -1); // control characters stay visible
  try {
    const status = await client.taskCheck("", taskId);
    out(`Task ${id}: ${status}`);
    return EXIT.ok;
  } catch (error) {
    const e = error instanceof FeishuApiError ? error : toFeishuError("task_check", error);
    const domain = shownDomain(config.domain);
    err(
      `Task ${id}: task_check failed${e.operation.endsWith("(token)") ? " (getting the tenant access token)" : ""}`,
    );
    err(`  HTTP status: ${e.httpStatus === 0 ? "none (no answer)" : e.httpStatus}`);
    err(`  code:        ${e.code}`);
    err(`  msg:         ${e.feishuMsg}`);
    err(`  app id:      ${config.appId}`);
    err(`  domain:      ${domain}`);
    err(`Hint: ${hintFor(e, domain)}`);
    return EXIT.feishu;
  }
}

if (require.main === module) {
  runCheck(process.argv.slice(2), loadEnv(process.cwd(), process.env), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => {
      // The SDK's keep-alive sockets would hold the process open for a while.
      process.exitCode = code;
      setImmediate(() => process.exit(code));
    },
    (error: unknown) => {
      const env = loadEnv(process.cwd(), process.env);
      const redact = makeRedactor(
        [env.FEISHU_APP_SECRET, env.FEISHU_ENCRYPT_KEY, env.FEISHU_VERIFICATION_TOKEN].map((s) => s ?? ""),
      );
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`check: unexpected error: ${redact(reason)}\n`);
      process.exit(EXIT.feishu);
    },
  );
}
