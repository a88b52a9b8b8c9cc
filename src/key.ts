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

/** Most keys an encoder remembers before it starts over (a flood of new keys only costs re-encoding). */
const ENCODER_MAX = 10_000;

type Trie = Map<string | number | typeof END, Trie | string>;
const END = Symbol("end");

/**
 * Encodes keys under one namespace and remembers what it encoded, handing back the very same
 * string object each time. A store's map then finds it by its cached hash instead of hashing
 * and flattening a freshly built string on every request, which dominated the cost of a hit
 * on large caches. Array keys are remembered in a trie of their parts: Map keys keep `1` and
 * `"1"` apart, and an END mark keeps `["a"]` apart from `["a", "b"]`.
 */
export class KeyEncoder {
  readonly #prefix: string;
  readonly #strings = new Map<string, string>();
  readonly #arrays: Trie = new Map();
  #remembered = 0;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  encode(key: CacheKey): string {
    if (typeof key === "string") {
      const known = this.#strings.get(key);
      if (known !== undefined) return known;
      const encoded = encodeKey(this.#prefix, key);
      this.#remember();
      this.#strings.set(key, encoded);
      return encoded;
    }
    if (!Array.isArray(key)) return encodeKey(this.#prefix, key);
    let node = this.#arrays;
    for (const part of key) {
      const next = node.get(part);
      if (next === undefined || typeof next === "string") return this.#rememberArray(key);
      node = next;
    }
    const known = node.get(END);
    return typeof known === "string" ? known : this.#rememberArray(key);
  }

  #rememberArray(key: readonly (string | number)[]): string {
    // Validates the parts too: a bad key throws before anything is remembered.
    const encoded = encodeKey(this.#prefix, key);
    this.#remember();
    let node = this.#arrays;
    for (const part of key) {
      let next = node.get(part);
      if (next === undefined || typeof next === "string") {
        next = new Map();
        node.set(part, next);
      }
      node = next;
    }
    node.set(END, encoded);
    return encoded;
  }

  #remember(): void {
    if (++this.#remembered <= ENCODER_MAX) return;
    this.#strings.clear();
    this.#arrays.clear();
    this.#remembered = 1;
  }
}
