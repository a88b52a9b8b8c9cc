import { CACHE_STATUS_HEADER, cacheStatusOf, withCacheStatusMember } from "../adapters/cache-status.js";
import type { Served } from "../engine.js";
import { noneMatch } from "./etag.js";
import type { PageRequest } from "./options.js";
import { bodyOf, type PageValue, type StoredPage } from "./page.js";

/** A page answered from the cache: what the adapter writes. Header names are lower-case. */
export interface CachedAnswer {
  readonly kind: "hit";
  readonly status: number;
  readonly headers: Array<[string, string]>;
  /** Undefined for HEAD and 304: no body is sent (`content-length` still tells the GET body's size). */
  readonly body: Uint8Array | undefined;
}

/** RFC 9110 §15.4.5: what a 304 carries of the page's headers. */
const NOT_MODIFIED_HEADERS = new Set([
  "cache-control",
  "content-location",
  "date",
  "etag",
  "expires",
  "vary",
]);

/**
 * The answer to a request from a stored page: its headers with a correct `Age` (RFC 9111
 * §5.1: the age the route gave plus the time spent here, whole seconds) and, when on, this
 * cache's `Cache-Status` member; a `304` when `If-None-Match` names its validator.
 */
export function answerFrom(
  page: StoredPage,
  served: Served<PageValue>,
  request: PageRequest,
  cacheStatusName: string | undefined,
): CachedAnswer {
  const ifNoneMatch = request.header("if-none-match");
  const notModified =
    ifNoneMatch !== undefined &&
    (page.status === 200 || page.status === 203) &&
    noneMatch(ifNoneMatch, page.etag);
  const headers: Array<[string, string]> = [];
  let age = Math.floor(served.ageMs / 1_000);
  let cacheStatus: string | undefined;
  for (const [name, value] of page.headers) {
    if (name === "age") {
      const stored = Number(value);
      if (Number.isInteger(stored) && stored > 0) age += stored;
    } else if (name === "content-length") {
      // Written again below from the stored bytes.
    } else if (name === "cache-status") {
      cacheStatus = cacheStatus === undefined ? value : `${cacheStatus}, ${value}`;
    } else if (!notModified || NOT_MODIFIED_HEADERS.has(name)) {
      headers.push([name, value]);
    }
  }
  headers.push(["age", String(age)]);
  if (cacheStatusName !== undefined) {
    headers.push([
      CACHE_STATUS_HEADER.toLowerCase(),
      withCacheStatusMember(cacheStatus, cacheStatusOf(cacheStatusName, served, served.stored)),
    ]);
  } else if (cacheStatus !== undefined) {
    headers.push(["cache-status", cacheStatus]);
  }
  if (notModified) return { kind: "hit", status: 304, headers, body: undefined };
  const body = bodyOf(page);
  if (page.status !== 204 && page.status !== 304) headers.push(["content-length", String(body.length)]);
  return { kind: "hit", status: page.status, headers, body: request.method === "HEAD" ? undefined : body };
}
