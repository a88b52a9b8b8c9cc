import { OptionCheck, optionNames } from "./check.js";
import { coarseNow } from "./clock.js";
import type { CacheKey } from "./key.js";
import type { Logger } from "./log.js";
import type { Store } from "./stores/store.js";

/** Defaults of the core options, one constant shared by code, docs and tests. */
export const DEFAULTS = Object.freeze({
  /** The seed's `cache_ttl_ms`: one minute. */
  ttlMs: 60_000,
  /** The seed's `stale_serving_ttl_ms`: one hour, counted after `ttlMs`. */
  staleTtlMs: 3_600_000,
  /**
   * The seed's default `ets_table`. An engine given no `namespace` gets one of its own,
   * `isr_plug_cache#<n>`, so that engines never share entries unless they name one.
   */
  namespace: "isr_plug_cache",
  /** Stale-if-error is off: a too-stale value is never served, as in the seed. */
  staleIfErrorMs: 0,
  /** No spread on `ttlMs`. */
  ttlJitterMs: 0,
  /** `errorBackoff: true` means these bounds. */
  errorBackoff: Object.freeze({ minMs: 1_000, maxMs: 60_000 }),
  /** Most tags whose invalidation is remembered one by one (see `invalidateTag`). */
  maxTags: 10_000,
  /** How long `close()` waits for fetches that ignore their abort signal. */
  closeTimeoutMs: 5_000,
});

/** Per-value lifetimes a fetch may set with `context.setTtl`. */
export interface ValueTtls {
  ttlMs?: number;
  staleTtlMs?: number;
  staleIfErrorMs?: number;
}

/** What `fetch` receives besides the extracted data. */
export interface FetchContext<V = unknown> {
  /** The cache key being fetched, as `cacheKey` returned it. */
  readonly key: CacheKey;
  /** Aborted when the fetch times out (`timeoutMs`) or the engine closes. */
  readonly signal: AbortSignal;
  /**
   * The value stored for this key before this fetch (stale or older), if any, for a
   * conditional request: on `304 Not Modified`, return `previous.value` and it is stored
   * again as fresh. Absent for a cold key and after `invalidate` or a hard tag invalidation.
   */
  readonly previous: { readonly value: V; readonly storedAt: number } | undefined;
  /** Overrides the lifetimes of the value this fetch returns (e.g. from an upstream `Cache-Control`). */
  setTtl(ttls: ValueTtls): void;
  /** Serve the value this fetch returns to the requests waiting for it, but do not store it. */
  noCache(): void;
  /** Adds tags to the stored value, for `invalidateTag`. */
  addTags(...tags: string[]): void;
}

/** Exponential, jittered wait between refresh attempts of a key whose fetch failed. */
export interface ErrorBackoffOptions {
  /** First wait after a failure, ms. @default 1_000 */
  minMs?: number;
  /** Longest wait, ms. @default 60_000 */
  maxMs?: number;
}

