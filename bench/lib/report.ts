import { cpus, totalmem } from "node:os";

/** Aligned plain-text table; the first row is the header. */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join(
    "\n",
  );
}

export interface Verdict {
  /** What is measured, e.g. "p99 answer latency, 16 connections". */
  name: string;
  target: string;
  measured: string;
  /** undefined: a figure reported for context, with no target of its own. */
  ok?: boolean;
  /** By how much the target is missed, when it is. */
  gap?: string;
}

/** Prints the verdict table: "met", or "MISSED" with the gap. */
export function printVerdicts(title: string, verdicts: Verdict[]): void {
  const verdict = (v: Verdict) => (v.ok === undefined ? "info" : v.ok ? "met" : `MISSED (${v.gap ?? "?"})`);
  const rows = verdicts.map((v) => [v.name, v.target, v.measured, verdict(v)]);
  console.log(`\n${title}\n${table([["target", "goal", "measured", "verdict"], ...rows])}`);
}

export function heading(text: string): void {
  console.log(`\n=== ${text} ===`);
  console.log(`machine: ${machine()}`);
}

/** One line describing where the figures come from. */
export function machine(): string {
  const model = cpus()[0]?.model?.trim() || "unknown CPU";
  const gb = (totalmem() / 2 ** 30).toFixed(0);
  return `${model}, ${cpus().length} cores, ${gb} GB RAM, node ${process.version}, ${process.platform}`;
}

/** Runs a benchmark's main: exit 0 when it completed (targets missed or not), 1 when it broke. */
export function runMain(main: () => Promise<void>): void {
  const started = Date.now();
  main().then(
    () => {
      console.log(`\n(done in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`\nBENCHMARK FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      process.exit(1);
    },
  );
}
