import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: children run from it so `--import tsx` and relative paths resolve. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every child runs TypeScript through tsx and may call `global.gc()` (the memory scenario needs it). */
const NODE_ARGS = ["--import", "tsx", "--expose-gc"];

export interface ChildOptions {
  /** Pin the child (and every thread it starts) to this CPU with taskset. */
  cpu?: number | undefined;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

interface Envelope {
  id?: number;
  type: string;
  data?: unknown;
  error?: string;
}

/** A bench child over IPC: `request` for long-lived servers, `result` for one-shot measurements. */
export class Child {
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  readonly #exited: Promise<number | null>;
  #nextId = 1;
  #result: Promise<unknown>;
  #stderr = "";

  constructor(script: string, args: readonly string[], options: ChildOptions = {}) {
    const nodeArgv = [
      ...NODE_ARGS,
      ...(options.nodeArgs ?? []),
      fileURLToPath(new URL(script, `file://${ROOT}/`)),
      ...args,
    ];
    const [command, argv] =
      options.cpu === undefined
        ? [process.execPath, nodeArgv]
        : ["taskset", ["-c", String(options.cpu), process.execPath, ...nodeArgv]];
    this.#process = spawn(command, argv, {
      cwd: ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      serialization: "advanced",
    });
    this.#process.stderr?.setEncoding("utf8");
    this.#process.stderr?.on("data", (chunk: string) => {
      // Kept for the error message; a child that prints warnings must not be silent either.
      this.#stderr = (this.#stderr + chunk).slice(-4000);
      process.stderr.write(chunk);
    });
    let settleResult: { resolve: (data: unknown) => void; reject: (error: Error) => void } | undefined;
    this.#result = new Promise((resolve, reject) => {
      settleResult = { resolve, reject };
    });
    this.#result.catch(() => {});
    this.#process.on("message", (message: Envelope) => {
      if (message.type === "result") {
        settleResult?.resolve(message.data);
        return;
      }
      if (message.type === "failed" && message.id === undefined) {
        settleResult?.reject(new Error(message.error));
        return;
      }
      const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (waiter === undefined || message.id === undefined) return;
      this.#pending.delete(message.id);
      if (message.type === "failed") waiter.reject(new Error(message.error));
      else waiter.resolve(message.data);
    });
    this.#exited = new Promise((resolve) => {
      this.#process.on("exit", (code) => {
        const error = new Error(
          `${script} ${args.join(" ")} exited with ${code} before answering\n${this.#stderr}`,
        );
        settleResult?.reject(error);
        for (const waiter of this.#pending.values()) waiter.reject(error);
        this.#pending.clear();
        resolve(code);
      });
    });
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Sends `{ type, data }` and resolves with the child's answer to it. */
  request<T>(type: string, data?: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (data: unknown) => void, reject });
      this.#process.send({ id, type, data } satisfies Envelope);
    });
  }

  /** The one result a measuring child sends before it exits. */
  result<T>(): Promise<T> {
    return this.#result as Promise<T>;
  }

  /** Asks the child to exit (so `--cpu-prof` can write its profile) and waits for it. */
  async stop(): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    this.#process.send({ type: "exit" } satisfies Envelope);
    const timer = setTimeout(() => this.#process.kill("SIGKILL"), 5000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** Runs a measuring child to completion and returns what it reported. */
export async function runChild<T>(
  script: string,
  args: readonly string[],
  options?: ChildOptions,
): Promise<T> {
  const child = new Child(script, args, options);
  try {
    return await child.result<T>();
  } finally {
    await child.stop();
  }
}
