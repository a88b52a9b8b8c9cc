import { createTierStore } from "../memory/store.js";
import type { MemoryStore } from "../memory.js";
import type { StoreEntry } from "../store.js";

/** One Redis read or write (or one fetch) of a key in flight; `changed` is set if the key changed meanwhile. */
export interface Ticket {
  changed: boolean;
  /** Nonce of the entry the latest announced change stored (undefined after a delete). */
  latest?: string | undefined;
}

/** What the tier knows of a copy besides the entry. */
export interface CopyFacts {
  /** The nonce of the write that stored it (in Redis, or only here). */
  nonce: string;
  /**
   * `performance.now()` when it was last known current: when the fetch that made it started,
   * or when the Redis read that brought it was sent.
   */
  verifiedAt: number;
}

export interface Copy extends CopyFacts {
  readonly entry: StoreEntry;
}

/**
 * The bounded memory tier in front of Redis. A Redis answer (or a fetch's value) is kept
 * here only if no change of its key was announced while it was in flight: otherwise a read
 * that left before an invalidation, but answered after it, would bring the old value back.
 */
export class LocalTier {
  readonly #memory: MemoryStore;
  /** Each kept entry's copy, made once when it is kept (a hit allocates nothing). */
  readonly #copies = new WeakMap<StoreEntry, Copy>();
  readonly #tickets = new Map<string, Set<Ticket>>();

  constructor(max: number, maxBytes: number | undefined) {
    this.#memory = createTierStore(max, maxBytes);
  }

  get size(): number {
    return this.#memory.size;
  }

  get(key: string): Copy | undefined {
    const entry = this.#memory.get(key);
    if (entry === undefined) return undefined;
    return this.#copies.get(entry);
  }

  /** Keeps `entry` for `ttlMs` (a non-positive ttl drops it). */
  set(key: string, entry: StoreEntry, ttlMs: number, facts: CopyFacts): void {
    this.#copies.set(entry, { entry, nonce: facts.nonce, verifiedAt: facts.verifiedAt });
    this.#memory.set(key, entry, ttlMs);
  }

  delete(key: string): void {
    this.#memory.delete(key);
  }

  /** Notes a Redis operation (or a fetch) on `key` starting now. */
  begin(key: string): Ticket {
    const ticket: Ticket = { changed: false };
    const tickets = this.#tickets.get(key);
    if (tickets === undefined) this.#tickets.set(key, new Set([ticket]));
    else tickets.add(ticket);
    return ticket;
  }

  /**
   * Ends an operation (ending it twice is harmless); true when what it saw (the entry of nonce
   * `saw`) is still current: its key did not change while it ran, or the latest change
   * stored that very entry.
   */
  end(key: string, ticket: Ticket, saw?: string): boolean {
    const tickets = this.#tickets.get(key);
    if (tickets?.delete(ticket) && tickets.size === 0) this.#tickets.delete(key);
    return !ticket.changed || (saw !== undefined && ticket.latest === saw);
  }

  /**
   * The key changed: forget the local copy, unless it is the very entry the change stored
   * (this process read it before the announcement arrived), and mark what is in flight for
   * it. Changes are announced in the order Redis made them, so the last one tells what
   * Redis holds now: `stored` is the nonce of the entry it stored, undefined for a delete.
   * Returns true when the copy held is that very entry, and was kept.
   */
  drop(key: string, stored?: string): boolean {
    const copy = this.#memory.get(key);
    const kept = copy !== undefined && stored !== undefined && this.#copies.get(copy)?.nonce === stored;
    if (copy !== undefined && !kept) this.#memory.delete(key);
    const tickets = this.#tickets.get(key);
    if (tickets !== undefined) {
      for (const ticket of tickets) {
        ticket.changed = true;
        ticket.latest = stored;
      }
    }
    return kept;
  }

  /** Every key may have changed (a clear, or announcements missed while pub/sub was down). */
  dropAll(): void {
    this.#memory.clear();
    for (const tickets of this.#tickets.values()) {
      for (const ticket of tickets) {
        ticket.changed = true;
        ticket.latest = undefined;
      }
    }
  }
}
