import type { IsrResult, Served } from "./isr.js";
import type { CacheKey } from "./key.js";
import type { StoreEntry } from "./stores/store.js";

/** What a request that needs a fetch brings along. */
export interface Need<V> {
  /** What the fetch's `previous` shows (none after a hard tag invalidation). */
  previous: StoreEntry<V> | undefined;
  /** A value still in its stale-if-error window, served if the fetch fails or is slow. */
  staleIfError: StoreEntry<V> | undefined;
  /** The entry the request read from the store, whatever its standing (for a fleet's `coordinate`). */
  seen: StoreEntry<V> | undefined;
}

export const NOTHING_SEEN: Need<never> = Object.freeze({
  previous: undefined,
  staleIfError: undefined,
  seen: undefined,
});

/**
 * How a lookup answers: adapters take the `Served` result as is (a hit without a promise);
 * `get` answers a promise of the public fields only.
 */
export interface Answer<V, R> {
  /** `ttlMs`: the entry's fresh lifetime (staleAt − storedAt), for `Cache-Status`. */
  hit(value: V, state: "fresh" | "stale", ageMs: number, key: CacheKey, ttlMs: number): R;
  miss(pending: Promise<Served<V>>): R;
}

const SERVED: Answer<unknown, Served<unknown> | Promise<Served<unknown>>> = {
  hit: (value, state, ageMs, key, ttlMs) => ({ value, state, ageMs, key, ttlMs, stored: true }),
  miss: (pending) => pending,
};

export function SERVED_ANSWER<V>(): Answer<V, Served<V> | Promise<Served<V>>> {
  return SERVED as Answer<V, Served<V> | Promise<Served<V>>>;
}

/** The public fields of a result. */
export function publicResult<V>(served: Served<V>): IsrResult<V> {
  const { value, state, ageMs, error } = served;
  return error === undefined ? { value, state, ageMs } : { value, state, ageMs, error };
}
