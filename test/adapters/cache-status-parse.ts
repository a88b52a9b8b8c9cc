import { type BareItem, parseList, Token } from "structured-headers";

/** One member of a parsed `Cache-Status` list: the cache, and its parameters as plain values. */
export interface CacheStatusMember {
  cache: string;
  params: Record<string, string | number | boolean>;
}

/** RFC 9211 §2.2: why a request went forward. */
const FWD_REASONS = new Set([
  "bypass",
  "method",
  "uri-miss",
  "vary-miss",
  "miss",
  "request",
  "stale",
  "partial",
]);

function fail(header: string, why: string): never {
  throw new Error(`Cache-Status ${JSON.stringify(header)}: ${why}`);
}

/** The parameter's type as RFC 9211 §2 defines it (extension parameters are not used by isr-plug). */
function checkParam(header: string, name: string, value: BareItem): string | number | boolean {
  const isInteger = typeof value === "number" && Number.isInteger(value);
  switch (name) {
    case "hit":
    case "stored":
    case "collapsed":
      if (typeof value !== "boolean") fail(header, `${name} must be a Boolean`);
      return value;
    case "fwd":
      if (!(value instanceof Token) || !FWD_REASONS.has(value.toString())) {
        fail(header, `fwd must be one of the Tokens of RFC 9211 §2.2, got ${String(value)}`);
      }
      return value.toString();
    case "fwd-status":
    case "ttl":
      if (!isInteger) fail(header, `${name} must be an Integer`);
      return value as number;
    case "key":
      if (typeof value !== "string") fail(header, "key must be a String");
      return value;
    case "detail":
      if (!(value instanceof Token) && typeof value !== "string")
        fail(header, "detail must be a String or Token");
      return value.toString();
    default:
      return fail(header, `unexpected parameter ${name}`);
  }
}

/**
 * Parses a `Cache-Status` field value strictly: an RFC 8941 List (the parser throws on any
 * syntax error), each member an Item naming its cache with a String or Token, parameters of
 * the types RFC 9211 §2 gives them, `hit` and `fwd` never together, and `fwd-status`,
 * `stored`, `collapsed` only with `fwd`.
 */
export function parseCacheStatus(header: string | null | undefined): CacheStatusMember[] {
  if (header === null || header === undefined) throw new Error("no Cache-Status header");
  const members = parseList(header);
  return members.map(([item, parameters]) => {
    if (Array.isArray(item)) fail(header, "a member is an Inner List, not an Item");
    if (!(item instanceof Token) && typeof item !== "string")
      fail(header, "a cache must be named by a String or Token");
    const params: CacheStatusMember["params"] = {};
    for (const [name, value] of parameters) params[name] = checkParam(header, name, value);
    if ("hit" in params && "fwd" in params) fail(header, "hit and fwd are exclusive (RFC 9211 §2.1)");
    for (const name of ["fwd-status", "stored", "collapsed"]) {
      if (name in params && !("fwd" in params)) fail(header, `${name} is only meaningful with fwd`);
    }
    return { cache: item.toString(), params };
  });
}

/** The one member of a header that must hold exactly one. */
export function onlyMember(header: string | null | undefined): CacheStatusMember {
  const members = parseCacheStatus(header);
  if (members.length !== 1)
    throw new Error(`expected one Cache-Status member, got ${members.length}: ${header}`);
  return members[0] as CacheStatusMember;
}
