import type { CoordinateContext, FetchPurpose, Store, StoreEntry, TagChannel } from "../store.js";
import type { EntryScan, ScanEntriesOptions } from "./scan.js";
import type { RedisWriteStats, WriteFailure } from "./write-report.js";

/** What `RedisStore.stats()` returns. */
export interface RedisStoreStats {
  writes: RedisWriteStats;
  /** Copies held in this process's local tier. */
  localEntries: number;
  /** As `available`. */
  available: boolean;
  /** Subscribed, caught up with the fleet, and confirmed within the heard-within bound. */
  inSync: boolean;
}

/** A store shared by a fleet of processes through Redis, with a local memory tier in front. */
export interface RedisStore extends Store {
  /** Fresh local copies answer synchronously; anything else reads Redis (never rejects). */
  get(key: string): StoreEntry | undefined | Promise<StoreEntry | undefined>;
  /** Stores in Redis and locally and tells the fleet; never rejects (a failure is reported). */
  set(key: string, entry: StoreEntry, ttlMs: number): Promise<void>;
  /** Drops the entry here, in Redis and in every process; rejects if Redis could not be told. */
  delete(key: string): Promise<void>;
  coordinate(
    key: string,
    purpose: FetchPurpose,
    produce: () => Promise<StoreEntry>,
    context: CoordinateContext,
  ): Promise<StoreEntry | undefined>;
  /** Deletes every key of this prefix (SCAN + UNLINK, never KEYS or FLUSHALL) and tells the fleet. */
  clear(): Promise<void>;
  /** Stops timers and closes the pub/sub connection it opened; your client stays open. */
  close(): Promise<void>;
  /** Resolves `true` once `available`, `false` if `timeoutMs` pass first or the store closes. */
  ready(options?: { timeoutMs?: number }): Promise<boolean>;
  stats(): RedisStoreStats;
  /** Calls `listener` with each key another process deleted (`undefined`: all of them). */
  onInvalidate(listener: (key: string | undefined) => void): () => void;
  /** Calls `listener` for each write Redis refuses with an error (a full memory). Returns an unsubscribe. */
  on(event: "writeFailed", listener: (failure: WriteFailure) => void): () => void;
  /** Tag invalidations, recorded in Redis and announced to the fleet. */
  readonly tags: TagChannel;
  /** True while Redis answers, takes writes, and this process is in sync with the fleet. */
  readonly available: boolean;
  /** The heard-within bound: 4 × `heartbeatMs`. */
  readonly heardWithinMs: number;
  readonly prefix: string;
  /** The inspector's fleet view: entries under the prefix, by a bounded SCAN (see scan.ts). */
  scanEntries(options: ScanEntriesOptions): Promise<EntryScan>;
}
