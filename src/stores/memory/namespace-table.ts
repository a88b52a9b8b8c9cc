import type { StoreEntry } from "../store.js";
import { KeyKind, type Node } from "./sieve.js";

/** A level of the array-key trie: Map keys keep `1` and `"1"` apart. */
interface TrieNode {
  node: Node | undefined;
  children: Map<string | number, TrieNode> | undefined;
}

/** What a namespace table needs of its store. */
export interface TableOwner {
  /** Stores `entry` in a node the table just made (`created`) or already had. */
  adopt(node: Node, entry: StoreEntry, ttlMs: number, created: boolean): void;
  /** Drops a node the table no longer indexes. */
  release(node: Node): void;
}

/**
 * The entries of one namespace, found by the caller's own key: string keys in a Map, array
 * keys in a trie of their parts, anything else (store keys not made by an engine) by text.
 * The engine reads it directly, so a hit costs one Map lookup with the caller's string —
 * no encoded store key is built or hashed — and one write (the SIEVE bit).
 */
export class NamespaceTable {
  readonly prefix: string;
  readonly #owner: TableOwner;
  readonly #strings = new Map<string, Node>();
  readonly #arrays: TrieNode = { node: undefined, children: undefined };
  readonly #others = new Map<string, Node>();
  /** Engines reading this table; an empty table nobody holds is dropped by the store. */
  holders = 0;
  readonly storeKeyOf = (node: Node): string => storeKeyOf(this.prefix, node);

  constructor(prefix: string, owner: TableOwner) {
    this.prefix = prefix;
    this.#owner = owner;
  }

  get size(): number {
    return this.#strings.size + this.#others.size + this.#arrayCount;
  }

  #arrayCount = 0;

  /** The entry of a string key, marked as read. */
  getString(key: string): StoreEntry | undefined {
    const node = this.#strings.get(key);
    if (node === undefined) return undefined;
    node.visited = true;
    return node.entry;
  }

  /** The entry of an array key (its parts already checked), marked as read. */
  getArray(key: readonly (string | number)[]): StoreEntry | undefined {
    let level: TrieNode | undefined = this.#arrays;
    for (let i = 0; i < key.length && level !== undefined; i++) {
      level = level.children?.get(key[i] as string | number);
    }
    const node = level?.node;
    if (node === undefined) return undefined;
    node.visited = true;
    return node.entry;
  }

  getOther(key: string): StoreEntry | undefined {
    const node = this.#others.get(key);
    if (node === undefined) return undefined;
    node.visited = true;
    return node.entry;
  }

  /** The node of a key, not marked as read (for the store's own checks). */
  find(kind: KeyKind, key: string | readonly (string | number)[]): Node | undefined {
    if (kind === KeyKind.String) return this.#strings.get(key as string);
    if (kind === KeyKind.Other) return this.#others.get(key as string);
    let level: TrieNode | undefined = this.#arrays;
    for (const part of key as readonly (string | number)[]) level = level?.children?.get(part);
    return level?.node;
  }

  set(kind: KeyKind, key: string | readonly (string | number)[], entry: StoreEntry, ttlMs: number): void {
    const known = this.find(kind, key);
    if (known !== undefined) {
      this.#owner.adopt(known, entry, ttlMs, false);
      return;
    }
    const node: Node = {
      entry,
      visited: false,
      newer: undefined,
      older: undefined,
      dropAt: 0,
      bytes: 0,
      kind,
      key: kind === KeyKind.Array ? [...(key as readonly (string | number)[])] : key,
      table: this,
    };
    if (kind === KeyKind.String) this.#strings.set(key as string, node);
    else if (kind === KeyKind.Other) this.#others.set(key as string, node);
    else this.#setArray(node);
    this.#owner.adopt(node, entry, ttlMs, true);
  }

  delete(kind: KeyKind, key: string | readonly (string | number)[]): void {
    const node = this.find(kind, key);
    if (node === undefined) return;
    this.remove(node);
    this.#owner.release(node);
  }

  /** Stops indexing a node (the store unlinks it). */
  remove(node: Node): void {
    if (node.kind === KeyKind.String) this.#strings.delete(node.key as string);
    else if (node.kind === KeyKind.Other) this.#others.delete(node.key as string);
    else this.#removeArray(node.key as readonly (string | number)[]);
  }

  clear(): void {
    this.#strings.clear();
    this.#others.clear();
    this.#arrays.children = undefined;
    this.#arrays.node = undefined;
    this.#arrayCount = 0;
  }

  #setArray(node: Node): void {
    let level = this.#arrays;
    for (const part of node.key as readonly (string | number)[]) {
      level.children ??= new Map();
      let next = level.children.get(part);
      if (next === undefined) {
        next = { node: undefined, children: undefined };
        level.children.set(part, next);
      }
      level = next;
    }
    level.node = node;
    this.#arrayCount += 1;
  }

  /** Removes an array key's node, and the trie levels it leaves empty. */
  #removeArray(key: readonly (string | number)[]): void {
    const path: TrieNode[] = [this.#arrays];
    for (const part of key) {
      const next = path.at(-1)?.children?.get(part);
      if (next === undefined) return;
      path.push(next);
    }
    const leaf = path.at(-1) as TrieNode;
    if (leaf.node === undefined) return;
    leaf.node = undefined;
    this.#arrayCount -= 1;
    for (let i = key.length; i > 0; i--) {
      const level = path[i] as TrieNode;
      if (level.node !== undefined || (level.children !== undefined && level.children.size > 0)) break;
      (path[i - 1] as TrieNode).children?.delete(key[i - 1] as string | number);
    }
  }
}

/** The store key an engine would have encoded for a node (for eviction listeners and the generic API). */
function storeKeyOf(prefix: string, node: Node): string {
  if (node.kind === KeyKind.String) return `${prefix}s${node.key as string}`;
  if (node.kind === KeyKind.Array) return `${prefix}a${JSON.stringify(node.key)}`;
  return node.key as string;
}
