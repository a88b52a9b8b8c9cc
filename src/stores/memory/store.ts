import { coarseUptime } from "../../clock.js";
import { Log } from "../../log.js";
import { check } from "../../options.js";
import type { EvictionReason, Store, StoreEntry } from "../store.js";
import { LocalTagChannel } from "../tag-channel.js";
import { KeyKind, NamespaceTable, type TableOwner } from "./namespace-table.js";
import { EntrySlots, NONE } from "./slots.js";

/** Default bound of a memory store, in entries. */
export const DEFAULT_MEMORY_MAX = 10_000;

export interface MemoryStoreOptions {
  /**
   * Most entries kept; beyond it one is evicted (SIEVE: the oldest entry not read since the
   * eviction hand last passed — close to least recently used).
   * @default 10_000
   */
  max?: number;
  /**
   * Optional bound on the total size of the entries, as measured by `sizeOf`. When set,
   * entries are evicted (as for `max`) to stay under it, and an entry larger than the whole
   * bound is not stored.
   */
  maxBytes?: number;
  /**
   * Size of one entry, counted against `maxBytes`. The default is an estimate: two bytes
   * per character of the key and of the JSON form of the value, plus 64.
   */
  sizeOf?: (entry: StoreEntry, key: string) => number;
  /** Monotonic clock for expiry, in ms (tests pass a fake one). @default performance.now, read at most once per ms */
  now?: () => number;
}

/** A bounded in-memory store; synchronous, process-local. */
export interface MemoryStore extends Store {
  get(key: string): StoreEntry | undefined;
  set(key: string, entry: StoreEntry, ttlMs: number): void;
  delete(key: string): void;
  /** Number of entries held (including expired ones not yet dropped). */
  readonly size: number;
  /** Drops every entry. */
  clear(): void;
  onEvict(listener: (key: string, reason: EvictionReason) => void): () => void;
  onInvalidate(listener: (key: string | undefined) => void): () => void;
  /** Tag invalidations shared by the engines of this process that use this store. */
  readonly tags: LocalTagChannel;
}

/**
 * The engine's way into a memory store's namespace table (see NamespaceTable): a symbol
 * shared by every copy of the package, so an engine from the CJS build reads a store made
 * by the ESM one. Not part of the public API.
 * @internal
 */
export const MEMORY_TABLE = Symbol.for("isr-plug.memoryTable");

/** What an engine holds of a memory store: its namespace's table, given back on close. */
export interface HeldTable {
  readonly table: NamespaceTable;
  release(): void;
}

const ENTRY_OVERHEAD_BYTES = 64;

/** Rough size of an entry in bytes: JS strings are UTF-16, so two bytes per character. */
export function estimateEntrySize(entry: StoreEntry, key: string): number {
  let json: string | undefined;
  try {
    json = JSON.stringify(entry.value);
  } catch {
    json = undefined;
  }
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + (json?.length ?? 0));
}

/** An engine-encoded store key, split: `<length>:<namespace>:` then `s<string>` or `a<JSON array>`. */
interface ParsedKey {
  prefix: string;
  kind: KeyKind;
  key: string | (string | number)[];
}

/** A store key kept whole: for a store no engine reads directly (a tier of another store). */
function opaqueKey(key: string): ParsedKey {
  return { prefix: "", kind: KeyKind.Other, key };
}

function parseStoreKey(key: string): ParsedKey {
  const colon = key.indexOf(":");
  const length = colon > 0 && colon < 10 ? Number(key.slice(0, colon)) : Number.NaN;
  const end = colon + 1 + length;
  if (Number.isInteger(length) && key.charAt(end) === ":") {
    const prefix = key.slice(0, end + 1);
    const tag = key.charAt(end + 1);
    const rest = key.slice(end + 2);
    if (tag === "s") return { prefix, kind: KeyKind.String, key: rest };
    if (tag === "a") {
      const parts = parseArrayKey(rest);
      if (parts !== undefined) return { prefix, kind: KeyKind.Array, key: parts };
    }
  }
  return { prefix: "", kind: KeyKind.Other, key };
}

function parseArrayKey(text: string): (string | number)[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return undefined;
    for (const part of parsed) if (typeof part !== "string" && typeof part !== "number") return undefined;
    // Only the engine's own encoding maps back to the same parts.
    return JSON.stringify(parsed) === text ? (parsed as (string | number)[]) : undefined;
  } catch {
    return undefined;
  }
}

const log = new Log(undefined);

/** Calls a listener the user may have added: one that throws is logged and breaks nothing. */
function notify<A extends unknown[]>(listener: (...args: A) => void, ...args: A): void {
  try {
    listener(...args);
  } catch (error) {
    log.error({ error }, "a memory store listener threw; ignored");
  }
}

