/**
 * `npm run console` as a newcomer runs it (its entry file in a child process): one command, no
 * configuration; it prints the console's URL, serves the page with the bot connected over the chosen
 * transport, prints no secret, and stops cleanly on SIGTERM. The page itself is tested in a real browser
 * (`npm run test:browser`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TRANSPORTS } from "./support/transport";

const ROOT = join(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
});

describe("npm run console", () => {
  it.each(TRANSPORTS)(
    "starts the emulator, the bot (%s) and the console, prints the URL, stops on SIGTERM",
    async (transport) => {
      child = spawn(TSX, [join(ROOT, "test", "console", "main.ts"), "--transport", transport], {
        cwd: ROOT,
        env: { ...process.env, CONSOLE_PORT: "0", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout?.on("data", (c: Buffer) => {
        output += c.toString("utf8");
      });
      child.stderr?.on("data", (c: Buffer) => {
        output += c.toString("utf8");
      });
      const exited = new Promise<number | string>((resolve) =>
        child?.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
      );
      const deadline = Date.now() + 30_000;
      while (!/Ready in \d+\.\d s/.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "Ready" line:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = /Feishu console: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(output)?.[1] ?? "";
      expect(url).not.toBe("");
      expect(await (await fetch(url)).text()).toContain("<title>Feishu console");
      const state = (await (await fetch(`${url}api/state`)).json()) as { transport: string };
      expect(state.transport).toBe(transport === "webhook" ? "webhook" : "long connection");
      expect(output).toContain(transport === "webhook" ? "encrypted and signed" : "long connection");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(output).toContain("console closed (SIGTERM)");
      for (const secret of ["emulator-secret", "console-encrypt-key", "console-verification-token"]) {
        expect(output).not.toContain(secret);
      }
    },
    60_000,
  );
});
