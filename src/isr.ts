import type { CacheKey } from "./key.js";
import type { IsrEventName, IsrListener } from "./observe/events.js";
import type { IsrStats } from "./observe/stats.js";
import type { Store } from "./stores/store.js";
import type { InvalidationMode } from "./tags.js";

/** How a value was served: fresh from the cache, stale (a refresh runs), or fetched now. */
export type IsrState = "fresh" | "stale" | "miss";

/** What `get` resolves with. */
export interface IsrResult<V> {
  value: V;
  state: IsrState;
  /** ms since the value was stored (about 0 for a value fetched for this request). */
  ageMs: number;
  /**
   * Present only when an older value was served because the fetch failed (stale-if-error)
   * or passed `softTimeoutMs`: the fetch's error, or a soft `IsrTimeoutError`.
   */
  error?: unknown;
}

/**
 * What `lookup` answers: the result plus the key and the entry it came from, which adapters
 * need for `info` and headers. `get` hands out only the public fields.
 * @internal
 */
export interface Served<V> extends IsrResult<V> {
  key: CacheKey;
  /** The served entry's fresh lifetime (staleAt − storedAt), for `Cache-Status`. */
  ttlMs: number;
  /** Whether the served value is in the store (false for `noCache` and overtaken fetches). */
  stored: boolean;
  /** A miss that found an entry it could not serve (too stale, or invalidated by tag). */
  sawEntry?: true;
  /** A miss that joined a fetch another request had started. */
  collapsed?: true;
  /** A stale-if-error value served without asking the origin (error backoff, engine closed). */
  notForwarded?: true;
}

/** The engine: the freshness state machine over one store and namespace. */
export interface Isr<V, E = void> {
  readonly namespace: string;
  readonly store: Store;
  /** Serves `key`: fresh or stale from the cache, else fetches (single-flight) and stores. */
  get(key: CacheKey, extracted: E): Promise<IsrResult<V>>;
  /** Drops the entry; the next `get` is a miss. A fetch in flight is not stored. */
  invalidate(key: CacheKey): Promise<void>;
  /**
   * Invalidates every entry carrying `tag`: `"hard"` (default) makes them misses, `"soft"`
   * makes them stale (served while one refresh runs). Costs the same whatever the number of entries.
   */
  invalidateTag(tag: string, options?: { mode?: InvalidationMode }): Promise<void>;
  /** Fetches now (joining a fetch already in flight), stores, resolves with the new value. */
  revalidate(key: CacheKey, extracted: E): Promise<V>;
  /** Stops new fetches, aborts the signals of in-flight ones and waits for them to settle. */
  close(): Promise<void>;
  /** Subscribes to an event (see `IsrEvents`); returns the unsubscribe function. */
  on<N extends IsrEventName>(name: N, listener: IsrListener<N>): () => void;
  /** Counters, gauges and histograms of this engine since it was created. */
  stats(): IsrStats;
}

/** One key as the inspector shows it. */
export interface InspectedEntry<V> {
  /** Opaque id of the entry, for `invalidate`/`revalidate` by id. */
  id: string;
  key: CacheKey;
  /**
   * Where the stored value stands: `stale-if-error` is past the stale window, still kept for
   * `staleIfErrorMs` to be served if the origin fails; `missing` is a known key without a value.
   */
  state: "fresh" | "stale" | "stale-if-error" | "expired" | "missing";
  ageMs?: number;
  ttlMs?: number;
  staleTtlMs?: number;
  staleIfErrorMs?: number;
  tags?: readonly string[];
  value?: V;
  fetching: boolean;
  /**
   * The latest fetch of the key: `at` on the engine's clock (its `now` option), and `agoMs`,
   * how long before this listing it ended, on that same clock.
   */
  lastFetch?: { at: number; agoMs: number; durationMs: number; ok: boolean; error?: string };
}
