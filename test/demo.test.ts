import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { displayWidth, renderCard, renderText, richTextToPlain } from "@taskbot/feishu-emulator";
import { afterEach, describe, expect, it } from "vitest";
import { buildCard, listCard } from "../cards";
import type { CardView } from "../cards/types";
import { freePort } from "./support/child-bot";

const ROOT = join(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const TASK = "7360595374803812356";
const ALICE = "ou_a11ce00000000000000000000000001";
const NAMES = { [ALICE]: "Alice" };
const START = Date.UTC(2026, 10, 29, 2, 42, 0);

const two = (n: number) => String(n).padStart(2, "0");
const hhmm = (ms: number) => `${two(new Date(ms).getHours())}:${two(new Date(ms).getMinutes())}`;
/** A Feishu tag left in the rendered text (`<at`, `</text_tag>`, `<local_datetime` ...). */
const RAW_TAG = /<\/?[a-z_]+[\s>=/]/i;

function view(overrides: Partial<CardView>): CardView {
  return { taskId: TASK, state: "running", startedAt: START, requesterOpenId: ALICE, ...overrides };
}

describe("render: cards as text boxes", () => {
  it("draws a running card: title, state tag, readable markdown, both buttons", () => {
    const card = buildCard(
      view({ lastCheckAt: START + 180_000, actions: true, watchId: "7", pollIntervalSeconds: 5 }),
      START + 180_000,
    );
    const lines = renderCard(card, { names: NAMES });
    const text = lines.join("\n");
    expect(lines[0]).toMatch(/^┌─+┐$/);
    expect(lines.at(-1)).toMatch(/^└─+┘$/);
    expect(lines[1]).toContain(`Drive task ${TASK}`);
    expect(lines[1]).toMatch(/\[Running\] │$/);
    expect(text).toContain("Still running");
    expect(text).toContain(`Task ID: ${TASK}`);
    expect(text).toContain(`Last check: `);
    expect(text).toContain(hhmm(START + 180_000));
    expect(text).toContain("Checked every 5 s");
    expect(text).not.toContain("Elapsed");
    expect(text).toContain("[ Refresh now ] [ Stop watching ]");
    expect(text).not.toMatch(RAW_TAG);
    expect(text).not.toMatch(/\*\*|`|&#\d+;/);
    for (const line of lines) expect(displayWidth(line)).toBe(60);
  });

  it("draws a final card: its state, finish time and no buttons", () => {
    const finishedAt = START + 12 * 60_000;
    const card = buildCard(
      view({ state: "success", lastCheckAt: finishedAt, finishedAt, actions: true }),
      finishedAt + 5_000,
    );
    const text = renderCard(card, { names: NAMES }).join("\n");
    expect(text).toContain(`Drive task ${TASK}`);
    expect(text).toContain("[Success]");
    expect(text).toContain("Finished successfully");
    expect(text).toContain(`Finished: `);
    expect(text).toContain(hhmm(finishedAt));
    expect(text).toContain("Elapsed: 12 min");
    expect(text).not.toContain("Refresh now");
    expect(text).not.toMatch(RAW_TAG);
  });

  it("shows who stopped a watch and the /list card by name", () => {
    const stopped = renderCard(buildCard(view({ state: "stopped", stoppedBy: ALICE }), START), {
      names: NAMES,
    });
    expect(stopped.join("\n")).toContain("@Alice stopped watching this task.");
    const list = renderCard(
      listCard([{ taskId: TASK, state: "running", requesterOpenId: ALICE, startedAt: START }], START),
      {
        names: NAMES,
      },
    ).join("\n");
    expect(list).toMatch(new RegExp(`• ${TASK} \\[Running\\] · @Alice · watching for`));
    expect(list).toContain("< 1 min"); // &#60; decoded
    expect(list).not.toMatch(RAW_TAG);
  });

  it("decodes entities and turns Feishu's tags into words", () => {
    const names = { ou_1: "Alice", ou_2: "Bob", ou_3: "Carol" };
    const md =
      "**Bold** `code` &#60;taskId&#62; &#38;&#35; &amp; <text_tag color='red'>Failed</text_tag> " +
      "<at id=ou_1></at> <person id='ou_2'></person> <at user_id=\"ou_3\"></at> <at id=all></at> " +
      `<local_datetime millisecond='${START}' format_type='time'></local_datetime>`;
    expect(richTextToPlain(md, names)).toBe(
      `Bold code <taskId> &# & [Failed] @Alice @Bob @Carol @all ${hhmm(START)}`,
    );
    expect(richTextToPlain("- one\n- two")).toBe("• one\n• two");
    expect(renderText('<at user_id="ou_1"></at> Task 1 finished: failed', names)).toBe(
      "@Alice Task 1 finished: failed",
    );
  });

  it("uses the en_us text, colours the header only when asked, and keeps wide characters aligned", () => {
    const card = buildCard(view({ state: "fail", finishedAt: START }), START);
    const plain = renderCard(card).join("\n");
    expect(plain).toContain("Finished with an error");
    expect(plain).not.toContain("\x1b[");
    const zh = renderCard(card, { locale: "zh_cn" });
    expect(zh.join("\n")).toContain("❌");
    for (const line of zh) expect(displayWidth(line)).toBe(60);
    const colored = renderCard(card, { color: true });
    expect(colored[1]).toContain("\x1b[1;31m"); // red template
    expect(colored.slice(3).join("\n")).not.toContain("\x1b[");
  });
});

/** Everything a child process prints (stdout and stderr), and its exit. */
function collect(child: ChildProcess): { output: () => string; exited: Promise<number | string> } {
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return { output: () => output, exited };
}

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }
  child = undefined;
});

