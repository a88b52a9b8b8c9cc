import type { StoreEntry } from "../store.js";
import type { EntrySlots } from "./slots.js";

/** Where a key lives in a namespace: a string key, an array key, or any other store key. */
export enum KeyKind {
  String = 0,
  Array = 1,
  Other = 2,
}

/** A key inside its namespace: a string, or the parts of an array key. */
export type TableKey = string | readonly (string | number)[];

/** A level of the array-key trie: Map keys keep `1` and `"1"` apart. */
interface TrieNode {
  slot: number | undefined;
  children: Map<string | number, TrieNode> | undefined;
}

/** What a namespace table needs of its store. */
export interface TableOwner {
  readonly slots: EntrySlots;
  /** Takes in a slot the table just filled, stored for `ttlMs` (`created`: a new one). */
  adopt(slot: number, ttlMs: number, created: boolean): void;
}

/**
 * The entries of one namespace, found by the caller's own key: string keys in a Map, array
 * keys in a trie of their parts, anything else (store keys not made by an engine) by text.
 * The engine reads it directly, so a hit costs one Map lookup with the caller's string — no
 * encoded store key is built or hashed — and one bit written (SIEVE's).
 */
export class NamespaceTable {
  readonly prefix: string;
  readonly slots: EntrySlots;
  readonly #owner: TableOwner;
  readonly #strings = new Map<string, number>();
  readonly #arrays: TrieNode = { slot: undefined, children: undefined };
  readonly #others = new Map<string, number>();
  #arrayCount = 0;
  /** Engines reading this table; an empty table nobody holds is dropped by the store. */
  holders = 0;

  constructor(prefix: string, owner: TableOwner) {
    this.prefix = prefix;
    this.#owner = owner;
    this.slots = owner.slots;
  }

  get size(): number {
    return this.#strings.size + this.#others.size + this.#arrayCount;
  }

  /** The slot of a string key, marked as read. */
  stringSlot(key: string): number | undefined {
    const slot = this.#strings.get(key);
    if (slot !== undefined) this.slots.visit(slot);
    return slot;
  }

  /** The slot of an array key (its parts already checked), marked as read. */
  arraySlot(key: readonly (string | number)[]): number | undefined {
    let level: TrieNode | undefined = this.#arrays;
    for (let i = 0; i < key.length && level !== undefined; i++) {
      level = level.children?.get(key[i] as string | number);
    }
    const slot = level?.slot;
    if (slot !== undefined) this.slots.visit(slot);
    return slot;
  }

  /** The slot of a key, not marked as read (the store checks expiry first). */
  find(kind: KeyKind, key: TableKey): number | undefined {
    if (kind === KeyKind.String) return this.#strings.get(key as string);
    if (kind === KeyKind.Other) return this.#others.get(key as string);
    let level: TrieNode | undefined = this.#arrays;
    for (const part of key as readonly (string | number)[]) level = level?.children?.get(part);
    return level?.slot;
  }

  /**
   * Stores an entry: a known key's slot is overwritten in place (an entry handed out before
   * was a copy or the immutable object kept beside, so nothing the engine holds changes).
   * `kept`: the object given through the generic `Store.set`, handed back by `Store.get`.
   */
  set(kind: KeyKind, key: TableKey, entry: StoreEntry, ttlMs: number, kept?: StoreEntry): void {
    const slots = this.slots;
    const known = this.find(kind, key);
    if (known !== undefined) {
      slots.write(known, entry, kept);
      this.#owner.adopt(known, ttlMs, false);
      return;
    }
    const slot = slots.take();
    slots.write(slot, entry, kept);
    slots.keys[slot] = kind === KeyKind.Array ? [...(key as readonly (string | number)[])] : key;
    slots.owners[slot] = this;
    if (kind === KeyKind.String) this.#strings.set(key as string, slot);
    else if (kind === KeyKind.Other) this.#others.set(key as string, slot);
    else this.#setArray(key as readonly (string | number)[], slot);
    this.#owner.adopt(slot, ttlMs, true);
  }

  /** Stops indexing a slot's key (the store frees the slot). */
  forget(slot: number): void {
    const key = this.slots.keys[slot] as TableKey;
    const kind = this.kindOf(key);
    if (kind === KeyKind.String) this.#strings.delete(key as string);
    else if (kind === KeyKind.Other) this.#others.delete(key as string);
    else this.#removeArray(key as readonly (string | number)[]);
  }

  clear(): void {
    this.#strings.clear();
    this.#others.clear();
    this.#arrays.children = undefined;
    this.#arrays.slot = undefined;
    this.#arrayCount = 0;
  }

  /** The store key an engine would have encoded for a slot's key (for eviction listeners). */
  storeKeyOf(slot: number): string {
    const key = this.slots.keys[slot] as TableKey;
    const kind = this.kindOf(key);
    if (kind === KeyKind.String) return `${this.prefix}s${key as string}`;
    if (kind === KeyKind.Array) return `${this.prefix}a${JSON.stringify(key)}`;
    return key as string;
  }

  /** The table of store keys that are no engine's ("" prefix) holds them as text. */
  kindOf(key: TableKey): KeyKind {
    if (this.prefix === "") return KeyKind.Other;
    return typeof key === "string" ? KeyKind.String : KeyKind.Array;
  }

  #setArray(key: readonly (string | number)[], slot: number): void {
    let level = this.#arrays;
    for (const part of key) {
      level.children ??= new Map();
      let next = level.children.get(part);
      if (next === undefined) {
        next = { slot: undefined, children: undefined };
        level.children.set(part, next);
      }
      level = next;
    }
    if (level.slot === undefined) this.#arrayCount += 1;
    level.slot = slot;
  }

  /** Removes an array key, and the trie levels it leaves empty. */
  #removeArray(key: readonly (string | number)[]): void {
    const path: TrieNode[] = [this.#arrays];
    for (const part of key) {
      const next = path.at(-1)?.children?.get(part);
      if (next === undefined) return;
      path.push(next);
    }
    const leaf = path.at(-1) as TrieNode;
    if (leaf.slot === undefined) return;
    leaf.slot = undefined;
    this.#arrayCount -= 1;
    for (let i = key.length; i > 0; i--) {
      const level = path[i] as TrieNode;
      if (level.slot !== undefined || (level.children !== undefined && level.children.size > 0)) break;
      (path[i - 1] as TrieNode).children?.delete(key[i - 1] as string | number);
    }
  }
}
