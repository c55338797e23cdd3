import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { compiledChildren } from "./build";
import { ROOT } from "./paths";

/** Messages between a benchmark and its child processes: always `{ type, ... }`. */
export type Message = { type: string; [key: string]: unknown };

export interface Child {
  proc: ChildProcess;
  /** The last lines the child wrote (stdout and stderr), for the error message when it breaks. */
  output: string[];
  /** Resolves with the next message of that type; rejects on timeout or when the child exits first. */
  next<T extends Message>(type: string, timeoutMs: number): Promise<T>;
  send(message: Message): void;
  /** Sends `message` and waits for the answer of type `reply`. */
  ask<T extends Message>(message: Message, reply: string, timeoutMs: number): Promise<T>;
  /** Asks the child to stop ({type:"stop"}), then kills it if it has not exited within timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | string>;
}

export function childNodeArgs(): string[] {
  return (process.env.BENCH_CHILD_NODE_ARGS ?? "").split(" ").filter(Boolean);
}

/**
 * Runs one of the benchmark children (bench/lib/<name>.ts, compiled by compiledChildren()) with an IPC
 * channel. Its packages come from the project's node_modules through NODE_PATH.
 */
export function forkChild(name: string, args: string[] = [], env: Record<string, string> = {}): Child {
  return forkScript(join(compiledChildren(), "bench", "lib", `${name}.js`), args, env);
}

/** Like forkChild, for a compiled script given by its path (e.g. one built against another commit's code). */
export function forkScript(script: string, args: string[] = [], env: Record<string, string> = {}): Child {
  const proc = fork(script, args, {
    cwd: ROOT,
    // BENCH_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the children only.
    execArgv: childNodeArgs(),
    env: { ...process.env, NODE_PATH: join(ROOT, "node_modules"), ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const exited = new Promise<number | string>((resolve) =>
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const next = <T extends Message>(type: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Message) => {
        if (m?.type === "error") return finish(new Error(`child ${script}: ${String(m.error)}`));
        if (m?.type === type) finish(undefined, m as T);
      };
      const onExit = () => finish(new Error(`child ${script} exited while waiting for "${type}"`));
      const timer = setTimeout(
        () => finish(new Error(`child ${script}: no "${type}" within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (error?: Error, value?: T) => {
        clearTimeout(timer);
        proc.off("message", onMessage);
        proc.off("exit", onExit);
        if (error)
          reject(new Error(`${error.message}\n--- child output ---\n${output.slice(-30).join("\n")}`));
        else resolve(value as T);
      };
      if (gone) return finish(new Error(`child ${script} has already exited`));
      proc.on("message", onMessage);
      proc.once("exit", onExit);
    });

  const send = (message: Message) => {
    if (!gone && proc.connected) proc.send(message);
  };

  return {
    proc,
    output,
    next,
    send,
    ask: <T extends Message>(message: Message, reply: string, timeoutMs: number) => {
      const answer = next<T>(reply, timeoutMs);
      send(message);
      return answer;
    },
    async stop(timeoutMs = 10_000) {
      if (gone) return;
      send({ type: "stop" });
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    exited,
  };
}

/** In a child: the IPC side. Sends a message to the parent. */
export function tell(message: Message): void {
  process.send?.(message);
}

/**
 * In a child: answers the parent's messages with `handlers[type]`; `stop` runs `onStop` then exits.
 * An error in a handler is reported to the parent as {type:"error"} and ends the child with code 1.
 */
export function serve(
  handlers: Record<string, (m: Message) => Promise<void> | void>,
  onStop: () => Promise<void>,
) {
  const fail = (error: unknown) => {
    tell({ type: "error", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    setTimeout(() => process.exit(1), 100);
  };
  process.on("message", (m: Message) => {
    if (m.type === "stop") {
      onStop().then(
        () => process.exit(0),
        (error) => fail(error),
      );
      return;
    }
    const handler = handlers[m.type];
    if (!handler) return fail(new Error(`unknown message ${m.type}`));
    Promise.resolve()
      .then(() => handler(m))
      .catch(fail);
  });
  // The parent went away: do not linger.
  process.on("disconnect", () => process.exit(0));
  return fail;
}
