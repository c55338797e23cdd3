import winston from "winston";
import type { LogLevel } from "./config";

export type Logger = winston.Logger;

/** Patterns that look like credentials whatever their origin (tokens in SDK errors, headers, bodies). */
const SECRET_PATTERNS: RegExp[] = [
  /\b[tuac]-[A-Za-z0-9_.-]{8,}/g, // tenant/user/app access tokens and card update tokens
  /(Bearer\s+)[^\s"',]+/gi,
  /("?(?:app_secret|appSecret|encrypt_key|encryptKey|tenant_access_token|app_access_token|token|authorization)"?\s*[:=]\s*"?)[^"\s,}]+/gi,
];

/** Returns a function that masks the given secret values and anything shaped like a token. */
export function makeRedactor(secrets: string[]): (text: string) => string {
  const literal = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const secret of literal) out = out.split(secret).join("***");
    for (const pattern of SECRET_PATTERNS) {
      out = out.replace(pattern, (match, prefix?: string) =>
        typeof prefix === "string" && match.startsWith(prefix) ? `${prefix}***` : "***",
      );
    }
    return out;
  };
}

function redactDeep(value: unknown, redact: (s: string) => string, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = redactDeep(v, redact, depth + 1);
  return out;
}

export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "pretty";
  secrets: string[];
  /** Where lines go; defaults to stdout. Tests pass a stream to read the lines back. */
  stream?: NodeJS.WritableStream;
}

const SEVERITY: Record<string, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createLogger(options: LoggerOptions): Logger {
  const redact = makeRedactor(options.secrets);
  // winston formats a line before its transport drops it by level: drop it first, it is on the hot path.
  const enabled = winston.format((info) => (SEVERITY[info.level] ?? 0) <= SEVERITY[options.level] && info);
  const redaction = winston.format((info) => {
    for (const key of Object.keys(info)) {
      info[key] = redactDeep(info[key], redact);
    }
    return info;
  });
  const format =
    options.format === "json"
      ? winston.format.combine(enabled(), redaction(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          enabled(),
          redaction(),
          winston.format.timestamp({ format: "HH:mm:ss.SSS" }),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : "";
            return `${timestamp} ${level.padEnd(5)} ${message}${extra}`;
          }),
        );
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({ level: options.level, format, transports: [transport] });
}
