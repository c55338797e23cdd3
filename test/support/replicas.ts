import type { DeliveryResult, Emulator, RecordedRequest } from "@taskbot/feishu-emulator";
import pg from "pg";
import { type ChildBot, spawnBot } from "./child-bot";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

/**
 * Several built bots (dist/src/main.js) on one PostgreSQL database behind one emulator: a deployment of
 * replicas. Each replica reaches the emulator through a TCP proxy of its own, so the emulator's request log
 * tells which replica made each request (its Host header names that proxy).
 */
export interface Replica {
  name: string;
  bot: ChildBot;
  /** The Host header of this replica's requests to the emulator. */
  host: string;
  alive: boolean;
}

export interface Fleet {
  replicas: Replica[];
  live(): Replica[];
  /** SIGKILL, and wait until the process is gone. */
  kill(replica: Replica): Promise<void>;
  /** The replica that made a request to the emulator. */
  replicaOf(request: RecordedRequest): Replica | undefined;
  stop(): Promise<void>;
}

export async function startFleet(
  emu: Emulator,
  databaseUrl: string,
  count: number,
  env: Record<string, string> = {},
): Promise<Fleet> {
  const emuUrl = new URL(emu.url);
  const proxies: TcpProxy[] = [];
  for (let i = 0; i < count; i++) proxies.push(await startTcpProxy(emuUrl.hostname, Number(emuUrl.port)));
  const fleet: Fleet = {
    replicas: [],
    live: () => fleet.replicas.filter((r) => r.alive),
    async kill(replica) {
      replica.alive = false;
      replica.bot.child.kill("SIGKILL");
      await replica.bot.exited;
    },
    replicaOf: (request) => fleet.replicas.find((r) => request.headers.host === r.host),
    async stop() {
      for (const r of fleet.replicas) r.bot.child.kill("SIGKILL");
      await Promise.all(fleet.replicas.map((r) => r.bot.exited));
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
  try {
    // Started together: they migrate the empty database at the same moment.
    const bots = await Promise.all(
      proxies.map((proxy) =>
        spawnBot(emu, "unused.sqlite", {
          DATABASE_URL: databaseUrl,
          FEISHU_DOMAIN: `http://127.0.0.1:${proxy.port}`,
          ...env,
        }),
      ),
    );
    fleet.replicas = bots.map((bot, i) => ({
      name: `replica-${i + 1}`,
      bot,
      host: `127.0.0.1:${proxies[i].port}`,
      alive: true,
    }));
  } catch (error) {
    await Promise.all(proxies.map((p) => p.close()));
    throw error;
  }
  return fleet;
}

export function pick<T>(items: T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}

/**
 * Feishu's side of a delivery: to one replica, and again to another one (a re-push) for as long as the
 * answer is not 200 (a dead replica refuses the connection; a replica without its database answers 503).
 */
export async function deliverUntilAccepted(
  emu: Emulator,
  fleet: Fleet,
  envelope: object,
  random: () => number,
  first = pick(fleet.replicas, random),
): Promise<{ replica: Replica; result: DeliveryResult; attempts: number }> {
  let target = first;
  for (let attempts = 1; attempts <= 20; attempts++) {
    const result = await emu.deliver(target.bot.eventUrl, envelope).catch(() => undefined);
    if (result?.status === 200) return { replica: target, result, attempts };
    target = pick(fleet.live(), random);
  }
  throw new Error("no replica accepted the event in 20 deliveries");
}

/** Runs one query on a database (a test's view of what the replicas share). */
export async function queryDatabase(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(url);
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** `work`, or a failure saying `message` once `ms` have passed. */
export async function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
