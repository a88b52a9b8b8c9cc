import { describeValue } from "../check.js";
import type { CacheKey } from "../key.js";
import type { IsrOptions } from "../options.js";
import type { PageValue, Rendered } from "./page.js";

/** The request as the response cache sees it, whatever the framework. */
export interface PageRequest {
  /** Upper-case. */
  readonly method: string;
  /** The `Host` header (HTTP/2's `:authority`), as sent. */
  readonly host: string;
  /** Path and query, as requested (`/blog/hello?page=2`). */
  readonly url: string;
  /**
   * The host of the URL the route itself is handed, where the framework builds it from the
   * request line rather than from `Host` (Web `Request.url`, Hono's `c.req.url`): an
   * absolute-form request (`GET http://a/ HTTP/1.1` with `Host: b`) or a framework that sets
   * its own address (Next.js). Undefined where the route only sees `Host`.
   */
  readonly urlHost?: string;
  /** A request header by lower-case name; several lines joined with `, `. */
  header(name: string): string | undefined;
}

/** What a render of a page is given by the engine (its "extracted" data). @internal */
export interface RenderJob {
  readonly request: PageRequest;
  /** Renders on the waiting client's own response (streamed to it while captured); taken once. */
  live: (() => Promise<Rendered>) | undefined;
  /** Renders without a client (an injected request): background re-renders, HEAD misses. */
  readonly background: () => Promise<Rendered>;
  /** Set once `live` was called: this request's answer is its own render. */
  rendering: boolean;
}

/** Options of `isrResponse` in every adapter: the core options (but `fetch` and `tags`) plus these. */
export interface ResponseCacheOptions extends Omit<IsrOptions<PageValue, RenderJob>, "fetch" | "tags"> {
  /**
   * Names the page for a request. @default the `Host` header and the URL's path and query
   * (GET and HEAD share it)
   */
  key?: (request: PageRequest) => CacheKey;
  /**
   * Request headers whose values join the key. A request carrying `Authorization` is only
   * cached when `"authorization"` is listed here. @default none
   */
  keyHeaders?: readonly string[];
  /**
   * Cookies whose values join the key. Without it a request carrying a `Cookie` header is not
   * cached; with it (even `[]`), the listed cookies join the key and the others are ignored.
   */
  keyCookies?: readonly string[];
  /** Response statuses stored. @default [200, 203, 204, 300, 301, 404, 410] (RFC 9110 §15.1 heuristically cacheable) */
  statuses?: readonly number[];
  /** Largest body stored, in bytes; a bigger response is passed through (logged once). @default 1_048_576 */
  maxBodyBytes?: number;
  /** Response header listing the page's tags, comma-separated, for `invalidateTag`. @default "cache-tag" */
  tagHeader?: string;
  /** Adds this cache's member to the RFC 9211 `Cache-Status` header; a string names the cache. @default false */
  cacheStatus?: boolean | string;
}

export const RESPONSE_DEFAULTS = Object.freeze({
  statuses: Object.freeze([200, 203, 204, 300, 301, 404, 410]),
  maxBodyBytes: 1_048_576,
  tagHeader: "cache-tag",
  /**
   * Bound on the memory store a response cache makes for itself when given no `store`: pages
   * are large, so the process-wide store shared with data engines (bounded by count) is not used.
   */
  storeMaxBytes: 64 * 1_048_576,
});

export interface ResolvedResponseOptions {
  key: ((request: PageRequest) => CacheKey) | undefined;
  keyHeaders: readonly string[];
  keyCookies: readonly string[] | undefined;
  statuses: ReadonlySet<number>;
  maxBodyBytes: number;
  tagHeader: string;
}

/** Validates the response cache's own options; the core's are the engine's to check. */
export function resolveResponseOptions(options: ResponseCacheOptions): ResolvedResponseOptions {
  const { key, keyHeaders, keyCookies, statuses, maxBodyBytes, tagHeader } = options;
  if (key !== undefined && typeof key !== "function") {
    throw new TypeError(`isr-plug: "key" must be a function, got ${describeValue(key)}`);
  }
  const names = (name: string, list: unknown): string[] | undefined => {
    if (list === undefined) return undefined;
    if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item === "")) {
      throw new TypeError(`isr-plug: "${name}" must be an array of names, got ${describeValue(list)}`);
    }
    return list;
  };
  const headers = names("keyHeaders", keyHeaders)?.map((name) => name.toLowerCase()) ?? [];
  const cookies = names("keyCookies", keyCookies);
  if (
    statuses !== undefined &&
    (!Array.isArray(statuses) ||
      statuses.some((status) => !Number.isInteger(status) || status < 100 || status > 599))
  ) {
    throw new TypeError(
      `isr-plug: "statuses" must be an array of HTTP statuses, got ${describeValue(statuses)}`,
    );
  }
  if (maxBodyBytes !== undefined && (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0)) {
    throw new TypeError(
      `isr-plug: "maxBodyBytes" must be an integer >= 0, got ${describeValue(maxBodyBytes)}`,
    );
  }
  if (tagHeader !== undefined && (typeof tagHeader !== "string" || tagHeader === "")) {
    throw new TypeError(`isr-plug: "tagHeader" must be a header name, got ${describeValue(tagHeader)}`);
  }
  return {
    key,
    keyHeaders: headers,
    keyCookies: cookies,
    statuses: new Set(statuses ?? RESPONSE_DEFAULTS.statuses),
    maxBodyBytes: maxBodyBytes ?? RESPONSE_DEFAULTS.maxBodyBytes,
    tagHeader: (tagHeader ?? RESPONSE_DEFAULTS.tagHeader).toLowerCase(),
  };
}