/** Options of `createIsr`, also accepted by every adapter. */
export interface IsrOptions<V, E = void> {
  /**
   * Loads the value for one key (the seed's `fetch_fun`). Return the value or a Promise of
   * it; throwing or rejecting is the failure case. `undefined` is not a value (it is
   * reported as an `IsrFetchError`); return `null` to cache "nothing".
   */
  fetch: (extracted: E, context: FetchContext<V>) => V | PromiseLike<V>;
  /**
   * How long a stored value is fresh, in ms (the seed's `cache_ttl_ms`).
   * @default 60_000
   */
  ttlMs?: number;
  /**
   * How long after `ttlMs` a value is still served stale while one refresh runs in the
   * background, in ms (the seed's `stale_serving_ttl_ms`). After it the value is too stale
   * and the next request fetches synchronously.
   * @default 3_600_000
   */
  staleTtlMs?: number;
  /**
   * How long after the stale window the last good value is kept to be served when the
   * origin fails (or is slower than `softTimeoutMs`), in ms. Such a request gets the old
   * value with `info.error` set instead of an error. @default 0 (off, as in the seed)
   */
  staleIfErrorMs?: number;
  /**
   * Soft deadline of a synchronous fetch, in ms: when an older value may still be served
   * (the stale-if-error window), a request waits at most this long, then gets the older
   * value while the fetch finishes in the background and updates the cache. Needs
   * `staleIfErrorMs` > 0 and must be below `timeoutMs`. @default none
   */
  softTimeoutMs?: number;
  /**
   * Random spread on `ttlMs`, in ms: each value is fresh for `ttlMs` minus a random amount
   * below this, so keys stored together do not expire together. @default 0
   */
  ttlJitterMs?: number;
  /**
   * After a key's fetch fails, wait an exponentially growing, jittered interval before the
   * next refresh attempt of that key (stale requests keep being served meanwhile); the first
   * success resets it. `true` = `{ minMs: 1_000, maxMs: 60_000 }`. @default false
   */
  errorBackoff?: boolean | ErrorBackoffOptions;
  /** Tags of a fetched value, for `invalidateTag`. @default none */
  tags?: (value: V, extracted: E) => readonly string[];
  /**
   * How many tags' invalidations are remembered one by one; beyond it the oldest are folded
   * into a floor (older tagged entries count as invalidated), so memory stays bounded.
   * @default 10_000
   */
  maxTags?: number;
  /**
   * Most origin fetches of this engine running at once. Beyond it, background refreshes are
   * skipped (the stale value keeps being served) and misses wait for a slot. @default Infinity
   */
  maxConcurrentFetches?: number;
  /**
   * Most misses waiting for a fetch slot; beyond it a miss fails at once with
   * `IsrOverloadedError`. @default Infinity
   */
  maxQueuedFetches?: number;
  /**
   * Most distinct keys this engine admits (keys live as long as their entries may be
   * served). A new key beyond it fails with `IsrKeyRejectedError` without a fetch, so a
   * flood of request-derived keys cannot grow memory, evict hot entries or flood the origin.
   * @default Infinity
   */
  maxKeys?: number;
  /** Longest key, in characters of its encoded form; longer ones fail with `IsrKeyRejectedError`. @default Infinity */
  maxKeyLength?: number;
  /**
   * Where entries live. @default one bounded memory store shared by the whole process
   */
  store?: Store;
  /**
   * Names this engine's entries in its store (the seed's `ets_table`). Engines that give the
   * same namespace on the same store share entries; an engine given none gets a namespace of
   * its own (`isr_plug_cache#<n>`) and shares nothing. Required with a store shared by several
   * processes (one with `coordinate`, such as the Redis store).
   * @default a namespace of this engine's own
   */
  namespace?: string;
  /**
   * Hard deadline of every fetch, in ms: a slower fetch rejects with `IsrTimeoutError` and
   * its `signal` aborts. Applies to synchronous fetches and background refreshes alike.
   * @default no timeout
   */
  timeoutMs?: number;
  /** pino-compatible logger. @default warnings and errors to the console, prefixed `[isr-plug]` */
  logger?: Logger;
  /**
   * How long `close()` waits for fetches still running after their signals were aborted, in
   * ms; fetches that ignore their signal are then abandoned (and logged) so close resolves.
   * @default 5_000
   */
  closeTimeoutMs?: number;
  /**
   * The wall clock, in ms; entries store absolute times from it (ages and freshness). Waits
   * (error backoff, admission) are measured on a clock that never goes back: `performance.now`
   * with the default, or this clock's forward moves when one is given (tests).
   * @default Date.now, read at most once per millisecond
   */
  now?: () => number;
}

/** The core option names, for unknown-option errors (the compiler keeps the list complete). */
export const CORE_OPTION_NAMES = optionNames<IsrOptions<unknown, unknown>>({
  fetch: true,
  ttlMs: true,
  staleTtlMs: true,
  staleIfErrorMs: true,
  softTimeoutMs: true,
  ttlJitterMs: true,
  errorBackoff: true,
  tags: true,
  maxTags: true,
  maxConcurrentFetches: true,
  maxQueuedFetches: true,
  maxKeys: true,
  maxKeyLength: true,
  store: true,
  namespace: true,
  timeoutMs: true,
  logger: true,
  closeTimeoutMs: true,
  now: true,
});

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions<V, E> {
  fetch: IsrOptions<V, E>["fetch"];
  ttlMs: number;
  staleTtlMs: number;
  staleIfErrorMs: number;
  softTimeoutMs: number | undefined;
  ttlJitterMs: number;
  errorBackoff: Required<ErrorBackoffOptions> | undefined;
  tags: IsrOptions<V, E>["tags"];
  maxTags: number;
  maxConcurrentFetches: number;
  maxQueuedFetches: number;
  maxKeys: number;
  maxKeyLength: number;
  store: Store | undefined;
  /** Undefined when not given: the engine then takes one of its own. */
  namespace: string | undefined;
  timeoutMs: number | undefined;
  logger: Logger | undefined;
  closeTimeoutMs: number;
  now: () => number;
}

/** The core's option checks: messages start `isr-plug: "name"`. */
export const check = new OptionCheck("isr-plug:", "isr-plug: unknown option");

/** A duration ≥ 0; Infinity allowed. Used for options and for `setTtl`. */
export function checkDuration(name: string, value: unknown, fallback: number): number {
  return check.duration(name, value, fallback);
}

