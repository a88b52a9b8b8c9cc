/**
 * One cached value with the absolute clock times that decide its state, so that fresh,
 * stale or too stale is two comparisons and survives serialization (e.g. to Redis).
 */
export interface StoreEntry<V = unknown> {
  /** The value `fetch` returned. */
  value: V;
  /** Clock time (ms) at which the value was stored. Age = now − storedAt. */
  storedAt: number;
  /** Clock time from which the value is stale: storedAt + ttlMs. */
  staleAt: number;
  /** Clock time from which the value is too stale to serve: staleAt + staleTtlMs. */
  expiresAt: number;
  /**
   * Clock time until which the value may still be served when the origin fails
   * (expiresAt + staleIfErrorMs); absent when there is no stale-if-error window.
   */
  staleIfErrorUntil?: number;
  /** Tags for `invalidateTag`; absent when none. */
  tags?: readonly string[];
  /**
   * With `tags`: the highest tag-invalidation sequence number of the namespace known when
   * the value's fetch started. A later invalidation of one of its tags has a higher number.
   * A tagged entry without it counts as older than every invalidation.
   */
  tagSeq?: number;
}

/**
 * Where entries live. Every method may answer synchronously or with a Promise; a memory
 * store answers synchronously so a fresh hit costs no extra promise hop.
 *
 * Keys arrive already namespaced and encoded by the engine; a store treats them as opaque
 * strings. A store never decides freshness: the engine does, from the entry's times.
 */
export interface Store {
  /** The entry under `key`, or `undefined`. */
  get(key: string): StoreEntry | undefined | Promise<StoreEntry | undefined>;
  /**
   * Stores `entry` under `key`. `ttlMs` is how long the entry is still useful (until its
   * `expiresAt`); the store may drop it after that, and may drop it earlier to stay bounded.
   */
  set(key: string, entry: StoreEntry, ttlMs: number): void | Promise<void>;
  /** Removes the entry under `key`, if any. */
  delete(key: string): void | Promise<void>;
  /** How many entries the store holds (all namespaces), if it can tell cheaply. */
  readonly size?: number;
  /**
   * Optional: calls `listener` with the key of each entry the store drops on its own, to stay
   * bounded (`"capacity"`) or because its time was up (`"expired"`). Returns an unsubscribe.
   */
  onEvict?(listener: (key: string, reason: EvictionReason) => void): () => void;
  /**
   * Optional: calls `listener` with the key of each entry deleted through this store —
   * by another engine, or (for a fleet store) by another process — or `undefined` when every
   * entry was (a clear). An engine fetching that key then lets requests that come after it
   * start a new fetch, and does not store the one it had running. Returns an unsubscribe.
   */
  onInvalidate?(listener: (key: string | undefined) => void): () => void;
  /** Releases what the store holds (connections, timers). Engines never call it for you. */
  close?(): void | Promise<void>;
  /**
   * Optional, for stores shared by several processes: decides which process fetches `key`.
   * `produce` fetches the value, stores it with `set` and resolves with the entry.
   * - `"miss"`: resolve with an entry: run `produce` if this process wins, else wait for
   *   the winner's entry (and run `produce` after all if it never comes). An entry another
   *   process wrote after the one this request saw (`context.seen`) may be taken instead.
   * - `"refresh"`: run `produce` if this process wins, else resolve `undefined` at once
   *   (another process is refreshing; this one keeps serving stale).
   * - `"revalidate"`: like `"miss"`, but only a fetch that is running may be joined: an entry
   *   already stored never stands in for the new fetch that was asked for.
   * `context.signal` aborts when the engine closes: stop waiting and reject with its reason.
   * Must fail open: when coordination is unavailable, run `produce`.
   * Without it, the engine runs `produce` itself (single-flight per process only).
   */
  coordinate?(
    key: string,
    purpose: FetchPurpose,
    produce: () => Promise<StoreEntry>,
    context: CoordinateContext,
  ): Promise<StoreEntry | undefined>;
  /**
   * Optional, for stores shared by several processes: carries tag invalidations to every
   * process of the fleet, including those that start later. Without it, `invalidateTag`
   * reaches the engines of this process only.
   */
  readonly tags?: TagChannel;
}

/** What the engine tells `coordinate` besides the key. */
export interface CoordinateContext {
  /** Aborted when the engine closes. */
  readonly signal: AbortSignal;
  /** The entry the request read from this store before it needed a fetch, if any. */
  readonly seen: StoreEntry | undefined;
}

/** One tag invalidation, as it travels between engines and processes. */
export interface TagInvalidation {
  /** The invalidated tag, or undefined for a floor: every tagged entry stamped below `seq`. */
  tag: string | undefined;
  mode: "soft" | "hard";
  /**
   * Its number in the namespace's invalidation sequence, which only goes up (no clock is
   * involved). Tagged entries whose `tagSeq` is below it are invalidated.
   */
  seq: number;
}

/** A store's channel for tag invalidations shared by every engine (and process) using the store. */
export interface TagChannel {
  /**
   * Gives the invalidation the next number of the namespace's sequence, records it and
   * announces it. Before it settles, this process's subscribers have heard it (even when
   * the rest of the fleet could not be told: it then rejects).
   */
  publish(namespace: string, invalidation: { tag: string; mode: "soft" | "hard" }): Promise<void>;
  /**
   * Calls `listener` with every invalidation of `namespace` recorded so far (soon after the
   * call), then with each one published, by any process. Returns an unsubscribe function.
   */
  subscribe(namespace: string, listener: (invalidation: TagInvalidation) => void): () => void;
}

/** Why a store dropped an entry on its own. */
export type EvictionReason = "capacity" | "expired";

/**
 * Why the engine needs a fetch: a request is waiting ("miss"), a stale value is being
 * refreshed in the background ("refresh"), or `revalidate` asked for a new fetch.
 */
export type FetchPurpose = "miss" | "refresh" | "revalidate";

/** True for a Promise or any thenable, so stores and callbacks may answer either way. */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
