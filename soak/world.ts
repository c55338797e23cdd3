import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@taskbot/feishu-emulator";
import { freePort, MAIN } from "../test/support/child-bot";
import { startTcpProxy, type TcpProxy } from "../test/support/tcp-proxy";
import type { Journal } from "./journal";
import { chance, int, type Random } from "./random";

export const ENCRYPT_KEY = "soak-encrypt-key";
export const VERIFICATION_TOKEN = "soak-verification-token";
export const TASK_CHECK_RPS = 5;
export const POLL_INTERVAL_SECONDS = 2;
/** The clock skew between replicas the README states as safe: each replica within ±1 s of true time. */
export const CLOCK_SKEW_BOUND_MS = 1000;
const ROOT = join(__dirname, "..");

export type AppKind = "store" | "self-built";
export type Transport = "webhook" | "websocket" | "mixed";

/** One replica's place in the deployment: its port, its proxies and the processes that held it in turn. */
export interface Replica {
  name: string;
  port: number;
  /** Its way to the emulator: its requests carry this proxy's Host header; cut it to take Feishu away. */
  feishu: TcpProxy;
  /** Its way to PostgreSQL: cut it to take the database away from this replica alone. */
  db: TcpProxy;
  websocket: boolean;
  skewMs: number;
  proc?: ChildProcess;
  /** Counts starts: 1 for the first process. */
  incarnation: number;
  alive: boolean;
  frozen: boolean;
  /** The nemesis is stopping it: its exit is expected. */
  expectingExit: boolean;
  /** Output lines that say something went wrong (error level, unhandled rejections), with the incarnation. */
  trouble: { at: number; incarnation: number; line: string }[];
  /** Memory of each process, sampled. */
  rss: { at: number; incarnation: number; kb: number }[];
  startedAt: number;
}

export interface Deployment {
  app: AppKind;
  name: string;
  emu: Emulator;
  replicas: Replica[];
  tenants: string[];
  databaseUrl: string;
  apiTokens: Map<string, string>;
  start(replica: Replica): Promise<void>;
  /** Sends a signal; SIGKILL and SIGTERM wait for the exit. */
  signal(replica: Replica, signal: NodeJS.Signals): Promise<void>;
  live(): Replica[];
  /** Samples every replica's memory (VmRSS). */
  sample(): void;
  stop(): Promise<void>;
}

const TENANT_BOT = (tenant: string) => `ou_bot_${tenant.padEnd(27, "0")}`.slice(0, 35);

export interface DeploymentOptions {
  app: AppKind;
  name: string;
  replicas: number;
  transport: Transport;
  /** The database for this deployment, as a URL whose host and port the replica's proxy replaces. */
  databaseUrl: string;
  journal: Journal;
  random: Random;
  logDir: string;
}

