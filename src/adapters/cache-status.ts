import type { Served } from "../engine.js";
import { IsrTimeoutError } from "../errors.js";
import { describeValue } from "../options.js";

/** The response header of RFC 9211. */
export const CACHE_STATUS_HEADER = "Cache-Status";

/** The cache's name in the header when `cacheStatus: true`. */
export const DEFAULT_CACHE_STATUS_NAME = "isr-plug";

// An RFC 8941 token: what a Cache-Status cache name must be.
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;

/** The cache name to report under, or undefined when the header is off. */
export function cacheStatusName(option: unknown): string | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return DEFAULT_CACHE_STATUS_NAME;
  if (typeof option === "string" && TOKEN.test(option)) return option;
  throw new TypeError(
    `isr-plug: "cacheStatus" must be a boolean or a token naming the cache (like "isr-plug"), got ${describeValue(option)}`,
  );
}

/**
 * The header for a served request: `isr-plug; hit; ttl=42` (fresh, seconds of freshness
 * left), `isr-plug; fwd=stale` (served stale while a refresh runs), `isr-plug; fwd=miss; stored`
 * (fetched now, and stored), and for an older value served because the fetch failed or was slow,
 * `isr-plug; fwd=stale; detail=stale-if-error` or `detail=soft-timeout`.
 */
export function cacheStatusOf(name: string, served: Served<unknown>, stored: boolean): string {
  if (served.error !== undefined) {
    const soft = served.error instanceof IsrTimeoutError && served.error.soft;
    return `${name}; fwd=stale; detail=${soft ? "soft-timeout" : "stale-if-error"}`;
  }
  switch (served.state) {
    case "fresh": {
      const leftMs = served.entry.staleAt - served.entry.storedAt - served.ageMs;
      return Number.isFinite(leftMs) ? `${name}; hit; ttl=${Math.floor(leftMs / 1_000)}` : `${name}; hit`;
    }
    case "stale":
      return `${name}; fwd=stale`;
    default:
      return stored ? `${name}; fwd=miss; stored` : `${name}; fwd=miss`;
  }
}

/** The header when the fetch failed and nothing was served: the request goes on without a value. */
export function cacheStatusOfFailure(name: string): string {
  return `${name}; fwd=miss; detail=fetch-error`;
}
