import type { CacheKey } from "./key.js";
import type { Logger } from "./log.js";
import type { Store } from "./stores/store.js";

/** Defaults of the core options, one constant shared by code, docs and tests. */
export const DEFAULTS = Object.freeze({
  /** The seed's `cache_ttl_ms`: one minute. */
  ttlMs: 60_000,
  /** The seed's `stale_serving_ttl_ms`: one hour, counted after `ttlMs`. */
  staleTtlMs: 3_600_000,
  /** The seed's default `ets_table`. */
  namespace: "isr_plug_cache",
});

/** What `fetch` receives besides the extracted data. */
export interface FetchContext {
  /** The cache key being fetched, as `cacheKey` returned it. */
  readonly key: CacheKey;
  /** Aborted when the fetch times out (`timeoutMs`) or the engine closes. */
  readonly signal: AbortSignal;
}

/** Options of `createIsr`, also accepted by every adapter. */
export interface IsrOptions<V, E = void> {
  /**
   * Loads the value for one key (the seed's `fetch_fun`). Return the value or a Promise of
   * it; throwing or rejecting is the failure case. `undefined` is not a value (it is
   * reported as an `IsrFetchError`); return `null` to cache "nothing".
   */
  fetch: (extracted: E, context: FetchContext) => V | PromiseLike<V>;
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
   * Where entries live. @default one bounded memory store shared by the whole process
   */
  store?: Store;
  /**
   * Separates this engine's entries from others in the same store (the seed's `ets_table`).
   * @default "isr_plug_cache"
   */
  namespace?: string;
  /**
   * A fetch slower than this rejects with `IsrTimeoutError` and its `signal` aborts, in ms.
   * Applies to synchronous fetches and background refreshes alike. @default no timeout
   */
  timeoutMs?: number;
  /** pino-compatible logger. @default warnings and errors to the console, prefixed `[isr-plug]` */
  logger?: Logger;
  /** The clock, in ms; entries store absolute times from it. @default Date.now */
  now?: () => number;
}

/** The core option names, for unknown-option errors. */
export const CORE_OPTION_NAMES: readonly string[] = [
  "fetch",
  "ttlMs",
  "staleTtlMs",
  "store",
  "namespace",
  "timeoutMs",
  "logger",
  "now",
];

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions<V, E> {
  fetch: IsrOptions<V, E>["fetch"];
  ttlMs: number;
  staleTtlMs: number;
  store: Store | undefined;
  namespace: string;
  timeoutMs: number | undefined;
  logger: Logger | undefined;
  now: () => number;
}

/** Renders a bad option value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

function fail(name: string, expected: string, value: unknown): never {
  throw new TypeError(`isr-plug: "${name}" must be ${expected}, got ${describeValue(value)}`);
}

function durationOrDefault(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    fail(name, "a number of milliseconds >= 0 (Infinity allowed)", value);
  }
  return value;
}

const SEED_NAMES: Record<string, string> = {
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
};

/** Rejects option names nobody reads, so a typo (`ttl` for `ttlMs`) is loud, not silent. */
export function rejectUnknownOptions(options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const hint = SEED_NAMES[name];
    throw new TypeError(
      `isr-plug: unknown option "${name}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}`,
    );
  }
}

/** Validates core options (throwing a `TypeError` naming the option) and fills defaults. */
export function resolveOptions<V, E>(
  options: IsrOptions<V, E>,
  known: readonly string[] = CORE_OPTION_NAMES,
): ResolvedOptions<V, E> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`isr-plug: options must be an object, got ${describeValue(options)}`);
  }
  rejectUnknownOptions(options, known);
  const { fetch, store, namespace, timeoutMs, logger, now } = options;
  if (typeof fetch !== "function") fail("fetch", "a function", fetch);
  const ttlMs = durationOrDefault("ttlMs", options.ttlMs, DEFAULTS.ttlMs);
  const staleTtlMs = durationOrDefault("staleTtlMs", options.staleTtlMs, DEFAULTS.staleTtlMs);
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  ) {
    fail("timeoutMs", "a finite number of milliseconds > 0", timeoutMs);
  }
  if (namespace !== undefined && (typeof namespace !== "string" || namespace.length === 0)) {
    fail("namespace", "a non-empty string", namespace);
  }
  if (store !== undefined) {
    const methods = ["get", "set", "delete"] as const;
    if (
      store === null ||
      typeof store !== "object" ||
      methods.some((m) => typeof (store as unknown as Record<string, unknown>)[m] !== "function")
    ) {
      fail("store", "an object with get, set and delete methods", store);
    }
  }
  if (logger !== undefined) {
    const methods = ["debug", "info", "warn", "error"] as const;
    if (
      logger === null ||
      typeof logger !== "object" ||
      methods.some((m) => typeof (logger as unknown as Record<string, unknown>)[m] !== "function")
    ) {
      fail("logger", "an object with debug, info, warn and error methods", logger);
    }
  }
  if (now !== undefined && typeof now !== "function") fail("now", "a function", now);
  return {
    fetch,
    ttlMs,
    staleTtlMs,
    store,
    namespace: namespace ?? DEFAULTS.namespace,
    timeoutMs,
    logger,
    now: now ?? Date.now,
  };
}