describe("npm run demo", () => {
  it.each([[[] as string[]], [["--transport", "websocket", "--html"]]])(
    "plays the whole conversation offline and exits 0 (%j)",
    async (args) => {
      // --html: the page goes to a temporary file, read back below.
      const page = join(mkdtempSync(join(tmpdir(), "taskbot-demo-")), "demo.html");
      const argv = args.includes("--html") ? [...args, page] : args;
      child = spawn(TSX, [join(ROOT, "test", "demo", "main.ts"), ...argv], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const run = collect(child);
      const code = await run.exited;
      const out = run.output();
      expect(code, out).toBe(0);
      for (const id of ["7360595374803812356", "7360595374803812001", "7360595374803812999"]) {
        expect(out).toContain(id);
      }
      expect(out).toContain("finished: success");
      expect(out).toContain("finished: failed");
      // User authorization: the unknown task's card asks Alice; Bob's own task comes alive once he authorizes.
      expect(out).toContain("Needs authorization");
      expect(out).toContain("Checked with @Bob's authorization");
      expect(out).toContain("You can close this window");
      expect(out).toContain("┌");
      expect(out).toContain("Refreshed");
      expect(out).toContain(args.length ? "long connection" : "encrypted and signed");
      expect(out).toMatch(/\+\d\d\.\ds {2}Alice \(DM\) › \/status 7360595374803812356/);
      expect(out).toContain("deploy script ⇢ POST /api/v1/watches");
      expect(out).toMatch(/⇠ 201 \{"watch_id":"\d+","state":"running"\}/);
      expect(out).toContain("nightly archive of /Reports");
      expect(out).toMatch(/⇠ 200 \{"watch_id":"\d+","state":"success"\}/);
      expect(out).not.toContain("\x1b[");
      if (args.includes("--html")) {
        expect(out).toContain(`The conversation as a page: ${page}`);
        const html = readFileSync(page, "utf8");
        expect(html).toContain('<div class="fc-header fc-header-green"');
        expect(html).toContain('<div class="fc-header fc-header-red"');
        expect(html).toContain("Drive task 7360595374803812356");
        expect(html).toContain("Refreshed: Running");
        expect(html).toContain("<h2>1. Alice asks in a direct message</h2>");
        expect(html).not.toContain("<script");
      }
    },
    60_000,
  );
});

describe("npm run emulator", () => {
  it("listens on EMULATOR_PORT, answers unknown routes with 404 JSON, and quits on end of input", async () => {
    // Port 0: the CLI takes a free port and says which (a port picked here could be taken meanwhile). The command
    // itself, as a person types it (it runs the emulator package's own start script).
    child = spawn("npm", ["run", "--silent", "emulator"], {
      cwd: ROOT,
      detached: true, // its own process group: afterEach kills npm and what it started

      env: { ...process.env, EMULATOR_PORT: "0", BOT_URL: `http://127.0.0.1:${await freePort()}/x` },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const run = collect(child);
    const deadline = Date.now() + 20_000;
    let port = "";
    for (;;) {
      port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.output())?.[1] ?? "";
      // The start-up block may arrive in several chunks: wait for the end of its command line too.
      if (port && run.output().includes(" npm start")) break;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no "listening" line:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(Number(port)).toBeGreaterThan(0);
    expect(run.output()).toContain(`FEISHU_DOMAIN=http://127.0.0.1:${port}`);
    expect(run.output()).toContain("FEISHU_ENCRYPT_KEY=emulator-encrypt-key");
    // The console comes with it, on a port of its own.
    const consoleUrl =
      /Feishu console \(chat with the bot in a browser\): (http:\/\/127\.0\.0\.1:\d+\/)/.exec(
        run.output(),
      )?.[1];
    expect(consoleUrl).toBeDefined();
    const page = await fetch(consoleUrl ?? "");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Feishu console");

    const res = await fetch(`http://127.0.0.1:${port}/no/such/route`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ code: 404, msg: "404 page not found" });

    // A typed line goes to the bot; with no bot there, the CLI says so.
    child.stdin?.write("/status 7360595374803812356\n");
    const said = Date.now() + 10_000;
    while (!run.output().includes("could not reach the bot") && Date.now() < said) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(run.output()).toContain("could not reach the bot");

    child.stdin?.end(); // Ctrl-D
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("emulator closed");
  }, 60_000);
});
