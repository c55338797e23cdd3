/**
 * The chaos soak: replicas of the built bot on one PostgreSQL database, the Feishu emulator as every app's
 * Feishu, a workload and a nemesis drawn from one seed, then a quiet period and the checker (docs/soak.md).
 *
 *   npm run soak -- --minutes 2 --replicas 3 --seed 42 [--transport webhook|websocket|mixed]
 *                   [--store postgres|sqlite] [--app both|store|self-built] [--only KIND] [--rate 1.5]
 *
 * Defaults: 2 minutes, 3 replicas per app on PostgreSQL, mixed transports, both apps (a store app with three
 * tenants, a self-built app), a random seed (printed first). PostgreSQL: SOAK_DATABASE_URL or
 * TEST_DATABASE_URL when set (a server the soak cannot restart: a "restart" terminates every connection);
 * otherwise a throwaway server of its own, which it really restarts. Exit code 0: no violation; 1: violations
 * (each printed with the seed and the journal around it); 2: the soak could not run.
 */
import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ensureDist } from "../bench/lib/build";
import { freePort } from "../test/support/child-bot";
import { createThrowawayPostgres, type ThrowawayServer } from "../test/support/throwaway-postgres";
import { check, type Evidence, type Report } from "./checker";
import { Journal } from "./journal";
import { type Database, FAULT_KINDS, type FaultKind, Nemesis } from "./nemesis";
import { stream } from "./random";
import { Workload } from "./workload";
import { type AppKind, type Deployment, startDeployment, TASK_CHECK_RPS, type Transport } from "./world";

interface Options {
  minutes: number;
  replicas: number;
  seed: number;
  transport: Transport;
  store: "postgres" | "sqlite";
  apps: AppKind[];
  only?: FaultKind;
  rate: number;
}

