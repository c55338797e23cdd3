import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ENV_NAMES, readConfig } from "../../src/config";

const ROOT = join(__dirname, "..", "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

/**
 * The operator contract, as a byte-identical copy in the repository (the original, ../shared/CONTRACT.md, is
 * beside the repository on the team's machines but not in a fresh clone; a test below keeps the two equal).
 */
const CONTRACT_COPY = "docs/contract.md";
const SHARED_CONTRACT = join(ROOT, "..", "shared", "CONTRACT.md");

/** The first Markdown table under a `## ` heading: its header cells and its rows' cells. */
function tableUnder(text: string, heading: string): { header: string[]; rows: string[][] } {
  const section = text.split(`\n${heading}\n`)[1]?.split("\n## ")[0] ?? "";
  const lines = section.split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rest = first < 0 ? [] : lines.slice(first);
  const end = rest.findIndex((l) => !l.startsWith("|"));
  const [header = "", separator = "", ...rows] = end < 0 ? rest : rest.slice(0, end);
  expect(separator, `${heading}: a table with a separator row`).toMatch(/^\|(\s*:?-+:?\s*\|)+$/);
  const cells = (line: string) =>
    line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  return { header: cells(header), rows: rows.map(cells) };
}

/** The variables of the contract's Configuration table, in its order. */
function contractVariables(text: string): string[] {
  return tableUnder(text, "## Configuration (environment variables)").rows.map((row) => {
    const name = /^`([A-Z_]+)`$/.exec(row[0] ?? "")?.[1];
    if (!name) throw new Error(`not a variable name: ${row[0]}`);
    return name;
  });
}

/** Names in the first column of the README's Configuration table. */
function readmeVariables(): string[] {
  const section = read("README.md").split("## Configuration")[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| `([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
}

describe("the contract's variables stay in step everywhere", () => {
  it("README documents every variable the bot reads, and no other", () => {
    expect(readmeVariables().sort()).toEqual([...ENV_NAMES].sort());
  });

  it("reads every variable of the operator contract's table", () => {
    const names = contractVariables(read(CONTRACT_COPY));
    expect(names).toContain("FEISHU_APP_ID");
    for (const name of names) expect(ENV_NAMES).toContain(name);
  });

  it("reads the variables the contract lists as coming with open work, now that it is done (README too)", () => {
    const copy = read(CONTRACT_COPY);
    const list = copy.split("Variables that come with open work")[1]?.split("\n\n")[0] ?? "";
    const coming = [...list.matchAll(/^- `([A-Z_]+)`/gm)].map((m) => m[1]);
    expect(coming).toEqual(["PUBLIC_URL", "USER_TOKEN_KEY", "FEISHU_ACCOUNTS_DOMAIN"]);
    for (const name of coming) {
      expect(ENV_NAMES).toContain(name);
      expect(readmeVariables()).toContain(name);
    }
  });

  it(".env.example lists every variable with a comment line above it", () => {
    const lines = read(".env.example").split("\n");
    const names = lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]);
    expect(names.sort()).toEqual([...ENV_NAMES].sort());
    for (const name of ENV_NAMES) {
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect(lines[at - 1], name).toMatch(/^# \S/);
    }
  });

  it("app.json declares every variable with a description, the required ones as required", () => {
    const app = JSON.parse(read("app.json"));
    expect(app.healthcheck).toBe("/healthz");
    for (const name of ENV_NAMES) {
      expect(app.env[name], name).toBeDefined();
      expect(app.env[name].description.length, name).toBeGreaterThan(5);
    }
    expect(app.env.FEISHU_APP_ID.required).toBe(true);
    expect(app.env.FEISHU_APP_SECRET.required).toBe(true);
    for (const [name, spec] of Object.entries<{ required?: boolean }>(app.env)) {
      if (name !== "FEISHU_APP_ID" && name !== "FEISHU_APP_SECRET")
        expect(spec.required, name).not.toBe(true);
    }
  });
});

describe("the repository's copy of the operator contract", () => {
  const copy = read(CONTRACT_COPY);

  it("is ../shared/CONTRACT.md byte for byte when that is beside the repository (so a change there is noticed)", async ({
    annotate,
  }) => {
    if (existsSync(SHARED_CONTRACT)) expect(copy).toBe(readFileSync(SHARED_CONTRACT, "utf8"));
    else await annotate(`${SHARED_CONTRACT} is absent (a fresh clone): only the copy itself is checked`);
    // Either way the copy is a contract these tests can read: its tables parse into what they name.
    const setup = tableUnder(copy, "## Set-up and start");
    expect(setup.header).toEqual(["command (in the repo root, fresh clone)", "what it does"]);
    expect(setup.rows.map((r) => r[0])).toEqual(["`npm ci`", "`npm start`", "`npm test`"]);
    const config = tableUnder(copy, "## Configuration (environment variables)");
    expect(config.header).toEqual(["name", "default", "meaning"]);
    for (const row of config.rows) expect(row, row[0]).toHaveLength(3);
    const names = contractVariables(copy);
    expect(new Set(names).size).toBe(names.length);
    expect(config.rows.find((r) => r[0] === "`FEISHU_APP_ID`")?.[1]).toContain("required");
    const endpoints = tableUnder(copy, "## HTTP endpoints");
    expect(endpoints.header).toEqual(["method and path", "purpose"]);
    for (const row of endpoints.rows) expect(row[0]).toMatch(/^`(GET|POST|DELETE) \/\S*`$/);
    expect(endpoints.rows.map((r) => r[0])).toEqual(
      expect.arrayContaining([
        "`POST /webhook/event`",
        "`POST /webhook/card`",
        "`GET /healthz`",
        "`GET /metrics`",
      ]),
    );
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const pkg = JSON.parse(read("package.json"));
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => /^[A-Z]+ /.test(l));

  it("builds in a first stage with the same steps CI runs, and runs in a second with production dependencies only", () => {
    expect(instructions.filter((l) => l.startsWith("FROM "))).toHaveLength(2);
    expect(dockerfile).toContain("RUN npm ci");
    expect(dockerfile).toContain("RUN npm run build");
    expect(dockerfile).toMatch(/npm prune --omit=dev|npm ci --omit=dev/);
  });

  it("installs the bot's dependencies without the repository's workspaces (the emulator is for tests only)", () => {
    expect(pkg.workspaces).toEqual(["test/emulator"]);
    const installs = instructions.filter((l) => /^RUN npm (ci|prune)\b/.test(l));
    expect(installs).toHaveLength(2);
    for (const line of installs) expect(line).toContain("--workspaces=false");
    expect(dockerfile).not.toMatch(/COPY test/);
  });

  it("uses a current Node LTS, a non-root user, a /data volume, EXPOSE and a HEALTHCHECK on /healthz", () => {
    for (const from of instructions.filter((l) => l.startsWith("FROM ")))
      expect(from).toMatch(/node:(22|24)\b/);
    const user = instructions.filter((l) => l.startsWith("USER ")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/root|\b0\b/);
    expect(dockerfile).toMatch(/VOLUME \["\/data"\]/);
    expect(dockerfile).toMatch(/EXPOSE 3000/);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(dockerfile).toContain("DATABASE_URL=sqlite:/data/bot.sqlite");
  });

  it("starts node directly (exec form, no npm as PID 1) with the same command as npm start", () => {
    const cmd = instructions.filter((l) => l.startsWith("CMD ")).at(-1) ?? "";
    const argv = JSON.parse(cmd.slice(4)) as string[];
    expect(argv[0]).toBe("node");
    expect(`node ${argv.slice(1).join(" ")}`).toBe(pkg.scripts.start);
    expect(instructions.some((l) => l.startsWith("ENTRYPOINT "))).toBe(false);
  });

  it("copies everything the build needs", () => {
    const build = JSON.parse(read("tsconfig.build.json")) as { include: string[] };
    for (const dir of build.include) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
    expect(dockerfile).toContain("COPY package.json package-lock.json ./");
  });
});

describe("deploy/compose.yaml (several replicas on PostgreSQL)", () => {
  type Service = {
    build?: { context: string };
    image?: string;
    command?: string | string[];
    entrypoint?: unknown;
    environment?: Record<string, string>;
    depends_on?: Record<string, { condition: string }> | string[];
    healthcheck?: { test: string[] };
  };
  const compose = parse(read("deploy/compose.yaml"), { merge: true }) as {
    services: Record<string, Service>;
  };
  const bots = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

  it("runs two replicas of this repository's image with its own start command", () => {
    expect(bots.map(([name]) => name)).toEqual(["bot-1", "bot-2"]);
    for (const [, bot] of bots) {
      expect(existsSync(join(ROOT, "deploy", bot.build?.context ?? "", "Dockerfile"))).toBe(true);
      // No command or entrypoint of its own: the image's exec-form CMD, the same as `npm start`, runs.
      expect(bot.command).toBeUndefined();
      expect(bot.entrypoint).toBeUndefined();
    }
  });

  it("configures them with variables the bot reads, on one PostgreSQL that is healthy first", () => {
    // Compose's ${NAME:-default} takes the default; a required ${NAME:?...} gets a test value.
    const substitute = (value: string) =>
      value.replace(
        /\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g,
        (_, name: string, fallback?: string) => fallback ?? `test-${name.toLowerCase()}`,
      );
    for (const [, bot] of bots) {
      const env = bot.environment ?? {};
      for (const name of Object.keys(env)) expect(ENV_NAMES).toContain(name);
      const settings = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(String(v))]));
      const config = readConfig({ ...settings, FEISHU_APP_ID: "cli_a1b2c3d4e5f60718" });
      expect(config.database.kind).toBe("postgres");
      expect(bot.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    }
    expect(compose.services.postgres.healthcheck?.test.join(" ")).toContain("pg_isready");
  });

  it("puts one proxy in front of every replica, on the port the bot listens on", () => {
    const proxy = String(compose.services.proxy.command);
    for (const [name] of bots) expect(proxy).toContain(`--to ${name}:3000`);
    expect(readConfig({ FEISHU_APP_ID: "cli_x", FEISHU_APP_SECRET: "s" }).port).toBe(3000);
  });
});