/** An emulator (one Feishu app), N replicas of the built bot on one database, each behind its own proxies. */
export async function startDeployment(opts: DeploymentOptions): Promise<Deployment> {
  const { journal, random } = opts;
  const emu = await startEmulator({
    encryptKey: ENCRYPT_KEY,
    verificationToken: VERIFICATION_TOKEN,
    // Feishu's re-push ladder compressed as the webhook's is (soak/feishu.ts): 15 s, 5 min, 1 h, 6 h is too long.
    wsRepushDelaysMs: [500, 1000, 2000, 4000, 8000, 15_000, 30_000, 60_000],
    appType: opts.app === "store" ? "store" : "self_built",
    // A real app id's shape: "cli_" and 16 hex digits (the bot checks it for the long connection).
    appId: opts.app === "store" ? "cli_50a4000000000001" : "cli_50a4000000000002",
  });
  const tenants = opts.app === "store" ? ["t_alpha", "t_bravo", "t_charlie"] : [emu.tenants()[0].tenant_key];
  if (opts.app === "store") for (const t of tenants) emu.addTenant(t, { botOpenId: TENANT_BOT(t) });
  const apiTokens = new Map(
    tenants.map((t, i) => [t, `soak-api-token-${opts.app}-${i}-0123456789`] as [string, string]),
  );
  // SQLite: the proxy leads nowhere and is never used (one replica, no database faults).
  const dbUrl = new URL(opts.databaseUrl.startsWith("sqlite:") ? "postgres://127.0.0.1:9" : opts.databaseUrl);
  const emuUrl = new URL(emu.url);
  const replicas: Replica[] = [];
  for (let i = 0; i < opts.replicas; i++) {
    const websocket =
      opts.app === "self-built" &&
      (opts.transport === "websocket" || (opts.transport === "mixed" && i === 0));
    replicas.push({
      name: `${opts.name}-${i + 1}`,
      port: await freePort(),
      feishu: await startTcpProxy(emuUrl.hostname, Number(emuUrl.port)),
      db: await startTcpProxy(dbUrl.hostname, Number(dbUrl.port)),
      websocket,
      skewMs: 0,
      incarnation: 0,
      alive: false,
      frozen: false,
      expectingExit: false,
      trouble: [],
      rss: [],
      startedAt: 0,
    });
  }

  const envOf = (r: Replica): Record<string, string> => {
    const sqlite = opts.databaseUrl.startsWith("sqlite:");
    const db = sqlite ? undefined : new URL(opts.databaseUrl);
    if (db) {
      db.hostname = "127.0.0.1";
      db.port = String(r.db.port);
    }
    return {
      PATH: process.env.PATH ?? "",
      FEISHU_APP_ID: emu.options.appId,
      FEISHU_APP_SECRET: emu.options.appSecret,
      FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
      FEISHU_VERIFICATION_TOKEN: VERIFICATION_TOKEN,
      FEISHU_DOMAIN: `http://127.0.0.1:${r.feishu.port}`,
      FEISHU_APP_TYPE: opts.app === "store" ? "store" : "self_built",
      FEISHU_EVENT_TRANSPORT: r.websocket ? "websocket" : "webhook",
      DATABASE_URL: db ? db.toString() : opts.databaseUrl,
      PORT: String(r.port),
      HOST: "127.0.0.1",
      POLL_INTERVAL_SECONDS: String(POLL_INTERVAL_SECONDS),
      TASK_CHECK_RPS: String(TASK_CHECK_RPS),
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      BOT_LOCALE: "en_us",
      API_TOKENS: [...apiTokens]
        .map(([tenant, token]) => (opts.app === "store" ? `${tenant}:${token}` : token))
        .join(","),
      NODE_OPTIONS: `--require ${join(ROOT, "soak", "clock-skew.cjs")}`,
      SOAK_CLOCK_SKEW_MS: String(r.skewMs),
    };
  };

  const deployment: Deployment = {
    app: opts.app,
    name: opts.name,
    emu,
    replicas,
    tenants,
    databaseUrl: opts.databaseUrl,
    apiTokens,
    live: () => replicas.filter((r) => r.alive && !r.frozen),
    async start(r) {
      r.incarnation++;
      r.expectingExit = false;
      r.frozen = false;
      // A replica on another host: its clock within the stated bound of the others'.
      r.skewMs = chance(random, 0.5) ? int(random, -CLOCK_SKEW_BOUND_MS, CLOCK_SKEW_BOUND_MS) : 0;
      const incarnation = r.incarnation;
      const child = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: envOf(r),
        stdio: ["ignore", "pipe", "pipe"],
      });
      r.proc = child;
      r.alive = true;
      r.startedAt = Date.now();
      journal.note(`${r.name} started (incarnation ${incarnation}, pid ${child.pid}, skew ${r.skewMs} ms)`);
      const read = (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n")) {
          if (!line) continue;
          journal.replicaLine(opts.name, r.name, incarnation, line);
          if (/"level":"error"|nhandled|ncaught|FATAL|Error:/.test(line))
            r.trouble.push({ at: Date.now(), incarnation, line: line.slice(0, 500) });
        }
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
      child.once("exit", (code, signal) => {
        if (r.proc === child) r.alive = false;
        const expected = r.expectingExit;
        journal.exit({ at: Date.now(), replica: r.name, incarnation, code, signal, expected });
      });
      if (opts.app === "store") emu.setTicketPushUrl(`http://127.0.0.1:${r.port}/webhook/event`);
      const healthy = await waitHealthy(r, 30_000);
      if (!healthy && incarnation === 1)
        throw new Error(`${r.name} did not start: see ${opts.logDir}/replicas.log`);
    },
    async signal(r, signal) {
      const child = r.proc;
      if (!child || !r.alive) return;
      if (signal === "SIGKILL" || signal === "SIGTERM") r.expectingExit = true;
      if (signal === "SIGSTOP") r.frozen = true;
      if (signal === "SIGCONT") r.frozen = false;
      const exited =
        signal === "SIGKILL" || signal === "SIGTERM"
          ? new Promise<void>((resolve) => child.once("exit", () => resolve()))
          : Promise.resolve();
      child.kill(signal);
      if (signal === "SIGTERM") {
        // A stopping bot finishes what it holds, within its grace; then it is killed.
        const late = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(late);
      } else await exited;
    },
    sample() {
      for (const r of replicas) {
        if (!r.alive || !r.proc?.pid) continue;
        try {
          const status = readFileSync(`/proc/${r.proc.pid}/status`, "utf8");
          const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
          if (kb > 0) r.rss.push({ at: Date.now(), incarnation: r.incarnation, kb });
        } catch {
          // gone between the check and the read
        }
      }
    },
    async stop() {
      for (const r of replicas) {
        r.expectingExit = true;
        if (r.frozen) r.proc?.kill("SIGCONT");
        r.proc?.kill("SIGKILL");
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const r of replicas) {
        await r.feishu.close();
        await r.db.close();
      }
      await emu.close();
    },
  };
  for (const r of replicas) await deployment.start(r);
  return deployment;
}

/** Waits for /healthz 200; a replica that cannot be ready yet (its database is away) is left to come up. */
async function waitHealthy(r: Replica, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && r.alive) {
    const ok = await fetch(`http://127.0.0.1:${r.port}/healthz`, { signal: AbortSignal.timeout(2000) })
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

export const webhookUrl = (r: Replica, path: "event" | "card" = "event") =>
  `http://127.0.0.1:${r.port}/webhook/${path}`;