export function parseArgs(argv: string[]): Options {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const [name, inline] = a.slice(2).split("=", 2);
    args.set(name, inline ?? argv[++i] ?? "");
  }
  const known = ["minutes", "replicas", "seed", "transport", "store", "app", "only", "rate"];
  for (const name of args.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}`);
  const num = (name: string, fallback: number, min: number) => {
    const raw = args.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}`);
    return n;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = args.get(name) ?? fallback;
    if (!values.includes(raw as T)) throw new Error(`--${name} must be one of ${values.join(", ")}`);
    return raw as T;
  };
  const app = oneOf("app", ["both", "store", "self-built"] as const, "both");
  const only = args.has("only") ? oneOf("only", FAULT_KINDS, "kill") : undefined;
  const store = oneOf("store", ["postgres", "sqlite"] as const, "postgres");
  return {
    minutes: num("minutes", 2, 0.1),
    replicas: store === "sqlite" ? 1 : Math.floor(num("replicas", 3, 1)),
    seed: Math.floor(num("seed", randomInt(1, 2 ** 31), 0)),
    transport: oneOf("transport", ["webhook", "websocket", "mixed"] as const, "mixed"),
    store,
    apps: app === "both" ? ["store", "self-built"] : [app],
    only,
    rate: num("rate", 1.5, 0.1),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function database(journal: Journal): Promise<{ url: string; db: Database; stop(): Promise<void> }> {
  const given = process.env.SOAK_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (given) {
    const terminate = async () => {
      const client = new pg.Client(given);
      client.on("error", () => undefined);
      await client.connect();
      await client.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE 'soak_%' AND pid <> pg_backend_pid()",
      );
      await client.end();
    };
    return {
      url: given,
      db: { kind: "external", restart: async () => terminate() },
      stop: async () => undefined,
    };
  }
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const server: ThrowawayServer = await createThrowawayPostgres({ port, password });
  await server.start();
  journal.note(`throwaway PostgreSQL on port ${port}`);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    db: {
      kind: "embedded",
      async restart(downMs) {
        await server.crash();
        await sleep(downMs);
        await server.start();
      },
    },
    stop: () => server.stop(),
  };
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client(adminUrl);
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name}`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client(adminUrl);
  client.on("error", () => undefined);
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
}

function evidence(d: Deployment, journal: Journal, workload: Workload, endBoundMs: number): Evidence {
  const of = <T extends { deployment: string }>(xs: Iterable<T>) =>
    [...xs].filter((x) => x.deployment === d.name);
  const names = new Set(d.replicas.map((r) => r.name));
  return {
    deployment: d.name,
    requests: d.emu.requests,
    messages: d.emu.messages,
    violations: d.emu.violations(),
    commands: of(journal.commands),
    tasks: of(journal.tasks.values()),
    clicks: of(journal.clicks),
    api: of(journal.api),
    faults: journal.faults,
    exits: journal.exits.filter((x) => names.has(x.replica)),
    uninstalled: journal.uninstalled,
    chatTenant: new Map(workload.chats.map((c) => [c.id, c.tenant])),
    replicas: d.replicas,
    taskCheckRps: TASK_CHECK_RPS,
    endBoundMs,
  };
}

/** From a task's end to its card: a poll round, a lease (20 s) lost to a frozen replica, outages and queues. */
const END_BOUND_MS = 120_000;
/** The quiet period: the nemesis has stopped and every task has ended; at most this long for the checker. */
const QUIET_MAX_MS = 240_000;

function printReport(name: string, report: Report): void {
  console.log(`\n--- ${name} ---`);
  for (const [k, v] of Object.entries(report.figures)) console.log(`  ${k.padEnd(28)} ${v}`);
  const l = [...report.endLatencies].sort((a, b) => a - b);
  const q = (p: number) =>
    l.length ? `${(l[Math.min(l.length - 1, Math.floor(p * l.length))] / 1000).toFixed(1)} s` : "-";
  console.log(
    `  task end -> final card        n=${l.length} p50 ${q(0.5)}  p95 ${q(0.95)}  p99 ${q(0.99)}  max ${q(1)}`,
  );
  console.log(`\n  | invariant | checked | violations |\n  | --- | --- | --- |`);
  for (const r of report.rows) console.log(`  | ${r.invariant} | ${r.checked} | ${r.violations} |`);
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `soak seed ${opts.seed}  (replay: npm run soak -- --seed ${opts.seed} --minutes ${opts.minutes}${opts.only ? ` --only ${opts.only}` : ""})`,
  );
  ensureDist();
  const dir = mkdtempSync(join(tmpdir(), `taskbot-soak-${opts.seed}-`));
  console.log(`journal and replica logs: ${dir}`);
  const journal = new Journal(dir);
  const db = opts.store === "postgres" ? await database(journal) : undefined;
  const deployments: Deployment[] = [];
  const workloads: Workload[] = [];
  const dbNames: string[] = [];
  try {
    for (const app of opts.apps) {
      const name = app === "store" ? "store" : "selfbuilt";
      let url: string;
      if (db) {
        const dbName = `soak_${name}_${opts.seed}`;
        dbNames.push(dbName);
        url = await createDatabase(db.url, dbName);
      } else url = `sqlite:${join(dir, `${name}.sqlite`)}`;
      const d = await startDeployment({
        app,
        name,
        replicas: opts.replicas,
        transport: opts.transport,
        databaseUrl: url,
        journal,
        random: stream(opts.seed, `${name}/replicas`),
        logDir: dir,
      });
      deployments.push(d);
      workloads.push(
        new Workload(d, journal, stream(opts.seed, `${name}/workload`), stream(opts.seed, `${name}/feishu`)),
      );
      // Feishu's hourly app_ticket push (the store app's tokens need it).
      if (app === "store")
        await d.emu
          .pushAppTicket(`http://127.0.0.1:${d.replicas[0].port}/webhook/event`)
          .catch(() => undefined);
    }
    console.log(
      `${deployments
        .map(
          (d) =>
            `${d.name}: ${d.replicas.length} replica(s)${
              d.replicas.some((r) => r.websocket)
                ? " (long connection on " +
                  d.replicas
                    .filter((r) => r.websocket)
                    .map((r) => r.name)
                    .join(", ") +
                  ")"
                : ""
            }`,
        )
        .join("; ")}; store ${opts.store}${db ? ` (${db.db.kind})` : ""}; ${opts.minutes} min\n`,
    );
    const nemesis = new Nemesis(deployments, db?.db, journal, stream(opts.seed, "nemesis"), opts.only);
    const start = Date.now();
    const end = start + opts.minutes * 60_000;
    const sampler = setInterval(() => {
      for (const d of deployments) d.sample();
    }, 15_000);
    let nextStrike = start + 10_000;
    const tick = 1000 / opts.rate;
    let lastReport = start;
    while (Date.now() < end) {
      const progress = (Date.now() - start) / (end - start);
      for (const w of workloads) w.step(progress);
      if (Date.now() >= nextStrike) {
        nemesis.strike();
        nextStrike = Date.now() + nemesis.nextDelayMs();
      }
      if (Date.now() - lastReport > 60_000) {
        lastReport = Date.now();
        console.log(
          `  ${Math.round((Date.now() - start) / 1000)} s: ${journal.commands.length} commands, ${journal.faults.length} faults`,
        );
      }
      await sleep(tick);
    }
    console.log("\nworkload and nemesis stop; every task ends; the quiet period begins");
    await nemesis.settle();
    for (const d of deployments) for (const r of d.replicas) if (!r.alive) await d.start(r);
    for (const w of workloads) w.endAll();
    await Promise.all(workloads.map((w) => w.settle()));
    const quietStart = Date.now();
    let reports: Report[] = [];
    while (true) {
      await sleep(5000);
      reports = deployments.map((d, i) => check(evidence(d, journal, workloads[i], END_BOUND_MS)));
      const open = reports.reduce((n, r) => n + r.findings.length, 0);
      if ((open === 0 && Date.now() - quietStart > 20_000) || Date.now() - quietStart > QUIET_MAX_MS) break;
    }
    clearInterval(sampler);
    // Feishu's side, kept for a look afterwards: every request (route, message or task, answer, fault).
    for (const d of deployments)
      writeFileSync(
        join(dir, `${d.name}-requests.ndjson`),
        d.emu.requests
          .map((r) =>
            JSON.stringify({
              at: r.at,
              route: r.route,
              path: r.path,
              task: r.query.task_id,
              tenant: r.tenantKey,
              host: r.headers.host,
              status: r.status,
              code: (r.response as { code?: number } | undefined)?.code,
              data:
                r.route === "task_check" ? (r.response as { data?: unknown } | undefined)?.data : undefined,
              fault: r.fault,
              uuid: (r.body as { uuid?: string } | undefined)?.uuid,
              template: /"template":"(\w+)"/.exec(JSON.stringify(r.body ?? ""))?.[1],
            }),
          )
          .join("\n"),
      );
    console.log(`quiet period: ${Math.round((Date.now() - quietStart) / 1000)} s`);

    // The table.
    console.log(`\n=== soak seed ${opts.seed}: ${opts.minutes} min, ${opts.replicas} replica(s) per app ===`);
    const byKind = new Map<string, number>();
    for (const f of journal.faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
    console.log("\n  | fault | injected |\n  | --- | --- |");
    for (const k of FAULT_KINDS) console.log(`  | ${k} | ${byKind.get(k) ?? 0} |`);
    for (const [k, v] of journal.counts) console.log(`  | ${k} | ${v} |`);
    const kills = journal.exits.filter((x) => x.signal === "SIGKILL" && x.expected).length;
    console.log(
      `  replica processes killed (SIGKILL): ${kills}; database restarts: ${byKind.get("db-restart") ?? 0}`,
    );
    for (const [i, d] of deployments.entries()) printReport(d.name, reports[i]);
    const findings = reports.flatMap((r) => r.findings);
    if (!findings.length) {
      console.log(`\nPASS: 0 violations (seed ${opts.seed})`);
      return 0;
    }
    console.log(`\nFAIL: ${findings.length} violation(s), seed ${opts.seed}`);
    const lines = readFileSync(join(dir, "journal.ndjson"), "utf8").split("\n").filter(Boolean);
    const shown = new Map<string, number>();
    for (const f of findings) {
      const n = shown.get(f.invariant) ?? 0;
      shown.set(f.invariant, n + 1);
      const before = journal.faults.filter((x) => x.at <= f.at).pop();
      const context = before
        ? ` [${((f.at - before.at) / 1000).toFixed(1)} s after ${before.kind} ${before.target}]`
        : "";
      if (n < 3) console.log(`  ${f.invariant}: ${f.detail}${context}`);
    }
    const first = findings.reduce((a, b) => (b.at < a.at ? b : a));
    console.log(
      `\nthe first (${first.invariant}), journal from ${new Date(first.at - 5000).toISOString()} to ${new Date(first.at + 5000).toISOString()}:`,
    );
    // The shortest window that explains it: what names the finding's ids, and every fault and exit.
    const ids = new Set(first.detail.match(/om_\w+|\d{19}/g) ?? []);
    for (const line of lines) {
      const at = Number(/"at":(\d+)/.exec(line)?.[1] ?? 0);
      if (at < first.at - 5000 || at > first.at + 5000) continue;
      if (/"fault"|"exit"/.test(line) || [...ids].some((id) => line.includes(id)))
        console.log(`    ${line.slice(0, 400)}`);
    }
    return 1;
  } finally {
    for (const d of deployments) await d.stop().catch(() => undefined);
    if (db) {
      for (const name of dbNames) await dropDatabase(db.url, name).catch(() => undefined);
      await db.stop().catch(() => undefined);
    }
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`soak could not run: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
