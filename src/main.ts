import { ConfigError, readConfig } from "./config";
import { loadEnv } from "./env";
import { createLogger } from "./logger";
import { databasePassword, describeDatabase } from "./redact";
import { type RunningServer, startServer } from "./server";

/** The bot's entry point: with check.ts, the only files that read process.env; the only one that listens. */
async function main(): Promise<void> {
  // Variables set in the environment win over the .env file.
  const env = loadEnv(process.cwd(), process.env);

  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Cannot start: ${error.problems.join("\n               ")}\n`);
      process.stderr.write("See the Configuration section of README.md, or copy .env.example to .env.\n");
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    secrets: [
      config.appSecret,
      config.encryptKey,
      config.verificationToken,
      ...config.apiTokens.map((t) => t.token),
      databasePassword(config.database),
      ...(config.userAuth?.keys.map((k) => k.toString("base64")) ?? []),
    ],
  });
  logger.info("starting", {
    app_id: config.appId,
    domain: config.domain,
    port: config.port,
    database: describeDatabase(config.database),
    poll_interval_seconds: config.pollIntervalSeconds,
    watch_timeout_minutes: config.watchTimeoutMinutes,
    task_check_rps: config.taskCheckRps,
    encrypt_key: config.encryptKey ? "set" : "not set",
    verification_token: config.verificationToken ? "set" : "not set",
    locale: config.locale,
    watch_api: config.apiTokens.length > 0 ? `on (${config.apiTokens.length} tokens)` : "off",
    user_authorization: config.userAuth
      ? `on (redirect ${config.userAuth.redirectUri}, ${config.userAuth.keys.length} keys)`
      : "off",
  });

  // A bug somewhere must not take the bot down with accepted work in flight: log it loudly and go on.
  process.on("unhandledRejection", (reason) => {
    logger.error("unhandled promise rejection", {
      error: reason instanceof Error ? reason.stack : String(reason),
    });
  });

  let server: RunningServer;
  try {
    server = await startServer(config, { logger });
  } catch (error) {
    logger.error(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  logger.info("ready", { url: server.url });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    await server.stop();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

void main();
