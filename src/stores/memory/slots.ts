import type { StoreEntry } from "../store.js";

/** No slot (an empty link). */
export const NONE = -1;
/** Read since the eviction hand last passed: SIEVE's one bit. */
const VISITED = 1;
/** The slot's entry lives whole in `#extra`: it has tags, a stale-if-error window, times the
 * compact form cannot hold exactly, or it came through the generic `Store.set`. */
const EXTRA = 2;

const INT32_MAX = 2 ** 31 - 1;
const FIRST_CAPACITY = 1_024;

/** A fresh lifetime the compact form holds: a whole number of ms a 32-bit integer can carry. */
function compactDuration(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 0 && ms <= INT32_MAX;
}

/**
 * The entries of one memory store in parallel arrays indexed by slot, as lru-cache keeps its
 * own: no object per entry. A plain entry (no tags, no stale-if-error window, exact whole-ms
 * lifetimes) costs its value and key pointers, its stored-at time and two 32-bit lifetimes;
 * anything else keeps its whole `StoreEntry` beside. Eviction is SIEVE (Zhang et al., NSDI
 * 2024): slots are linked in insertion order and a hit only sets a bit; to make room a hand
 * walks from the oldest slot towards the newest clearing bits and evicts the first slot not
 * read since it last passed. It approximates LRU (bench/scenarios/eviction.ts measures both).
 */
export class EntrySlots {
  readonly #max: number;
  values: unknown[] = [];
  /** Each slot's key in its namespace table, and that table (to remove it when evicted). */
  keys: unknown[] = [];
  owners: unknown[] = [];
  storedAt = new Float64Array(0);
  /** staleAt − storedAt, and expiresAt − staleAt, for plain entries. */
  ttl = new Int32Array(0);
  staleTtl = new Int32Array(0);
  /** When the store may drop the slot, on the store's clock. */
  dropAt = new Float64Array(0);
  #flags = new Uint8Array(0);
  #newer = new Int32Array(0);
  #older = new Int32Array(0);
  readonly #extra = new Map<number, StoreEntry>();
  readonly #free: number[] = [];
  #used = 0;
  #newest = NONE;
  #oldest = NONE;
  #hand = NONE;
  size = 0;

  /** `max` slots in use at most, one more while a new entry waits for an eviction. */
  constructor(max: number) {
    this.#max = max + 1;
  }

  /** A slot for a new entry (the caller then writes it and links it). */
  take(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    if (this.#used === this.storedAt.length) this.#grow();
    return this.#used++;
  }

  /** Writes an entry into a slot (a new one, or the slot of the entry it replaces). */
  write(slot: number, entry: StoreEntry, kept: StoreEntry | undefined): void {
    this.values[slot] = entry.value;
    this.storedAt[slot] = entry.storedAt;
    const ttl = entry.staleAt - entry.storedAt;
    const staleTtl = entry.expiresAt - entry.staleAt;
    const plain =
      kept === undefined &&
      entry.tags === undefined &&
      entry.staleIfErrorUntil === undefined &&
      compactDuration(ttl) &&
      compactDuration(staleTtl) &&
      entry.storedAt + ttl === entry.staleAt &&
      entry.storedAt + ttl + staleTtl === entry.expiresAt;
    if (plain) {
      this.ttl[slot] = ttl;
      this.staleTtl[slot] = staleTtl;
      this.#flags[slot] = (this.#flags[slot] as number) & ~EXTRA;
      this.#extra.delete(slot);
    } else {
      this.#flags[slot] = (this.#flags[slot] as number) | EXTRA;
      this.#extra.set(slot, kept ?? entry);
    }
  }

  /** True when a slot holds a plain entry: its times are read from `storedAt` and `ttl`. */
  plain(slot: number): boolean {
    return ((this.#flags[slot] as number) & EXTRA) === 0;
  }

  /** Marks a slot as read. */
  visit(slot: number): void {
    this.#flags[slot] = (this.#flags[slot] as number) | VISITED;
  }

  /** The slot's entry: the object kept beside it, or a new plain copy. */
  entryAt(slot: number): StoreEntry {
    const kept = this.#extra.get(slot);
    if (kept !== undefined) return kept;
    const storedAt = this.storedAt[slot] as number;
    const staleAt = storedAt + (this.ttl[slot] as number);
    return {
      value: this.values[slot],
      storedAt,
      staleAt,
      expiresAt: staleAt + (this.staleTtl[slot] as number),
    };
  }

  /** Links a slot as the newest. */
  push(slot: number): void {
    this.#older[slot] = this.#newest;
    this.#newer[slot] = NONE;
    if (this.#newest !== NONE) this.#newer[this.#newest] = slot;
    this.#newest = slot;
    if (this.#oldest === NONE) this.#oldest = slot;
    this.size += 1;
  }

  /** Unlinks a slot and frees it (its value and key are let go). */
  release(slot: number): void {
    const newer = this.#newer[slot] as number;
    const older = this.#older[slot] as number;
    if (this.#hand === slot) this.#hand = newer;
    if (older !== NONE) this.#newer[older] = newer;
    else this.#oldest = newer;
    if (newer !== NONE) this.#older[newer] = older;
    else this.#newest = older;
    this.size -= 1;
    this.discard(slot);
  }

  /** Frees a slot that was taken and written but never linked (its entry was not kept). */
  discard(slot: number): void {
    this.values[slot] = undefined;
    this.keys[slot] = undefined;
    this.owners[slot] = undefined;
    this.#flags[slot] = 0;
    this.#extra.delete(slot);
    this.#free.push(slot);
  }

  /** The next slot to evict (still linked): the first unread one from the hand on, clearing bits as it passes. */
  victim(): number {
    let slot = this.#hand === NONE ? this.#oldest : this.#hand;
    while (slot !== NONE && ((this.#flags[slot] as number) & VISITED) !== 0) {
      this.#flags[slot] = (this.#flags[slot] as number) & ~VISITED;
      const newer = this.#newer[slot] as number;
      slot = newer === NONE ? this.#oldest : newer;
    }
    this.#hand = slot === NONE ? NONE : (this.#newer[slot] as number);
    return slot;
  }

  /** Every slot in use, oldest first. */
  *slots(): Generator<number> {
    for (let slot = this.#oldest; slot !== NONE; slot = this.#newer[slot] as number) yield slot;
  }

  clear(): void {
    this.values = [];
    this.keys = [];
    this.owners = [];
    this.#extra.clear();
    this.#free.length = 0;
    this.#used = 0;
    this.#newest = NONE;
    this.#oldest = NONE;
    this.#hand = NONE;
    this.size = 0;
    this.#flags.fill(0);
  }

  /** Doubles the typed arrays (up to the bound), so an empty store costs next to nothing. */
  #grow(): void {
    const capacity = Math.min(this.#max, Math.max(FIRST_CAPACITY, this.storedAt.length * 2));
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.storedAt = grown(this.storedAt, (n) => new Float64Array(n));
    this.dropAt = grown(this.dropAt, (n) => new Float64Array(n));
    this.ttl = grown(this.ttl, (n) => new Int32Array(n));
    this.staleTtl = grown(this.staleTtl, (n) => new Int32Array(n));
    this.#flags = grown(this.#flags, (n) => new Uint8Array(n));
    this.#newer = grown(this.#newer, (n) => new Int32Array(n));
    this.#older = grown(this.#older, (n) => new Int32Array(n));
  }
}
