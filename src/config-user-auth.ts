/**
 * User authorization's three variables (README "Checking tasks as the user who asked"). It is on when
 * PUBLIC_URL and USER_TOKEN_KEY are both set; either alone is a mistake worth stopping for. A key's value is
 * never shown in a message.
 */
export interface UserAuthConfig {
  /** The bot's base URL as people's browsers reach it, without a trailing slash. */
  publicUrl: string;
  /** `<publicUrl>/oauth/callback`, the redirect URL registered in the console. */
  redirectUri: string;
  /** USER_TOKEN_KEY: 32-byte keys; the first seals and signs, every one opens and verifies. */
  keys: readonly Buffer[];
  /** Where the authorization page and the OAuth token endpoints live. */
  accountsDomain: string;
}

/** FEISHU_DOMAIN's named hosts and their accounts hosts. */
const ACCOUNTS: Record<string, string> = {
  "https://open.feishu.cn": "https://accounts.feishu.cn",
  "https://open.larksuite.com": "https://accounts.larksuite.com",
};

/**
 * Reads PUBLIC_URL, USER_TOKEN_KEY and FEISHU_ACCOUNTS_DOMAIN (`domain` is FEISHU_DOMAIN's base URL, already
 * read); pushes one line per problem. Undefined when user authorization is off.
 */
export function parseUserAuth(
  get: (name: "PUBLIC_URL" | "USER_TOKEN_KEY" | "FEISHU_ACCOUNTS_DOMAIN") => string,
  domain: string,
  problems: string[],
): UserAuthConfig | undefined {
  const rawUrl = get("PUBLIC_URL");
  const rawKeys = get("USER_TOKEN_KEY");
  const accounts = get("FEISHU_ACCOUNTS_DOMAIN");
  const accountsDomain = accounts
    ? baseUrl("FEISHU_ACCOUNTS_DOMAIN", accounts, problems)
    : (ACCOUNTS[domain] ?? domain);
  if (!rawUrl && !rawKeys) return undefined;
  if (!rawUrl)
    problems.push("PUBLIC_URL is required when USER_TOKEN_KEY is set (user authorization needs both)");
  if (!rawKeys)
    problems.push("USER_TOKEN_KEY is required when PUBLIC_URL is set (user authorization needs both)");
  const publicUrl = rawUrl ? baseUrl("PUBLIC_URL", rawUrl, problems) : "";
  const keys = rawKeys ? parseKeys(rawKeys, problems) : [];
  return { publicUrl, redirectUri: `${publicUrl}/oauth/callback`, keys, accountsDomain };
}

/** An http(s) URL without query, fragment or trailing slash (a path prefix is kept). */
function baseUrl(name: string, raw: string, problems: string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} must be a base URL such as https://bot.example.com, got "${raw}"`);
    return raw;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`${name} must be an http(s) URL, got "${raw}"`);
  } else if (url.search || url.hash || url.username || url.password) {
    problems.push(
      `${name} must be a base URL without query, fragment or credentials, got "${url.origin}..."`,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/** Comma-separated base64 keys of 32 bytes each; a bad one is named by its position, never shown. */
function parseKeys(raw: string, problems: string[]): Buffer[] {
  const entries = raw
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const keys: Buffer[] = [];
  entries.forEach((entry, i) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(entry) ? Buffer.from(entry, "base64") : Buffer.alloc(0);
    if (key.length === 32) keys.push(key);
    else
      problems.push(
        `USER_TOKEN_KEY: key ${i + 1} of ${entries.length} must be 32 random bytes in base64 ` +
          "(openssl rand -base64 32; its value is not shown)",
      );
  });
  if (new Set(keys.map((k) => k.toString("hex"))).size < keys.length) {
    problems.push("USER_TOKEN_KEY names one key twice");
  }
  return keys;
}
