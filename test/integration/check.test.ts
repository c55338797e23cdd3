import { execFileSync, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@taskbot/feishu-emulator";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../support/child-bot";
import { tempDir } from "../support/harness";

const ROOT = join(__dirname, "..", "..");
const CHECK = join(ROOT, "dist", "src", "check.js");
const TASK = "7360595374803812356";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `check.js` (what `npm run check` runs) with only the given environment. */
function runCheck(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHECK, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let emu: Emulator;
let tmp: ReturnType<typeof tempDir>;
let env: Record<string, string>;

beforeAll(() => {
  // npm test builds before vitest; a lone run of this file builds here.
  if (existsSync(CHECK)) return;
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
  } catch (error) {
    // tsc still emits when another file has a type error; only a missing check.js stops this suite.
    if (!existsSync(CHECK)) throw error;
  }
}, 120_000);

beforeEach(async () => {
  emu = await startEmulator();
  tmp = tempDir();
  env = {
    FEISHU_APP_ID: emu.options.appId,
    FEISHU_APP_SECRET: emu.options.appSecret,
    FEISHU_DOMAIN: emu.url,
  };
});

afterEach(async () => {
  await emu.close();
  tmp.remove();
});

/** No secret in anything the tool printed. */
function expectNoSecret(run: Run, ...secrets: string[]) {
  for (const secret of [emu.options.appSecret, ...secrets]) {
    expect(run.stdout + run.stderr).not.toContain(secret);
  }
  expect(run.stdout + run.stderr).not.toMatch(/t-emu-/); // no tenant token either
}

describe("npm run check -- <taskId> (dist/src/check.js)", () => {
  it("prints the task's status and exits 0", async () => {
    emu.setTask(TASK, ["process"]);
    const run = await runCheck([TASK], env, tmp.dir);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`Task ${TASK}: process`);
    expect(emu.taskCheckCount(TASK)).toBe(1);
    expectNoSecret(run);
  });

  it("reads the configuration from .env like the bot, the environment winning", async () => {
    emu.setTask(TASK, ["success"]);
    writeFileSync(
      join(tmp.dir, ".env"),
      `FEISHU_APP_ID=${emu.options.appId}\nFEISHU_APP_SECRET=${emu.options.appSecret}\nFEISHU_DOMAIN=http://127.0.0.1:9\n`,
    );
    const run = await runCheck([TASK], { FEISHU_DOMAIN: emu.url }, tmp.dir);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`Task ${TASK}: success`);
  });

  it("shows Feishu's 1061003 (HTTP status, code, msg) with what it means, exit 2", async () => {
    const run = await runCheck(["123"], env, tmp.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Task 123: task_check failed");
    expect(run.stderr).toMatch(/HTTP status: 404\b/);
    expect(run.stderr).toMatch(/code: +1061003\b/);
    expect(run.stderr).toMatch(/msg: +not found\./);
    expect(run.stderr).toMatch(/Hint: .*wrong.*user access token of another app/);
    expectNoSecret(run);
  });

  it("explains a missing scope (99991672): which scope to add, and to publish a version", async () => {
    emu.inject({
      route: "task_check",
      status: 400,
      code: 99991672,
      msg: "Access denied. One of the following scopes is required: [drive:drive, drive:drive.metadata:readonly, drive:drive:readonly].",
    });
    const run = await runCheck([TASK], env, tmp.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/HTTP status: 400\b/);
    expect(run.stderr).toMatch(/code: +99991672\b/);
    expect(run.stderr).toContain("Access denied");
    expect(run.stderr).toMatch(/Hint: .*drive:drive\.metadata:readonly.*publish/);
    expectNoSecret(run);
  });

  it("names the app credentials when the secret is wrong (10014), without printing it", async () => {
    const wrong = "wrong-secret-d41d8cd98f00b204";
    const run = await runCheck([TASK], { ...env, FEISHU_APP_SECRET: wrong }, tmp.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/code: +10014\b/);
    expect(run.stderr).toMatch(/Hint: .*FEISHU_APP_ID and FEISHU_APP_SECRET/);
    expect(emu.taskCheckCount()).toBe(0);
    expectNoSecret(run, wrong);
  });

  it("points at FEISHU_DOMAIN and the network when nothing answers", async () => {
    const port = await freePort();
    const run = await runCheck([TASK], { ...env, FEISHU_DOMAIN: `http://127.0.0.1:${port}` }, tmp.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("HTTP status: none (no answer)");
    expect(run.stderr).toMatch(/Hint: .*FEISHU_DOMAIN.*network/);
  });

  it("prints the usage line and exits 64 without a task id", async () => {
    const run = await runCheck([], env, tmp.dir);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain("Usage: npm run check -- <taskId>");
    expect(emu.requests).toHaveLength(0);
  });
});
