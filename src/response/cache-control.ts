/** The `Cache-Control` directives of a response that the response cache acts on. */
export interface CacheDirectives {
  /** `private`, `no-store` or `no-cache` (with or without field names): never stored. */
  forbidden: string | undefined;
  /** `s-maxage`, else `max-age`, in ms. */
  ttlMs: number | undefined;
  /** `stale-while-revalidate` (RFC 5861), in ms. */
  staleTtlMs: number | undefined;
  /** `stale-if-error` (RFC 5861), in ms. */
  staleIfErrorMs: number | undefined;
}

const FORBIDDING = new Set(["private", "no-store", "no-cache"]);

/**
 * Reads a `Cache-Control` field value (RFC 9111 §5.2): comma-separated directives, names
 * case-insensitive, arguments as tokens or quoted strings. A duration that is not a whole
 * number of seconds is ignored, as a cache must (§1.2.2).
 */
export function parseCacheControl(value: string | undefined): CacheDirectives {
  const directives: CacheDirectives = {
    forbidden: undefined,
    ttlMs: undefined,
    staleTtlMs: undefined,
    staleIfErrorMs: undefined,
  };
  if (value === undefined) return directives;
  let maxAgeMs: number | undefined;
  let sharedMaxAgeMs: number | undefined;
  // Quoted arguments (no-cache="set-cookie, x") may hold commas: split outside quotes only.
  for (const part of value.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const equals = part.indexOf("=");
    const name = (equals === -1 ? part : part.slice(0, equals)).trim().toLowerCase();
    if (FORBIDDING.has(name)) {
      directives.forbidden ??= name;
      continue;
    }
    if (equals === -1) continue;
    const ms = secondsToMs(part.slice(equals + 1).trim());
    if (ms === undefined) continue;
    if (name === "s-maxage") sharedMaxAgeMs = ms;
    else if (name === "max-age") maxAgeMs = ms;
    else if (name === "stale-while-revalidate") directives.staleTtlMs = ms;
    else if (name === "stale-if-error") directives.staleIfErrorMs = ms;
  }
  directives.ttlMs = sharedMaxAgeMs ?? maxAgeMs;
  return directives;
}

function secondsToMs(argument: string): number | undefined {
  const text = argument.startsWith('"') && argument.endsWith('"') ? argument.slice(1, -1) : argument;
  return /^\d+$/.test(text) ? Number(text) * 1_000 : undefined;
}
