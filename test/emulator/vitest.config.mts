import { defineConfig } from "vitest/config";

// The emulator's own tests, run alone (`npm test --workspace @taskbot/feishu-emulator`); the repository's root
// `npm test` runs them too, with the bot's.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
