/** URLs and passwords made fit for log lines and messages: no secret leaves in them. */

/** Where the store is (config.ts DatabaseConfig, read structurally: config.ts itself uses redactUrl). */
type Database = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** A database URL fit for a log line or an error message: any password replaced by ***. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    // Not a URL: hide everything between "scheme://user:" and the authority's last "@".
    return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^/?#]*@/i, "$1***@");
  }
}

/** The password of a URL ("" for none), to keep out of every message and log line. */
export function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}

/** The password in a PostgreSQL DATABASE_URL ("" for none), for the logger to mask wherever it appears. */
export function databasePassword(database: Database): string {
  return database.kind === "postgres" ? urlPassword(database.url) : "";
}

/** Where the store is, for the start-up line: the SQLite path, or the PostgreSQL URL without its password. */
export function describeDatabase(database: Database): string {
  return database.kind === "sqlite" ? `sqlite:${database.path}` : redactUrl(database.url);
}
