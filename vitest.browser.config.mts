import { defineConfig } from "vitest/config";

// `npm run test:browser`: the suites that drive Debian's Chromium (test/browser/); the root `npm test` never
// starts a browser. One file at a time: each starts the bot, the emulator and a browser of its own.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
