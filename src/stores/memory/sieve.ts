import type { MemoryEntry } from "./entry.js";

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
  #newest: MemoryEntry | undefined;
  #oldest: MemoryEntry | undefined;
  #hand: MemoryEntry | undefined;
  size = 0;

  /** Adds an entry as the newest. */
  push(entry: MemoryEntry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = entry;
    this.#newest = entry;
    this.#oldest ??= entry;
    this.size += 1;
  }

  /** Unlinks an entry; the hand moves on if it pointed at it. */
  unlink(entry: MemoryEntry): void {
    if (this.#hand === entry) this.#hand = entry.newer;
    if (entry.older !== undefined) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer !== undefined) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
    this.size -= 1;
  }

  /** The next entry to evict (not unlinked): the first unread one from the hand on, clearing bits as it passes. */
  victim(): MemoryEntry | undefined {
    let entry = this.#hand ?? this.#oldest;
    while (entry?.visited) {
      entry.visited = false;
      entry = entry.newer ?? this.#oldest;
    }
    this.#hand = entry?.newer;
    return entry;
  }

  clear(): void {
    this.#newest = undefined;
    this.#oldest = undefined;
    this.#hand = undefined;
    this.size = 0;
  }
}
