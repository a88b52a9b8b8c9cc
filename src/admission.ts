import { LRUCache } from "lru-cache";
import { IsrClosedError, IsrOverloadedError } from "./errors.js";

/**
 * A bound on concurrent origin fetches. Misses queue for a slot (up to `maxQueued`);
 * background refreshes only take a free slot and are skipped otherwise.
 */
export class FetchLimiter {
  readonly #max: number;
  readonly #maxQueued: number;
  readonly #queue: { grant: () => void; refuse: (error: unknown) => void }[] = [];
  // One instance for every refusal: see the engine's note on refusals under a flood.
  readonly #overloaded: IsrOverloadedError;
  #running = 0;

  constructor(max: number, maxQueued: number) {
    this.#max = max;
    this.#maxQueued = maxQueued;
    this.#overloaded = new IsrOverloadedError(max, maxQueued);
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  tryAcquire(): boolean {
    if (this.#running >= this.#max) return false;
    this.#running += 1;
    return true;
  }

  acquire(): Promise<void> | undefined {
    if (this.tryAcquire()) return undefined;
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(this.#overloaded);
    }
    return new Promise<void>((grant, refuse) => {
      this.#queue.push({ grant, refuse });
    });
  }

  release(): void {
    const next = this.#queue.shift();
    if (next === undefined) this.#running -= 1;
    else next.grant(); // the slot passes straight to the next in line
  }

  /** Refuses everything still queued (on close). */
  refuseQueued(): void {
    for (const waiter of this.#queue.splice(0)) waiter.refuse(new IsrClosedError());
  }
}

/** How often a full key table is swept for keys whose entries can no longer be served. */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * Admission of distinct keys: at most `maxKeys` keys at a time, each admitted for as long as
 * its entry may be served. Hot keys already admitted stay; new keys beyond the bound are
 * refused until old ones lapse.
 */
export class KeyAdmission {
  readonly #keys: LRUCache<string, true> | undefined;
  readonly #now: () => number;
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(maxKeys: number, now: () => number) {
    this.#now = now;
    this.#keys = Number.isFinite(maxKeys)
      ? new LRUCache<string, true>({ max: maxKeys, perf: { now }, ttlResolution: 0 })
      : undefined;
  }

  get size(): number {
    return this.#keys?.size ?? 0;
  }

  admit(key: string): boolean {
    const keys = this.#keys;
    if (keys === undefined || keys.has(key)) return true;
    if (keys.size >= keys.max) {
      const now = this.#now();
      if (now - this.#sweptAt < SWEEP_INTERVAL_MS) return false;
      this.#sweptAt = now;
      keys.purgeStale();
      if (keys.size >= keys.max) return false;
    }
    // Provisional until the value is stored; a failed first fetch lapses after a minute.
    keys.set(key, true, { ttl: 60_000 });
    return true;
  }

  /** The key's entry was stored and may be served for `retentionMs`. */
  keep(key: string, retentionMs: number): void {
    this.#keys?.set(key, true, {
      ttl: Number.isFinite(retentionMs) ? Math.max(1, Math.ceil(retentionMs)) : 0,
    });
  }

  forget(key: string): void {
    this.#keys?.delete(key);
  }
}
