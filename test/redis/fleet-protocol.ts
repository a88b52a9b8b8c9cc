import type { IsrOptions } from "../../src/index.js";
import type { RedisStoreOptions } from "../../src/stores/redis.js";

/** What a fleet worker's fetch answers: who fetched which key, and how many times so far. */
export interface FleetValue {
  worker: string;
  key: string;
  n: number;
}

/** How a worker's fetch of a key behaves: answer after a delay, wait for `release`, or never answer. */
export type FetchMode = "delay" | "gate" | "hang";

export interface WorkerInit {
  id: string;
  port: number;
  prefix: string;
  fetchDelayMs?: number;
  store?: Omit<RedisStoreOptions, "client" | "prefix" | "logger" | "now">;
  /** Engines by name (the name is also their namespace); "main" is the default. */
  engines: Record<string, Pick<IsrOptions<FleetValue, void>, "ttlMs" | "staleTtlMs" | "timeoutMs">>;
}

export type WorkerCommand =
  | { cmd: "init"; init: WorkerInit }
  | { cmd: "burst"; key: string; n: number; engine?: string }
  | { cmd: "get"; key: string; engine?: string }
  | { cmd: "invalidate"; key: string; engine?: string }
  | { cmd: "mode"; key: string; mode: FetchMode }
  | { cmd: "release"; key: string }
  | { cmd: "advance"; ms: number }
  | { cmd: "load"; keys: string[]; lanes: number; hangMs: number; engine?: string }
  | { cmd: "stop-load" }
  | { cmd: "stats" }
  | { cmd: "close" };

export type BurstResult = { ok: true; value: FleetValue; state: string } | { ok: false; error: string };

export interface LoadStats {
  total: number;
  failed: number;
  /** Requests that took longer than `hangMs` (counted even if they ended later). */
  hung: number;
  maxMs: number;
  states: { fresh: number; stale: number; miss: number };
  errors: string[];
}

export interface WorkerStats {
  fetches: Record<string, number>;
  available: boolean;
  logs: Record<string, number>;
  /**
   * Local copies dropped on another process's announcement ("set" or "delete"), with the
   * time: CLOCK_MONOTONIC in ms, one clock for all the machine's processes.
   */
  drops: { key: string; change: string; at: number }[];
}
