import { LRUCache } from "lru-cache";
import { check } from "../options.js";
import type { EvictionReason, Store, StoreEntry } from "./store.js";
import { LocalTagChannel } from "./tag-channel.js";

/** Default bound of a memory store, in entries. */
export const DEFAULT_MEMORY_MAX = 10_000;

export interface MemoryStoreOptions {
  /**
   * Most entries kept; the least recently used is evicted beyond it.
   * @default 10_000
   */
  max?: number;
  /**
   * Optional bound on the total size of the entries, as measured by `sizeOf`. When set,
   * least recently used entries are evicted to stay under it, and an entry larger than
   * the whole bound is not stored.
   */
  maxBytes?: number;
  /**
   * Size of one entry, counted against `maxBytes`. The default is an estimate: two bytes
   * per character of the key and of the JSON form of the value, plus 64.
   */
  sizeOf?: (entry: StoreEntry, key: string) => number;
  /** Monotonic clock for expiry, in ms (tests pass a fake one). @default performance.now */
  now?: () => number;
}

/** A bounded in-memory store built on lru-cache; synchronous, process-local. */
export interface MemoryStore extends Store {
  get(key: string): StoreEntry | undefined;
  set(key: string, entry: StoreEntry, ttlMs: number): void;
  delete(key: string): void;
  /** Number of entries held (including expired ones not yet purged). */
  readonly size: number;
  /** Drops every entry. */
  clear(): void;
  onEvict(listener: (key: string, reason: EvictionReason) => void): () => void;
  /** Tag invalidations shared by the engines of this process that use this store. */
  readonly tags: LocalTagChannel;
}

const ENTRY_OVERHEAD_BYTES = 64;

/** Rough size of an entry in bytes: JS strings are UTF-16, so two bytes per character. */
export function estimateEntrySize(entry: StoreEntry, key: string): number {
  let json: string | undefined;
  try {
    json = JSON.stringify(entry.value);
  } catch {
    json = undefined;
  }
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + (json?.length ?? 0));
}

/**
 * Creates a bounded in-memory store: at most `max` entries (and `maxBytes`, if given),
 * least recently used evicted first. Entries also expire when their `ttlMs` has passed.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  check.object(options, ["max", "maxBytes", "sizeOf", "now"]);
  const { max = DEFAULT_MEMORY_MAX, maxBytes, sizeOf, now } = options;
  check.integer("max", max, DEFAULT_MEMORY_MAX);
  check.integer("maxBytes", maxBytes, 0);
  check.function("sizeOf", sizeOf);
  if (sizeOf !== undefined && maxBytes === undefined) {
    throw new TypeError('isr-plug: "sizeOf" only applies with "maxBytes"');
  }
  check.function("now", now);

  const size = sizeOf ?? estimateEntrySize;
  const evictionListeners = new Set<(key: string, reason: EvictionReason) => void>();
  const cache = new LRUCache<string, StoreEntry>({
    max,
    dispose: (_entry, key, reason) => {
      if (evictionListeners.size === 0 || (reason !== "evict" && reason !== "expire")) return;
      const why: EvictionReason = reason === "evict" ? "capacity" : "expired";
      for (const listener of evictionListeners) listener(key, why);
    },
    ...(maxBytes === undefined
      ? {}
      : {
          maxSize: maxBytes,
          // lru-cache refuses sizes below 1.
          sizeCalculation: (entry: StoreEntry, key: string) => Math.max(1, Math.ceil(size(entry, key))),
        }),
    // A hand-driven clock must be read on every check, not cached for a millisecond.
    ...(now === undefined ? {} : { perf: { now }, ttlResolution: 0 }),
  });

  return {
    get: (key) => cache.get(key),
    set(key, entry, ttlMs) {
      if (ttlMs <= 0) {
        cache.delete(key);
        return;
      }
      cache.set(key, entry, { ttl: Number.isFinite(ttlMs) ? Math.ceil(ttlMs) : 0 });
    },
    delete(key) {
      cache.delete(key);
    },
    get size() {
      return cache.size;
    },
    clear() {
      cache.clear();
    },
    tags: new LocalTagChannel(),
    onEvict(listener) {
      evictionListeners.add(listener);
      return () => {
        evictionListeners.delete(listener);
      };
    },
  };
}

// Kept on globalThis so the ESM and CJS builds (or two installed copies) share one store.
const DEFAULT_STORE = Symbol.for("isr-plug.defaultStore");

/** The memory store every engine of the process shares when given no `store` (the seed's default table). */
export function defaultStore(): MemoryStore {
  const holder = globalThis as { [DEFAULT_STORE]?: MemoryStore };
  holder[DEFAULT_STORE] ??= createMemoryStore();
  return holder[DEFAULT_STORE];
}