function resolveBackoff(value: unknown): Required<ErrorBackoffOptions> | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { ...DEFAULTS.errorBackoff };
  if (value === null || typeof value !== "object")
    check.fail("errorBackoff", "a boolean or { minMs, maxMs }", value);
  const { minMs, maxMs, ...rest } = value as ErrorBackoffOptions;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new TypeError(`isr-plug: unknown option "errorBackoff.${unknown}"`);
  const min = check.positiveDuration("errorBackoff.minMs", minMs) ?? DEFAULTS.errorBackoff.minMs;
  const max =
    check.positiveDuration("errorBackoff.maxMs", maxMs) ?? Math.max(min, DEFAULTS.errorBackoff.maxMs);
  if (max < min) check.fail("errorBackoff.maxMs", `>= errorBackoff.minMs (${min})`, max);
  return { minMs: min, maxMs: max };
}

/** The seed's option names (and common misspellings), for "did you mean" hints. */
export const SEED_NAMES: Readonly<Record<string, string>> = Object.freeze({
  fetch_fun: "fetch",
  apply_fun: "apply",
  extract_data_fun: "extract",
  cache_key_fun: "cacheKey",
  error_handler_fun: "onError",
  ets_table: "namespace (or store)",
  cache_ttl_ms: "ttlMs",
  stale_serving_ttl_ms: "staleTtlMs",
  ttl: "ttlMs",
  staleTtl: "staleTtlMs",
  timeout: "timeoutMs",
  staleIfError: "staleIfErrorMs",
});

/** Validates core options (throwing a `TypeError` naming the option) and fills defaults. */
export function resolveOptions<V, E>(
  options: IsrOptions<V, E>,
  known: readonly string[] = CORE_OPTION_NAMES,
): ResolvedOptions<V, E> {
  check.object(options, known, SEED_NAMES);
  const { fetch, store, namespace, logger, now, tags } = options;
  if (typeof fetch !== "function") check.fail("fetch", "a function", fetch);
  const ttlMs = check.duration("ttlMs", options.ttlMs, DEFAULTS.ttlMs);
  const staleTtlMs = check.duration("staleTtlMs", options.staleTtlMs, DEFAULTS.staleTtlMs);
  const staleIfErrorMs = check.duration("staleIfErrorMs", options.staleIfErrorMs, DEFAULTS.staleIfErrorMs);
  const timeoutMs = check.positiveDuration("timeoutMs", options.timeoutMs);
  const softTimeoutMs = check.positiveDuration("softTimeoutMs", options.softTimeoutMs);
  if (softTimeoutMs !== undefined && staleIfErrorMs === 0) {
    throw new TypeError(
      'isr-plug: "softTimeoutMs" needs "staleIfErrorMs" > 0: it serves an older value, and only the stale-if-error window keeps one',
    );
  }
  if (softTimeoutMs !== undefined && timeoutMs !== undefined && softTimeoutMs >= timeoutMs) {
    check.fail("softTimeoutMs", `below "timeoutMs" (${timeoutMs})`, softTimeoutMs);
  }
  const ttlJitterMs = check.duration("ttlJitterMs", options.ttlJitterMs, DEFAULTS.ttlJitterMs);
  if (ttlJitterMs > 0 && !(ttlJitterMs <= ttlMs && Number.isFinite(ttlJitterMs))) {
    check.fail("ttlJitterMs", `finite and at most "ttlMs" (${ttlMs})`, ttlJitterMs);
  }
  check.function("tags", tags);
  if (namespace !== undefined && (typeof namespace !== "string" || namespace.length === 0)) {
    check.fail("namespace", "a non-empty string", namespace);
  }
  // Engines given no namespace get `isr_plug_cache#<n>`: a name taken by hand would read theirs.
  if (namespace?.startsWith(`${DEFAULTS.namespace}#`) === true) {
    check.fail(
      "namespace",
      `a name not starting with "${DEFAULTS.namespace}#" (kept for engines given none)`,
      namespace,
    );
  }
  check.methods("store", store, ["get", "set", "delete"]);
  check.logger(logger);
  check.function("now", now);
  const maxTags = check.countOrInfinity("maxTags", options.maxTags);
  const closeTimeoutMs =
    check.positiveDuration("closeTimeoutMs", options.closeTimeoutMs) ?? DEFAULTS.closeTimeoutMs;
  return {
    fetch,
    ttlMs,
    staleTtlMs,
    staleIfErrorMs,
    softTimeoutMs,
    ttlJitterMs,
    errorBackoff: resolveBackoff(options.errorBackoff),
    tags,
    maxTags: options.maxTags === undefined ? DEFAULTS.maxTags : maxTags,
    maxConcurrentFetches: check.countOrInfinity("maxConcurrentFetches", options.maxConcurrentFetches),
    maxQueuedFetches:
      options.maxQueuedFetches === 0
        ? 0
        : check.countOrInfinity("maxQueuedFetches", options.maxQueuedFetches),
    maxKeys: check.countOrInfinity("maxKeys", options.maxKeys),
    maxKeyLength: check.countOrInfinity("maxKeyLength", options.maxKeyLength),
    store,
    namespace,
    timeoutMs,
    logger,
    closeTimeoutMs,
    now: now ?? coarseNow,
  };
}
