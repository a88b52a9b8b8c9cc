/** What every peer is given: the same loader, times and bound. */
export interface CacheOptions {
  /** Loads one key's value (the origin). The harness counts its calls. */
  fetch: (key: string) => Promise<unknown>;
  /** Fresh for this long. */
  ttlMs: number;
  /** Then served stale, with one background refresh, for this long. */
  staleTtlMs: number;
  /** Entry bound, for the libraries that have one. */
  max: number;
}

export interface PeerCache {
  /** The per-request call, exactly as an application would await it. */
  get(key: string): Promise<unknown>;
  /** The value inside what `get` resolved with (isr-plug resolves `{ value, state, ageMs }`). */
  valueOf(result: unknown): unknown;
  close?(): Promise<void> | void;
}

/** One library under test. Adding a peer is one file in bench/peers/ exporting `peer`. */
export interface Peer {
  /** Identifier used on the command line and in results, e.g. "lru-cache". */
  name: string;
  /** The call measured, as the tables show it, e.g. "fetch (allowStale)". */
  call: string;
  /** Installed version, read from its package.json. */
  version: string;
  /** Table position: the floor first, then isr-plug, then the peers. */
  order: number;
  /** False for the floor, which never goes stale: it has no place in the stampede scenario. */
  expires?: boolean;
  /** Whole-second clocks need a longer wait before an entry is surely stale. */
  clockGranularityMs?: number;
  create(options: CacheOptions): PeerCache | Promise<PeerCache>;
}

export const identity = (result: unknown): unknown => result;
