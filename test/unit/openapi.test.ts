import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import express from "express";
import { describe, expect, it } from "vitest";
import { API_ERRORS } from "../../src/api/errors";
import { openApiDocument } from "../../src/api/openapi";
import { API_BURST, API_REQUESTS_PER_SECOND } from "../../src/api/rate-limit";
import { mountRoutes } from "../../src/api/routes";
import { MAX_NOTE_CHARS } from "../../src/api/schemas";
import { WatchService } from "../../src/api/watches";
import { createLogger } from "../../src/logger";
import { createMetrics } from "../../src/metrics";
import type { Store } from "../../src/store/roles";

type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> } };

/** Every route the API's router serves, as OpenAPI writes it: "get /api/v1/watches/{watch_id}". */
function servedRoutes(): string[] {
  const options = {
    tokens: [{ token: "a-token-for-the-route-list", tenantKey: "" }],
    store: {} as Store,
    engine: { runNow: async () => undefined, requestStop: async () => false },
    logger: createLogger({ level: "error", format: "json", secrets: [] }),
    metrics: createMetrics(async () => 0),
    now: Date.now,
  };
  const router = express.Router();
  mountRoutes(router, new WatchService(options), options);
  const routes = new Set<string>();
  for (const layer of router.stack as Layer[]) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== "_all") routes.add(`${method} /api${path.replace(/:(\w+)/g, "{$1}")}`);
      }
    }
  }
  return [...routes].sort();
}

function documentedRoutes(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of ["get", "post", "put", "patch", "delete"])
      if (item[method]) out.push(`${method} ${path}`);
  }
  return out.sort();
}

describe("the OpenAPI document", () => {
  const doc = openApiDocument();

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it("the validator does catch a broken document (so the test above can fail)", async () => {
    const broken = structuredClone(doc) as { paths: Record<string, Record<string, unknown>> };
    broken.paths["/api/v1/watches"].post = { responses: "none" };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("describes every route the router serves, and no other", () => {
    expect(servedRoutes()).toEqual(documentedRoutes(doc));
    expect(servedRoutes()).toContain("delete /api/v1/watches/{watch_id}");
  });

  it("names every error code of the table, and holds no host or token", () => {
    const text = JSON.stringify(doc);
    for (const code of Object.keys(API_ERRORS)) {
      if (code !== "not_found" && code !== "method_not_allowed" && code !== "internal_error") {
        expect(text, code).toContain(`\`${code}\``);
      }
    }
    expect(text).not.toContain("a-token-for-the-route-list");
    expect(doc).not.toHaveProperty("servers");
  });

  it("takes its request schema from the zod schemas the API validates with", () => {
    const components = (doc.components as { schemas: Record<string, { properties?: object }> }).schemas;
    expect(Object.keys(components)).toEqual(
      expect.arrayContaining([
        "CreateWatchRequest",
        "WatchInChat",
        "WatchForUser",
        "Watch",
        "WatchList",
        "Error",
      ]),
    );
    expect(components.WatchInChat).toMatchObject({
      additionalProperties: false,
      required: ["task_id", "chat_id"],
      properties: { task_id: { pattern: "^\\d{6,32}$" }, note: { maxLength: 200 } },
    });
  });
});

describe("the watch API's reference (docs/watch-api.md)", () => {
  const reference = readFileSync(join(__dirname, "..", "..", "docs", "watch-api.md"), "utf8");

  it("lists every error code with its status, and the limits the code enforces", () => {
    for (const [code, status] of Object.entries(API_ERRORS)) {
      if (code === "internal_error") continue;
      const row = reference.split("\n").find((line) => line.startsWith(`| \`${status}\``)) ?? "";
      expect(row, code).toContain(`\`${code}\``);
    }
    expect(reference).toContain(
      `${API_REQUESTS_PER_SECOND} requests per second per token, bursts of ${API_BURST}`,
    );
    expect(reference).toContain(`at most ${MAX_NOTE_CHARS} characters`);
  });
});
