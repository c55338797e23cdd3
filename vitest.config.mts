import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The browser suites run with `npm run test:browser` (vitest.browser.config.mts), never here.
    exclude: [...configDefaults.exclude, "test/browser/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests start real servers on free ports; files run in parallel workers.
    pool: "forks",
    // Most of a test's time is spent waiting (for the emulator, timers, child processes), not computing: more
    // files at once than cores keeps the whole run short on a small CI machine.
    maxWorkers: 4,
    // A real PostgreSQL for the whole run: TEST_DATABASE_URL, or a throwaway embedded server.
    globalSetup: ["test/support/postgres-server.ts"],
    // An unhandled promise rejection anywhere (bot, emulator, test) fails the run, even if every test passed.
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
