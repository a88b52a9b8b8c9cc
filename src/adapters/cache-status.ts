import { describeValue } from "../check.js";
import type { Served } from "../engine.js";
import { IsrKeyRejectedError, IsrOverloadedError, IsrTimeoutError } from "../errors.js";

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
 * RFC 9211 §2.4: the remaining freshness lifetime in whole seconds, negative when stale. HTTP
 * counts age in whole seconds (RFC 9111 §4.2.3), so the lifetime left is rounded up: `ttl > 0`
 * exactly while the value is fresh, `ttl <= 0` once it is stale.
 */
function ttlOf(served: Served<unknown>): number | undefined {
  const leftMs = served.ttlMs - served.ageMs;
  if (!Number.isFinite(leftMs)) return undefined;
  const ttl = Math.ceil(leftMs / 1_000);
  // `-0` would print as "0" anyway; this keeps the number itself clean for callers.
  return ttl === 0 ? 0 : ttl;
}

/**
 * This cache's member of the `Cache-Status` list for a served request (the table in
 * docs/API.md). RFC 9211 §2.1: a request served without going forward is a `hit`, also when
 * the value is stale (a background refresh is not this request going forward); a request that
 * waited for `fetch` went forward (`fwd`), and `hit` and `fwd` never appear together.
 */
export function cacheStatusOf(name: string, served: Served<unknown>, stored: boolean): string {
  const ttl = ttlOf(served);
  const ttlParam = ttl === undefined ? "" : `; ttl=${ttl}`;
  if (served.error !== undefined) {
    // Too stale to serve without asking the origin: it failed or was slow — or it was not
    // asked at all (a failing key's backoff), which makes this request a hit.
    if (served.notForwarded === true) return `${name}; hit${ttlParam}; detail=stale-if-error`;
    const soft = served.error instanceof IsrTimeoutError && served.error.soft;
    return `${name}; fwd=stale${ttlParam}; detail=${soft ? "soft-timeout" : "stale-if-error"}`;
  }
  switch (served.state) {
    case "fresh":
      return ttl === undefined ? `${name}; hit` : `${name}; hit; ttl=${ttl}`;
    case "stale":
      // A positive lifetime left on a stale value means a soft tag invalidation ended it early,
      // at a time this request does not know: no ttl then, rather than a wrong one.
      return ttl === undefined || ttl > 0 ? `${name}; hit; detail=invalidated` : `${name}; hit; ttl=${ttl}`;
    default: {
      // `stale`: an entry was there, too stale (or invalidated) to serve; `collapsed`: this
      // request shared a fetch another one started.
      const forward = served.sawEntry === true ? "stale" : "miss";
      const collapsed = served.collapsed === true ? "; collapsed" : "";
      return `${name}; fwd=${forward}${collapsed}; ${stored ? "stored" : "stored=?0"}`;
    }
  }
}

/**
 * The member when nothing was served and the request goes on without a value: the origin
 * failed (`fwd=miss; detail=fetch-error`), or the request was never sent there because
 * admission control refused the key or the fetch queue was full (`fwd=bypass`, RFC 9211 §2.2:
 * the cache was configured not to handle it).
 */
export function cacheStatusOfFailure(name: string, error: unknown): string {
  if (error instanceof IsrKeyRejectedError) return `${name}; fwd=bypass; detail=key-rejected`;
  if (error instanceof IsrOverloadedError) return `${name}; fwd=bypass; detail=overloaded`;
  return `${name}; fwd=miss; detail=fetch-error`;
}

/**
 * A `Cache-Status` field value with `member` added last. RFC 9211 §2: the list runs from the
 * cache closest to the origin to the one closest to the user, and a cache preserves what is
 * already there. Field lines of a list combine with commas (RFC 9110 §5.3).
 */
export function withCacheStatusMember(
  existing: string | number | readonly string[] | null | undefined,
  member: string,
): string {
  const lines =
    existing === undefined || existing === null ? [] : Array.isArray(existing) ? existing : [existing];
  const present = lines.map((line) => String(line).trim()).filter((line) => line !== "");
  return present.length === 0 ? member : `${present.join(", ")}, ${member}`;
}

/** Adds this cache's `Cache-Status` member to a response (copied if its headers are immutable). */
export function withStatusMember(response: Response, member: string | undefined): Response {
  if (member === undefined) return response;
  const value = withCacheStatusMember(response.headers.get(CACHE_STATUS_HEADER), member);
  try {
    response.headers.set(CACHE_STATUS_HEADER, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(CACHE_STATUS_HEADER, value);
    return copy;
  }
}
