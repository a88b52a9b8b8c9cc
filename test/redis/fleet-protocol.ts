import type { IsrOptions } from "../../src/index.js";
import type { RedisStoreOptions, RedisStoreStats } from "../../src/stores/redis.js";
import type { ClientKind } from "./clients.js";

/** What a fleet worker's fetch answers: who fetched which key, and how many times so far. */
export interface FleetValue {
  worker: string;
  key: string;
  n: number;
  /** The origin's version of the key when the fetch read it (with `originUrl`). */
  v?: number;
}

/** How a worker's fetch of a key behaves: answer after a delay, wait for `release`, or never answer. */
export type FetchMode = "delay" | "gate" | "hang";

export interface WorkerInit {
  id: string;
  port: number;
  prefix: string;
  /** The client the store is given (default: ioredis 5, with `socketTimeoutMs`). */
  client?: ClientKind;
  fetchDelayMs?: number;
  store?: Omit<RedisStoreOptions, "client" | "prefix" | "logger" | "now">;
  /** ioredis's socketTimeout: a connection silent that long while a command waits is dropped and made again. */
  socketTimeoutMs?: number;
  /** The fetch reads `<originUrl>/<key>` (JSON `{ v }`) and answers its version. */
  originUrl?: string;
  /** This process's clock is that far off (ms). */
  skewMs?: number;
  /** Engines by name (the name is also their namespace); "main" is the default. */
  engines: Record<string, EngineProfile>;
}

export type EngineProfile = Pick<IsrOptions<FleetValue, void>, "ttlMs" | "staleTtlMs" | "timeoutMs"> & {
  /** Tags each value with `g<i % tagGroups>` (keys are `k<i>`). */
  tagGroups?: number;
};

export type WorkerCommand =
  | { cmd: "init"; init: WorkerInit }
  | { cmd: "burst"; key: string; n: number; engine?: string }
  | { cmd: "get"; key: string; engine?: string }
  | { cmd: "invalidate"; key: string; engine?: string }
  | { cmd: "invalidate-tag"; tag: string; mode: "soft" | "hard"; engine?: string }
  | { cmd: "mode"; key: string; mode: FetchMode }
  | { cmd: "release"; key: string }
  | { cmd: "advance"; ms: number }
  | { cmd: "load"; keys: string[]; lanes: number; hangMs: number; engine?: string }
  | { cmd: "stop-load" }
  | { cmd: "expect"; key: string; version: number }
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
  /** Answers older than a version announced with `expect`, by state. */
  old: { fresh: number; stale: number; miss: number };
  /** When the last such answer came, by state (CLOCK_MONOTONIC ms). */
  lastOldAt: { fresh: number | null; stale: number | null; miss: number | null };
}

export interface WorkerStats {
  fetches: Record<string, number>;
  available: boolean;
  store: RedisStoreStats | undefined;
  logs: Record<string, number>;
  /**
   * Local copies dropped on another process's announcement ("set" or "delete"), with the
   * time: CLOCK_MONOTONIC in ms, one clock for all the machine's processes.
   */
  drops: { key: string; change: string; at: number }[];
}
