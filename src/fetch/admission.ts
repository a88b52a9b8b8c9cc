/** How often a full key table is swept for keys whose entries can no longer be served. */
const SWEEP_INTERVAL_MS = 1_000;
/** How long a key whose first fetch failed keeps its place (so a retry does not queue behind new keys). */
const FAILED_KEY_MS = 60_000;
/** One admitted key: a running fetch holds its place however long it runs, an entry until it lapses. */
interface Place {
  /** Fetches running for the key (more than one after `invalidate` let a new one start). */
  fetching: number;
  /** When the place lapses (ms on the monotonic clock), once no fetch holds it. */
  lapsesAt: number;
}

/**
 * Admission of distinct keys: at most `maxKeys` keys at a time, each admitted for as long as
 * its entry may be served. New keys beyond the bound are refused until old ones lapse; an
 * admitted key is never pushed out by another, so hot keys keep their place and their
 * refreshes. Times come from a clock that never goes back.
 */
export class KeyAdmission {
  readonly #keys = new Map<string, Place>();
  readonly #max: number;
  readonly #elapsed: () => number;
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(maxKeys: number, elapsed: () => number) {
    this.#max = maxKeys;
    this.#elapsed = elapsed;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Admits `key` for a fetch (known keys always); its place is held until the fetch ends. */
  admit(key: string): boolean {
    if (this.#max === Number.POSITIVE_INFINITY) return true;
    const place = this.#keys.get(key);
    if (place !== undefined) place.fetching += 1;
    else if (this.#room()) this.#keys.set(key, { fetching: 1, lapsesAt: 0 });
    else return false;
    return true;
  }

  /**
   * A fetch of `key` ended. `admitted`: it holds a place taken by `admit`. `retentionMs`: how
   * long its stored entry may be served (undefined when nothing was stored: a first fetch
   * then keeps its place a minute, so its retry does not queue behind new keys).
   */
  ended(key: string, admitted: boolean, retentionMs: number | undefined): void {
    if (this.#max === Number.POSITIVE_INFINITY) return;
    const place = this.#keys.get(key);
    if (place !== undefined && admitted && place.fetching > 0) place.fetching -= 1;
    if (retentionMs === undefined) {
      if (place !== undefined && admitted)
        place.lapsesAt = Math.max(place.lapsesAt, this.#elapsed() + FAILED_KEY_MS);
      return;
    }
    const lapsesAt = this.#elapsed() + retentionMs;
    if (place !== undefined) place.lapsesAt = lapsesAt;
    // A key refreshed without admission (its entry was written by another engine) joins if it fits.
    else if (this.#room()) this.#keys.set(key, { fetching: 0, lapsesAt });
  }

  /** The key's entry is gone (invalidated, evicted); a fetch running for it keeps its place. */
  forget(key: string): void {
    if (this.#keys.get(key)?.fetching === 0) this.#keys.delete(key);
  }

  #room(): boolean {
    if (this.#keys.size < this.#max) return true;
    const now = this.#elapsed();
    if (now - this.#sweptAt < SWEEP_INTERVAL_MS) return false;
    this.#sweptAt = now;
    for (const [key, place] of this.#keys)
      if (place.fetching === 0 && place.lapsesAt <= now) this.#keys.delete(key);
    return this.#keys.size < this.#max;
  }
}
