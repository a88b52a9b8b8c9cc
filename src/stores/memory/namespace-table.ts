import type { StoreEntry } from "../store.js";
import { type EntryTable, KeyKind, MemoryEntry } from "./entry.js";

/** A level of the array-key trie: Map keys keep `1` and `"1"` apart. */
interface TrieNode {
  entry: MemoryEntry | undefined;
  children: Map<string | number, TrieNode> | undefined;
}

/** What a namespace table needs of its store. */
export interface TableOwner {
  /** Takes in an entry the table just indexed, stored for `ttlMs`. */
  adopt(entry: MemoryEntry, ttlMs: number): void;
  /** Lets go of an entry the table no longer indexes. */
  release(entry: MemoryEntry): void;
}

type TableKey = string | readonly (string | number)[];

/**
 * The entries of one namespace, found by the caller's own key: string keys in a Map, array
 * keys in a trie of their parts, anything else (store keys not made by an engine) by text.
 * The engine reads and writes it directly, so a hit costs one Map lookup with the caller's
 * string — no encoded store key is built or hashed — and one write (the SIEVE bit).
 */
export class NamespaceTable implements EntryTable {
  readonly prefix: string;
  readonly #owner: TableOwner;
  readonly #strings = new Map<string, MemoryEntry>();
  readonly #arrays: TrieNode = { entry: undefined, children: undefined };
  readonly #others = new Map<string, MemoryEntry>();
  #arrayCount = 0;
  /** Engines reading this table; an empty table nobody holds is dropped by the store. */
  holders = 0;

  constructor(prefix: string, owner: TableOwner) {
    this.prefix = prefix;
    this.#owner = owner;
  }

  get size(): number {
    return this.#strings.size + this.#others.size + this.#arrayCount;
  }

  /** The entry of a string key, marked as read. */
  getString(key: string): MemoryEntry | undefined {
    const entry = this.#strings.get(key);
    if (entry !== undefined) entry.visited = true;
    return entry;
  }

  /** The entry of an array key (its parts already checked), marked as read. */
  getArray(key: readonly (string | number)[]): MemoryEntry | undefined {
    let level: TrieNode | undefined = this.#arrays;
    for (let i = 0; i < key.length && level !== undefined; i++) {
      level = level.children?.get(key[i] as string | number);
    }
    const entry = level?.entry;
    if (entry !== undefined) entry.visited = true;
    return entry;
  }

  /** The entry of a key, not marked as read (the store checks expiry first). */
  find(kind: KeyKind, key: TableKey): MemoryEntry | undefined {
    if (kind === KeyKind.String) return this.#strings.get(key as string);
    if (kind === KeyKind.Other) return this.#others.get(key as string);
    let level: TrieNode | undefined = this.#arrays;
    for (const part of key as readonly (string | number)[]) level = level?.children?.get(part);
    return level?.entry;
  }

  /**
   * Stores an entry. A replaced entry is let go, not changed: the engine may still hold it
   * (a stale value being refreshed, a stale-if-error value) and it must keep its times.
   * `source`: the object given through the generic `Store.set`, handed back by `Store.get`.
   */
  set(kind: KeyKind, key: TableKey, stored: StoreEntry, ttlMs: number, source?: StoreEntry): void {
    const known = this.find(kind, key);
    const ownKey = known?.key ?? (kind === KeyKind.Array ? [...(key as readonly (string | number)[])] : key);
    const entry = new MemoryEntry(kind, ownKey, this, stored, source);
    if (known !== undefined) this.#owner.release(known);
    if (kind === KeyKind.String) this.#strings.set(key as string, entry);
    else if (kind === KeyKind.Other) this.#others.set(key as string, entry);
    else this.#setArray(entry);
    this.#owner.adopt(entry, ttlMs);
  }

  delete(kind: KeyKind, key: TableKey): void {
    const entry = this.find(kind, key);
    if (entry === undefined) return;
    this.remove(entry);
    this.#owner.release(entry);
  }

  /** Stops indexing an entry (the store unlinks it). */
  remove(entry: MemoryEntry): void {
    if (entry.kind === KeyKind.String) this.#strings.delete(entry.key as string);
    else if (entry.kind === KeyKind.Other) this.#others.delete(entry.key as string);
    else this.#removeArray(entry.key as readonly (string | number)[]);
  }

  clear(): void {
    this.#strings.clear();
    this.#others.clear();
    this.#arrays.children = undefined;
    this.#arrays.entry = undefined;
    this.#arrayCount = 0;
  }

  /** The store key an engine would have encoded for an entry (for eviction listeners). */
  storeKeyOf(entry: MemoryEntry): string {
    if (entry.kind === KeyKind.String) return `${this.prefix}s${entry.key as string}`;
    if (entry.kind === KeyKind.Array) return `${this.prefix}a${JSON.stringify(entry.key)}`;
    return entry.key as string;
  }

  #setArray(entry: MemoryEntry): void {
    let level = this.#arrays;
    for (const part of entry.key as readonly (string | number)[]) {
      level.children ??= new Map();
      let next = level.children.get(part);
      if (next === undefined) {
        next = { entry: undefined, children: undefined };
        level.children.set(part, next);
      }
      level = next;
    }
    if (level.entry === undefined) this.#arrayCount += 1;
    level.entry = entry;
  }

  /** Removes an array key's entry, and the trie levels it leaves empty. */
  #removeArray(key: readonly (string | number)[]): void {
    const path: TrieNode[] = [this.#arrays];
    for (const part of key) {
      const next = path.at(-1)?.children?.get(part);
      if (next === undefined) return;
      path.push(next);
    }
    const leaf = path.at(-1) as TrieNode;
    if (leaf.entry === undefined) return;
    leaf.entry = undefined;
    this.#arrayCount -= 1;
    for (let i = key.length; i > 0; i--) {
      const level = path[i] as TrieNode;
      if (level.entry !== undefined || (level.children !== undefined && level.children.size > 0)) break;
      (path[i - 1] as TrieNode).children?.delete(key[i - 1] as string | number);
    }
  }
}
