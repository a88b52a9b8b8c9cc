import { parseCacheControl } from "./cache-control.js";
import type { PageRequest, ResolvedResponseOptions } from "./options.js";
import { joinedHeader } from "./page.js";

/**
 * Why a request is not served from (nor stored in) the cache, if it is not: only GET and HEAD
 * are, and a request carrying credentials only when the user said which of them join the key
 * (a page rendered for one user must never reach another).
 */
export function requestRefusal(request: PageRequest, options: ResolvedResponseOptions): string | undefined {
  if (request.method !== "GET" && request.method !== "HEAD") return "method";
  if (request.header("authorization") !== undefined && !options.keyHeaders.includes("authorization")) {
    return "authorization";
  }
  if (request.header("cookie") !== undefined && options.keyCookies === undefined) return "cookie";
  return undefined;
}

/**
 * Why a response must not be stored, from its status and headers alone (known before its
 * body): a status not listed, a cookie set, `Cache-Control: private`, `no-store` or
 * `no-cache`, or `Vary: *`. Headers are lower-case name/value pairs.
 */
export function headUnstorable(
  status: number,
  headers: ReadonlyArray<readonly [string, string]>,
  options: ResolvedResponseOptions,
): string | undefined {
  if (!options.statuses.has(status)) return `status ${status}`;
  if (headers.some(([name]) => name === "set-cookie")) return "set-cookie";
  const forbidden = parseCacheControl(joinedHeader(headers, "cache-control")).forbidden;
  if (forbidden !== undefined) return `cache-control: ${forbidden}`;
  if (varyOf(headers) === "*") return "vary: *";
  return undefined;
}

/** The request headers a response varies on (lower-case, sorted), `"*"`, or undefined for none. */
export function varyOf(headers: ReadonlyArray<readonly [string, string]>): string[] | "*" | undefined {
  const vary = joinedHeader(headers, "vary");
  if (vary === undefined) return undefined;
  const names = vary
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  if (names.includes("*")) return "*";
  return names.length === 0 ? undefined : [...new Set(names)].sort();
}

/** Header names that describe one connection, not the response: never stored nor replayed. */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Request headers a re-render without a client must not carry: they would make it conditional or partial. */
const NOT_REPLAYED = new Set([
  ...HOP_BY_HOP,
  "content-length",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "if-range",
  "range",
  "expect",
]);

/** The headers of a re-render's request, from those of the request that asked for it. */
export function replayedHeaders(
  headers: Iterable<readonly [string, string | string[] | undefined]>,
): Record<string, string> {
  const replayed: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (value === undefined || NOT_REPLAYED.has(lower) || lower.startsWith(":")) continue;
    replayed[lower] = Array.isArray(value) ? value.join(", ") : value;
  }
  return replayed;
}
