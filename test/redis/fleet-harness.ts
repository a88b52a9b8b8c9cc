import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type {
  BurstResult,
  FetchMode,
  LoadStats,
  WorkerCommand,
  WorkerInit,
  WorkerStats,
} from "./fleet-protocol.js";

const WORKER = fileURLToPath(new URL("./fleet-worker.ts", import.meta.url));
const REPLY_TIMEOUT_MS = 15_000;

interface WorkerEvent {
  event: string;
  worker?: string;
  key?: string;
}

/** The parent's handle on one forked fleet process. */
export class FleetWorker {
  readonly id: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #listeners = new Set<(event: WorkerEvent) => void>();
  #next = 0;

  private constructor(id: string, child: ChildProcess) {
    this.id = id;
    this.#child = child;
    child.on(
      "message",
      (message: { id?: number; result?: unknown; error?: string } & Partial<WorkerEvent>) => {
        if (message.id !== undefined) {
          const waiting = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          if (message.error !== undefined) waiting?.reject(new Error(`worker ${id}: ${message.error}`));
          else waiting?.resolve(message.result);
        } else if (message.event !== undefined) {
          for (const listener of [...this.#listeners]) listener(message as WorkerEvent);
        }
      },
    );
    child.once("exit", () => {
      for (const waiting of this.#pending.values()) waiting.reject(new Error(`worker ${id} exited`));
      this.#pending.clear();
    });
  }

  static async spawn(init: WorkerInit): Promise<FleetWorker> {
    const child = fork(WORKER, [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const worker = new FleetWorker(init.id, child);
    await worker.next((event) => event.event === "spawned");
    await worker.request({ cmd: "init", init });
    return worker;
  }

  /** Resolves with the next event that matches. */
  next(match: (event: WorkerEvent) => boolean): Promise<WorkerEvent> {
    return new Promise((resolve) => {
      const listener = (event: WorkerEvent) => {
        if (!match(event)) return;
        this.#listeners.delete(listener);
        resolve(event);
      };
      this.#listeners.add(listener);
    });
  }

  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  request<T = unknown>(command: WorkerCommand, timeoutMs = REPLY_TIMEOUT_MS): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`worker ${this.id}: no answer to ${command.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      // A worker that died: the send fails (and the request with it), it does not throw.
      this.#child.send({ id, command }, (error) => {
        if (error === null) return;
        this.#pending.get(id)?.reject(new Error(`worker ${this.id}: ${error.message}`));
        this.#pending.delete(id);
      });
    });
  }

  burst(key: string, n: number, engine?: string) {
    return this.request<BurstResult[]>({ cmd: "burst", key, n, ...(engine ? { engine } : {}) });
  }

  get(key: string, engine?: string) {
    return this.request<{ value: unknown; state: string; ageMs: number }>({
      cmd: "get",
      key,
      ...(engine ? { engine } : {}),
    });
  }

  invalidate(key: string) {
    return this.request<{ startedAt: number; resolvedAt: number }>({ cmd: "invalidate", key });
  }

  invalidateTag(tag: string, mode: "soft" | "hard", engine?: string) {
    return this.request({ cmd: "invalidate-tag", tag, mode, ...(engine ? { engine } : {}) });
  }

  mode(key: string, mode: FetchMode) {
    return this.request({ cmd: "mode", key, mode });
  }

  release(key: string) {
    return this.request({ cmd: "release", key });
  }

  advance(ms: number) {
    return this.request({ cmd: "advance", ms });
  }

  stats() {
    return this.request<WorkerStats>({ cmd: "stats" });
  }

  /** Starts a load; resolves with its figures once `stopLoad` is called. */
  load(keys: string[], lanes: number, hangMs: number, engine?: string) {
    return this.request<LoadStats>(
      { cmd: "load", keys, lanes, hangMs, ...(engine ? { engine } : {}) },
      120_000,
    );
  }

  /** From now on, an answer for `key` below `version` counts as an old value. Resolves the worker's clock. */
  expect(key: string, version: number) {
    return this.request<number>({ cmd: "expect", key, version });
  }

  stopLoad() {
    return this.request({ cmd: "stop-load" });
  }

  /** SIGKILL: the process dies mid-whatever, as a crashed pod would. */
  kill(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.kill("SIGKILL");
    return exited;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    await this.request({ cmd: "close" }, 5_000).catch(() => this.#child.kill("SIGKILL"));
    await exited;
  }
}

/** Fetches counted by every worker for `key`, summed. */
export async function fleetFetches(workers: FleetWorker[], key: string): Promise<number> {
  const stats = await Promise.all(workers.map((worker) => worker.stats()));
  return stats.reduce((sum, { fetches }) => sum + (fetches[key] ?? 0), 0);
}

/** Spawns `n` workers in parallel, named w1..wn. */
export function spawnFleet(n: number, init: Omit<WorkerInit, "id">, first = 1): Promise<FleetWorker[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => FleetWorker.spawn({ ...init, id: `w${first + i}` })),
  );
}
