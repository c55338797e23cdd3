import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("the watch API's weight at start-up", () => {
  // The built code (npm test builds before it runs vitest), in a plain Node.js process: what require loads.
  const loads = (tokens: string) => {
    const script = `
      const { createApi } = require("./dist/src/api/router.js");
      const { createLogger } = require("./dist/src/logger.js");
      const { createMetrics } = require("./dist/src/metrics.js");
      createApi({
        tokens: ${tokens},
        store: {},
        engine: {},
        logger: createLogger({ level: "error", format: "json", secrets: [] }),
        metrics: createMetrics(async () => 0),
        now: Date.now,
      });
      setTimeout(() => {
        const loaded = Object.keys(require.cache);
        console.log(JSON.stringify({
          zod: loaded.some((f) => f.includes("/node_modules/zod/")),
          routes: loaded.some((f) => f.endsWith("/dist/src/api/routes.js")),
        }));
      }, 300);`;
    return JSON.parse(
      execFileSync(process.execPath, ["-e", script], { cwd: join(__dirname, "..", ".."), encoding: "utf8" }),
    );
  };

  it("loads zod and the routes only when API_TOKENS is set", () => {
    expect(loads("[]")).toEqual({ zod: false, routes: false });
    expect(loads('[{ token: "a-token-for-the-load-test", tenantKey: "" }]')).toEqual({
      zod: true,
      routes: true,
    });
  });
});
