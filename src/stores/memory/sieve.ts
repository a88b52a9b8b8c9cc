import type { StoreEntry } from "../store.js";

/** Where a node's key lives in its namespace: a string key, an array key, or any other store key. */
export enum KeyKind {
  String = 0,
  Array = 1,
  Other = 2,
}

/**
 * One stored entry and its bookkeeping. The entry itself is the object the engine stored, so
 * what `get` gives back is exactly what was set.
 */
export interface Node {
  entry: StoreEntry;
  /** Read since the eviction hand last passed: SIEVE's one bit. */
  visited: boolean;
  /** Toward the newest node. */
  newer: Node | undefined;
  /** Toward the oldest node. */
  older: Node | undefined;
  /** When the store may drop it, on the store's clock. */
  dropAt: number;
  /** Its size against `maxBytes` (0 without a bound). */
  bytes: number;
  readonly kind: KeyKind;
  /** The key inside its namespace: a string, or the parts of an array key. */
  readonly key: string | readonly (string | number)[];
  /** The namespace table it is indexed in, to remove it from there when evicted. */
  readonly table: { remove(node: Node): void; readonly storeKeyOf: (node: Node) => string };
}

/**
 * SIEVE eviction (Zhang et al., NSDI 2024): entries are kept in insertion order and a hit
 * only sets a bit in the entry it already read — no reordering, so a hit costs one write
 * instead of lru-cache's unlinking and relinking. To make room, a hand walks from the oldest
 * entry towards the newest, clearing bits: the first entry not read since the hand last passed
 * is evicted; read ones stay where they are. It approximates LRU; on skewed (web-like)
 * workloads it keeps as many hits or more, and a one-time scan of new keys does not flush the
 * entries being read (bench/scenarios/eviction.ts measures both against exact LRU).
 */
export class SieveList {
  #newest: Node | undefined;
  #oldest: Node | undefined;
  #hand: Node | undefined;
  size = 0;

  /** Adds a node as the newest. */
  push(node: Node): void {
    node.older = this.#newest;
    node.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = node;
    this.#newest = node;
    this.#oldest ??= node;
    this.size += 1;
  }

  /** Unlinks a node; the hand moves on if it pointed at it. */
  unlink(node: Node): void {
    if (this.#hand === node) this.#hand = node.newer;
    if (node.older !== undefined) node.older.newer = node.newer;
    else this.#oldest = node.newer;
    if (node.newer !== undefined) node.newer.older = node.older;
    else this.#newest = node.older;
    node.older = undefined;
    node.newer = undefined;
    this.size -= 1;
  }

  /** The next node to evict (not unlinked): the first unread one from the hand on, clearing bits as it passes. */
  victim(): Node | undefined {
    let node = this.#hand ?? this.#oldest;
    while (node?.visited) {
      node.visited = false;
      node = node.newer ?? this.#oldest;
    }
    this.#hand = node?.newer;
    return node;
  }

  /** Every node, oldest first (for clear). */
  *nodes(): Generator<Node> {
    for (let node = this.#oldest; node !== undefined; node = node.newer) yield node;
  }

  clear(): void {
    this.#newest = undefined;
    this.#oldest = undefined;
    this.#hand = undefined;
    this.size = 0;
  }
}