class SieveStore implements MemoryStore, TableOwner {
  readonly tags = new LocalTagChannel();
  readonly slots: EntrySlots;
  readonly #tables = new Map<string, NamespaceTable>();
  readonly #listeners = new Set<(key: string, reason: EvictionReason) => void>();
  readonly #deleteListeners = new Set<(key: string | undefined) => void>();
  readonly #max: number;
  readonly #maxBytes: number | undefined;
  readonly #sizeOf: (entry: StoreEntry, key: string) => number;
  readonly #now: () => number;
  /** Each slot's size against `maxBytes` (only kept with a bound). */
  readonly #sizes: Map<number, number> | undefined;
  #bytes = 0;

  readonly #parse: (key: string) => ParsedKey;

  constructor(
    max: number,
    maxBytes: number | undefined,
    sizeOf: MemoryStoreOptions["sizeOf"],
    now: () => number,
    parse: (key: string) => ParsedKey,
  ) {
    this.#parse = parse;
    this.#max = max;
    this.slots = new EntrySlots(max);
    this.#maxBytes = maxBytes;
    this.#sizeOf = sizeOf ?? estimateEntrySize;
    this.#now = now;
    this.#sizes = maxBytes === undefined ? undefined : new Map();
  }

  get size(): number {
    return this.slots.size;
  }

  get(key: string): StoreEntry | undefined {
    const parsed = this.#parse(key);
    const table = this.#tables.get(parsed.prefix);
    const slot = table?.find(parsed.kind, parsed.key);
    if (table === undefined || slot === undefined) return undefined;
    if ((this.slots.dropAt[slot] as number) <= this.#now()) {
      this.#evict(table, slot, "expired");
      return undefined;
    }
    this.slots.visit(slot);
    // What was given to set, as is (an engine's own writes read as a plain copy).
    return this.slots.entryAt(slot);
  }

  set(key: string, entry: StoreEntry, ttlMs: number): void {
    const parsed = this.#parse(key);
    if (ttlMs <= 0) {
      this.#remove(parsed.prefix, parsed.kind, parsed.key);
      return;
    }
    this.#table(parsed.prefix).set(parsed.kind, parsed.key, entry, ttlMs, entry);
  }

