/**
 * The emulator's shape as a component: its route table, and its independence from the bot's code.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS, matchRoute, ROUTE_TABLE, type RouteSpec, startEmulator } from "../src";

describe("route table", () => {
  it("matches method + path pattern to a route and its decoded parameters", () => {
    expect(matchRoute("POST", "/open-apis/im/v1/messages/om_1%2Fx/reply")).toMatchObject({
      route: "reply",
      params: { message_id: "om_1/x" },
      messageId: "om_1/x",
    });
    expect(matchRoute("PATCH", "/open-apis/im/v1/messages/om_2/")).toMatchObject({
      route: "patch",
      messageId: "om_2",
    });
    expect(matchRoute("POST", "/open-apis/im/v1/messages")).toMatchObject({ route: "create", params: {} });
    expect(matchRoute("GET", "/open-apis/drive/v1/files/task_check").route).toBe("task_check");
    expect(matchRoute("GET", "/open-apis/im/v1/messages/om_1/reply").route).toBe("unknown");
    expect(matchRoute("POST", "/open-apis/im/v1/messages/om_1/reply/x").route).toBe("unknown");
    expect(matchRoute("POST", "/open-apis/bot/v3/info").route).toBe("unknown");
  });

  it("has one entry per name, and only the token routes, the authorization page and the long connection's discovery skip the token", () => {
    const names = ROUTE_TABLE.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const open = ROUTE_TABLE.filter((r) => "auth" in r && r.auth === false).map((r) => r.name);
    // The self-built token route, a store app's three token routes, the authorization page and its form, the
    // OAuth token and revoke endpoints, the long connection's discovery.
    expect(open).toEqual([
      "token",
      "app_access_token",
      "store_tenant_token",
      "app_ticket_resend",
      "oauth_authorize",
      "oauth_consent",
      "oauth_token_v3",
      "oauth_token_v2",
      "oauth_revoke",
      "ws_endpoint",
    ]);
    // A person's user_access_token is taken by user_info (only) and by Drive's task_check, move and delete.
    const identities = (r: RouteSpec) => r.identities ?? ["tenant"];
    expect(ROUTE_TABLE.filter((r) => identities(r).includes("user")).map((r) => r.name)).toEqual([
      "user_info",
      "task_check",
      "move_file",
      "delete_file",
    ]);
    expect(ROUTE_TABLE.filter((r) => !identities(r).includes("tenant")).map((r) => r.name)).toEqual([
      "user_info",
    ]);
    for (const r of ROUTE_TABLE) {
      expect(matchRoute(r.method, r.path.replace(/:(\w+)/g, "x_$1")).route, r.path).toBe(r.name);
    }
  });
});

/** Every module reached from test/emulator/src/**, following relative imports (static, re-exports, dynamic). */
function importGraph(root: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>(); // package → first file importing it
  const resolve = (from: string, spec: string): string => {
    const base = path.resolve(path.dirname(from), spec);
    for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    throw new Error(`${from}: cannot resolve "${spec}"`);
  };
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: spec } of importedFiles) {
      if (spec.startsWith(".")) visit(resolve(file, spec));
      else if (!packages.has(spec)) packages.set(spec, file);
    }
  };
  // Every file under src/, the console's browser code too (esbuild bundles it; nothing imports it).
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".ts")) visit(full);
    }
  };
  walk(root);
  return { files, packages };
}

describe("standalone", () => {
  const repo = path.resolve(__dirname, "..", "..", "..");
  const { files, packages } = importGraph(path.join(repo, "test", "emulator", "src"));
  const relative = [...files].map((f) => path.relative(repo, f).split(path.sep).join("/"));

  it("reaches no bot module from test/emulator/src/**, even transitively", () => {
    const bot = /^(src|handlers|cards)\/|^test\/(support|demo)\//;
    expect(relative.filter((f) => bot.test(f))).toEqual([]);
    expect(relative.every((f) => f.startsWith("test/emulator/src/"))).toBe(true);
    expect(relative).toContain("test/emulator/src/cli.ts");
    expect(relative).toContain("test/emulator/src/console/client/main.ts");
  });

  it("depends on nothing but node, ws and protobufjs (long connection) and esbuild (the console's script), as its package.json says", () => {
    const foreign = [...packages].filter(([spec]) => !spec.startsWith("node:"));
    expect(foreign.map(([spec]) => spec).sort()).toEqual(["esbuild", "protobufjs", "ws"]);
    const manifest = JSON.parse(
      readFileSync(path.join(repo, "test", "emulator", "package.json"), "utf8"),
    ) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["protobufjs", "ws"]);
    // A development tool's bundler: loaded only when a console starts (console/bundle.ts), pinned.
    expect(manifest.devDependencies.esbuild).toMatch(/^\d+\.\d+\.\d+$/);
    expect(packages.get("esbuild")).toBe(path.join(repo, "test", "emulator", "src", "console", "bundle.ts"));
  });

  it("would notice a bot import (the walker follows re-exports and dynamic imports)", () => {
    const { importedFiles } = ts.preProcessFile(
      'export * from "../src/app"; const m = import("../../cards"); import x = require("./y");',
      true,
      true,
    );
    expect(importedFiles.map((f) => f.fileName)).toEqual(["../src/app", "../../cards", "./y"]);
  });
});

describe("README", () => {
  const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

  it("documents every member, option and route", async () => {
    const emu = await startEmulator();
    try {
      const missing = [
        ...Object.keys(emu).filter((m) => !readme.includes(`\`${m}`) && !readme.includes(` ${m}(`)),
        ...Object.keys(DEFAULT_OPTIONS).filter((o) => !readme.includes(`\`${o}\``)),
        ...ROUTE_TABLE.map((r) => r.name).filter((n) => !readme.includes(`| \`${n}\``)),
      ];
      expect(missing).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});
