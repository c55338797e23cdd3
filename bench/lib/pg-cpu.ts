import { readFileSync } from "node:fs";
import type pg from "pg";

/**
 * CPU time (ms) used so far by each PostgreSQL backend of the probe's database whose connection carries
 * `applicationName` (the bot's pool: one backend per pooled connection), by pid: the database's side of the
 * work, which the bot's process.cpuUsage() does not see (the server's background processes, such as the WAL
 * writer, are not counted). Reads /proc/<pid>/schedstat (nanoseconds), so the server must run on this
 * machine; an empty map when it does not (or is not Linux).
 */
export async function backendCpu(
  probe: pg.Client,
  applicationName = "feishu-task-bot",
): Promise<Map<number, number>> {
  const { rows } = await probe.query(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
    [applicationName],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows as Array<{ pid: number }>) {
    try {
      cpu.set(pid, Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6);
    } catch {
      // not on this machine, or gone meanwhile
    }
  }
  return cpu;
}

/** CPU used between two backendCpu() readings (a backend that appeared meanwhile counts from zero). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