  delete(key: string): void {
    const parsed = this.#parse(key);
    this.#remove(parsed.prefix, parsed.kind, parsed.key);
    for (const listener of [...this.#deleteListeners]) notify(listener, key);
  }

  clear(): void {
    for (const table of this.#tables.values()) table.clear();
    this.slots.clear();
    this.#sizes?.clear();
    this.#bytes = 0;
    for (const [prefix, table] of this.#tables) if (table.holders === 0) this.#tables.delete(prefix);
    for (const listener of [...this.#deleteListeners]) notify(listener, undefined);
  }

  onEvict(listener: (key: string, reason: EvictionReason) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  onInvalidate(listener: (key: string | undefined) => void): () => void {
    this.#deleteListeners.add(listener);
    return () => {
      this.#deleteListeners.delete(listener);
    };
  }

  /** An engine's hold on its namespace's table (see MEMORY_TABLE). */
  [MEMORY_TABLE](prefix: string): HeldTable {
    const table = this.#table(prefix);
    table.holders += 1;
    let held = true;
    return {
      table,
      release: () => {
        if (!held) return;
        held = false;
        table.holders -= 1;
        this.#dropIfUnused(table);
      },
    };
  }

  /**
   * Takes in a slot its table just wrote. SIEVE makes room before it inserts, so a new entry
   * is never its own victim; a replaced one is skipped by the hand while others are evicted.
   * An entry over `maxBytes`, or one `sizeOf` throws on, is not kept (nor is the one it replaced).
   */
  adopt(slot: number, ttlMs: number, created: boolean): void {
    const slots = this.slots;
    slots.dropAt[slot] = Number.isFinite(ttlMs) ? this.#now() + ttlMs : Number.POSITIVE_INFINITY;
    const sizes = this.#sizes;
    if (sizes !== undefined) {
      const table = slots.owners[slot] as NamespaceTable;
      let bytes: number;
      try {
        bytes = Math.max(1, Math.ceil(this.#sizeOf(slots.entryAt(slot), table.storeKeyOf(slot))));
      } catch (error) {
        this.#drop(table, slot, created);
        throw error;
      }
      // An entry larger than the whole bound (or of no size at all: NaN) is not stored, and
      // not counted as an eviction.
      if (!(bytes <= (this.#maxBytes as number))) {
        this.#drop(table, slot, created);
        return;
      }
      this.#bytes += bytes - (sizes.get(slot) ?? 0);
      sizes.set(slot, bytes);
    }
    if (created) {
      this.#makeRoom(1, NONE);
      slots.push(slot);
    } else {
      this.#makeRoom(0, slot);
    }
  }

  /** Lets go of a slot whose new entry is not kept: never linked if `created`, else linked. */
  #drop(table: NamespaceTable, slot: number, created: boolean): void {
    if (!created) {
      this.#free(table, slot);
      return;
    }
    table.forget(slot);
    this.#dropSize(slot);
    this.slots.discard(slot);
    this.#dropIfUnused(table);
  }

  #remove(prefix: string, kind: KeyKind, key: string | (string | number)[]): void {
    const table = this.#tables.get(prefix);
    const slot = table?.find(kind, key);
    if (table !== undefined && slot !== undefined) this.#free(table, slot);
  }

  /** Unindexes and frees a slot. */
  #free(table: NamespaceTable, slot: number): void {
    table.forget(slot);
    this.#dropSize(slot);
    this.slots.release(slot);
    this.#dropIfUnused(table);
  }

  #dropSize(slot: number): void {
    const sizes = this.#sizes;
    if (sizes === undefined) return;
    this.#bytes -= sizes.get(slot) ?? 0;
    sizes.delete(slot);
  }

  /** Evicts until `incoming` more entries fit, never the slot `keep` (an entry being replaced). */
  #makeRoom(incoming: number, keep: number): void {
    const slots = this.slots;
    const maxBytes = this.#maxBytes ?? Number.POSITIVE_INFINITY;
    while (slots.size + incoming > this.#max || this.#bytes > maxBytes) {
      const victim = slots.victim();
      if (victim === NONE) return;
      if (victim === keep) {
        // Alone, it fits (it was checked against maxBytes): nothing else to evict.
        if (slots.size === 1) return;
        slots.visit(keep);
        continue;
      }
      this.#evict(slots.owners[victim] as NamespaceTable, victim, "capacity");
    }
  }

  #evict(table: NamespaceTable, slot: number, reason: EvictionReason): void {
    const key = this.#listeners.size === 0 ? "" : table.storeKeyOf(slot);
    this.#free(table, slot);
    if (this.#listeners.size === 0) return;
    for (const listener of [...this.#listeners]) notify(listener, key, reason);
  }

  #table(prefix: string): NamespaceTable {
    let table = this.#tables.get(prefix);
    if (table === undefined) {
      table = new NamespaceTable(prefix, this);
      this.#tables.set(prefix, table);
    }
    return table;
  }

  /** A namespace with no entries that no engine holds is forgotten (rebuilt apps leave none behind). */
  #dropIfUnused(table: NamespaceTable): void {
    if (table.holders === 0 && table.size === 0 && this.#tables.get(table.prefix) === table) {
      this.#tables.delete(table.prefix);
    }
  }
}

/**
 * Creates a bounded in-memory store: at most `max` entries (and `maxBytes`, if given); beyond
 * them SIEVE evicts the oldest entry not read since its hand last passed. Entries also expire
 * when their `ttlMs` has passed.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  check.object(options, ["max", "maxBytes", "sizeOf", "now"]);
  const { max = DEFAULT_MEMORY_MAX, maxBytes, sizeOf, now } = options;
  check.integer("max", max, DEFAULT_MEMORY_MAX);
  check.integer("maxBytes", maxBytes, 0);
  check.function("sizeOf", sizeOf);
  if (sizeOf !== undefined && maxBytes === undefined) {
    throw new TypeError('isr-plug: "sizeOf" only applies with "maxBytes"');
  }
  check.function("now", now);
  return new SieveStore(max, maxBytes, sizeOf, now ?? coarseUptime, parseStoreKey);
}

/**
 * A memory store whose keys are kept whole, never split into an engine's namespace table: the
 * Redis store's local tier, which only its own store reads, so no engine takes the table path.
 * @internal
 */
export function createTierStore(max: number, maxBytes: number | undefined): MemoryStore {
  return new SieveStore(max, maxBytes, undefined, coarseUptime, opaqueKey);
}

// Kept on globalThis so the ESM and CJS builds (or two installed copies) share one store.
const DEFAULT_STORE = Symbol.for("isr-plug.defaultStore");

/** The memory store every engine of the process shares when given no `store` (the seed's default table). */
export function defaultStore(): MemoryStore {
  const holder = globalThis as { [DEFAULT_STORE]?: MemoryStore };
  holder[DEFAULT_STORE] ??= createMemoryStore();
  return holder[DEFAULT_STORE];
}
