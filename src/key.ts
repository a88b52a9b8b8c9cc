/** What `cacheKey` may return: a string, or an array of strings and finite numbers. */
export type CacheKey = string | readonly (string | number)[];

/** The constant key every request shares when no `cacheKey` is given (the seed's `:isr_plug_default_key`). */
export const DEFAULT_CACHE_KEY = "isr_plug_default_key";

/**
 * Turns a namespace into the prefix of all its store keys. The length comes first, so no
 * namespace can end where another begins ("a" + "b:c" never meets "a:b" + "c").
 */
export function namespacePrefix(namespace: string): string {
  return `${namespace.length}:${namespace}:`;
}

/**
 * Encodes a cache key under a namespace prefix. Strings are tagged `s` and kept verbatim;
 * arrays are tagged `a` and JSON-encoded, which quotes strings and not numbers, so
 * `["a:b"]` ≠ `["a","b"]`, `["x",1]` ≠ `["x","1"]` and `"a"` ≠ `["a"]`.
 */
export function encodeKey(prefix: string, key: CacheKey): string {
  if (typeof key === "string") return `${prefix}s${key}`;
  if (!Array.isArray(key)) throw invalidKey(key);
  for (const part of key) {
    if (typeof part === "string") continue;
    if (typeof part === "number" && Number.isFinite(part)) continue;
    throw invalidKey(key);
  }
  return `${prefix}a${JSON.stringify(key)}`;
}

function invalidKey(key: unknown): TypeError {
  let shown: string;
  try {
    shown = JSON.stringify(key) ?? String(key);
  } catch {
    shown = Object.prototype.toString.call(key);
  }
  return new TypeError(
    `isr-plug: a cache key must be a string or an array of strings and finite numbers, got ${shown}`,
  );
}

/** The cache key a store key was encoded from, if the store key is under `prefix`. */
export function decodeKey(prefix: string, storeKey: string): CacheKey | undefined {
  if (!storeKey.startsWith(prefix)) return undefined;
  const tag = storeKey.charAt(prefix.length);
  const rest = storeKey.slice(prefix.length + 1);
  if (tag === "s") return rest;
  if (tag !== "a") return undefined;
  try {
    const parsed: unknown = JSON.parse(rest);
    return Array.isArray(parsed) ? (parsed as (string | number)[]) : undefined;
  } catch {
    return undefined;
  }
}
