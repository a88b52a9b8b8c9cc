/** What `cacheKey` may return: a string, or an array of strings and finite numbers. */
export type CacheKey = string | readonly (string | number)[];

/** The constant key every request shares when no `cacheKey` is given (the seed's `:isr_plug_default_key`). */
export const DEFAULT_CACHE_KEY = "isr_plug_default_key";

const NAMESPACES_TAKEN = Symbol.for("isr-plug.privateNamespaces");

/**
 * A namespace of its own for an engine given none: `isr_plug_cache#<n>`, counted per process
 * (across the ESM and CJS builds), so engines that did not name one never share entries.
 */
export function privateNamespace(base: string): string {
  const holder = globalThis as { [NAMESPACES_TAKEN]?: number };
  const n = (holder[NAMESPACES_TAKEN] ?? 0) + 1;
  holder[NAMESPACES_TAKEN] = n;
  return `${base}#${n}`;
}

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

/** An array key whose parts are all strings and finite numbers, else a `TypeError`. */
export function checkedArrayKey(key: unknown): readonly (string | number)[] {
  if (!Array.isArray(key)) throw invalidKey(key);
  for (const part of key) {
    if (typeof part === "string") continue;
    if (typeof part === "number" && Number.isFinite(part)) continue;
    throw invalidKey(key);
  }
  return key;
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

/** A key as it appears in messages. */
export function keyText(key: CacheKey): string {
  return JSON.stringify(key) ?? String(key);
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
const ENCODER_MAX_KEYS = 10_000;
/** Most characters of encoded keys it remembers (about 8 MB), whatever their number. */
const ENCODER_MAX_CHARS = 4 * 1024 * 1024;

type Trie = Map<string | number | typeof END, Trie | string>;
const END = Symbol("end");

/**
 * Encodes keys under one namespace and remembers the keys of stored entries, handing back the
 * very same string object each time. A store's map then finds it by its cached hash instead
 * of hashing and flattening a freshly built string on every request, which dominated the cost
 * of a hit on large caches. Only keys whose entries were stored are remembered (`remember`),
 * so a refused or failing key costs nothing once its request is answered; the memory is
 * bounded in keys and in characters. Array keys are remembered in a trie of their parts: Map
 * keys keep `1` and `"1"` apart, and an END mark keeps `["a"]` apart from `["a", "b"]`.
 */
export class KeyEncoder {
  readonly #prefix: string;
  readonly #strings = new Map<string, string>();
  readonly #arrays: Trie = new Map();
  #keys = 0;
  #chars = 0;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** The store key of `key`; a `TypeError` for anything that is not a key. */
  encode(key: CacheKey): string {
    if (typeof key === "string") return this.#strings.get(key) ?? encodeKey(this.#prefix, key);
    if (!Array.isArray(key)) return encodeKey(this.#prefix, key);
    let node = this.#arrays;
    for (const part of key) {
      const next = node.get(part);
      if (next === undefined || typeof next === "string") return encodeKey(this.#prefix, key);
      node = next;
    }
    const known = node.get(END);
    return typeof known === "string" ? known : encodeKey(this.#prefix, key);
  }

  /** Remembers the store key of a key whose entry was just stored. */
  remember(key: CacheKey, storeKey: string): void {
    if (this.#keys >= ENCODER_MAX_KEYS || this.#chars + storeKey.length > ENCODER_MAX_CHARS) {
      this.#strings.clear();
      this.#arrays.clear();
      this.#keys = 0;
      this.#chars = 0;
      if (storeKey.length > ENCODER_MAX_CHARS) return;
    }
    if (typeof key === "string") {
      if (this.#strings.has(key)) return;
      this.#strings.set(key, storeKey);
    } else {
      let node = this.#arrays;
      for (const part of key) {
        let next = node.get(part);
        if (next === undefined || typeof next === "string") {
          next = new Map();
          node.set(part, next);
        }
        node = next;
      }
      if (node.has(END)) return;
      node.set(END, storeKey);
    }
    this.#keys += 1;
    this.#chars += storeKey.length;
  }
}
