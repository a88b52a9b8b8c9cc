import type { CacheKey } from "../key.js";
import type { PageRequest, ResolvedResponseOptions } from "./options.js";

/**
 * The page's key: the user's, or the host (and the URL's own host where that differs) and the
 * path with its query; then the headers and
 * cookies the user listed, so requests differing in them never share a page. The method is
 * not part of it: GET and HEAD share one entry.
 */
export function pageKey(request: PageRequest, options: ResolvedResponseOptions): Array<string | number> {
  const named = options.key?.(request);
  const key: Array<string | number> = ["page"];
  if (named === undefined) {
    key.push(request.host, request.url);
    // A route that reads its host from its own URL renders for that host: when it differs from
    // `Host`, both name the page, so no request can store one host's page under another's.
    const urlHost = request.urlHost;
    if (urlHost !== undefined && urlHost.toLowerCase() !== request.host.toLowerCase())
      key.push(`url-host:${urlHost}`);
  } else if (typeof named === "string") key.push(named);
  else key.push(...named);
  // A missing header or cookie is not an empty one (a route may tell them apart): no separator.
  for (const name of options.keyHeaders) {
    const value = request.header(name);
    key.push(value === undefined ? name : `${name}:${value}`);
  }
  if (options.keyCookies !== undefined && options.keyCookies.length > 0) {
    const cookies = cookiesOf(request.header("cookie"));
    for (const name of options.keyCookies) {
      const value = cookies.get(name);
      key.push(value === undefined ? `cookie:${name}` : `cookie:${name}=${value}`);
    }
  }
  return key;
}

/** The key of one variant of a page that varies on `names` (its `Vary`): the request's values of them. */
export function variantKey(base: CacheKey, names: readonly string[], values: readonly string[]): CacheKey {
  const key = typeof base === "string" ? [base] : [...base];
  key.push("vary");
  for (let i = 0; i < names.length; i++) key.push(`${names[i]}:${values[i]}`);
  return key;
}

/** What a missing header varies to: NUL, which no header value can hold, so never an empty one. */
const ABSENT = "\u0000";

/** The request's values of the headers a page varies on, whitespace normalised. */
export function varyValues(request: PageRequest, names: readonly string[]): string[] {
  return names.map((name) => {
    const value = request.header(name);
    return value === undefined ? ABSENT : value.replace(/\s+/g, " ").trim();
  });
}

function cookiesOf(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals === -1) continue;
    const name = pair.slice(0, equals).trim();
    if (!cookies.has(name)) cookies.set(name, pair.slice(equals + 1).trim());
  }
  return cookies;
}

const MAX_TAG_LENGTH = 256;

/** The implicit tag every page stored for a path carries, so `invalidatePath` reaches all its variants. */
export function pathTag(path: string): string {
  const tag = `path:${pathnameOf(path)}`;
  return tag.length <= MAX_TAG_LENGTH ? tag : `path#${fnv1a(tag)}`;
}

/** The path of a URL's path-and-query, normalised as WHATWG URL parsing does (dot segments, escapes). */
export function pathnameOf(url: string): string {
  return new URL(url, "http://localhost").pathname;
}

// FNV-1a, twice with different seeds: a short stable name for a path too long to be a tag.
function fnv1a(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
