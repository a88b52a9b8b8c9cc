import type { StoreEntry } from "../stores/store.js";

/** One fetch in progress for one key; everyone who needs that key meanwhile shares it. */
export interface Flight<V> {
  /** Resolves undefined when a coordinating store left a refresh to another process. */
  promise: Promise<StoreEntry<V> | undefined>;
  readonly controller: AbortController;
  /** Set by `invalidate`: the result still reaches its waiters but is not stored. */
  superseded: boolean;
}

function noop(): void {}

/**
 * In-flight fetches per store key. A flight removes itself when it settles (in `finally`),
 * so a failure never leaves a key stuck, and only if it is still the current one.
 */
export class FlightTable<V> {
  readonly #flights = new Map<string, Flight<V>>();

  get(key: string): Flight<V> | undefined {
    return this.#flights.get(key);
  }

  has(key: string): boolean {
    return this.#flights.has(key);
  }

  get size(): number {
    return this.#flights.size;
  }

  /**
   * Registers a flight under `key`, then runs it one microtask later, so the flight is
   * complete before any code it calls could look it up. Its promise is observed here, so
   * a flight nobody awaits (a background refresh) never becomes an unhandled rejection.
   */
  start(key: string, run: (flight: Flight<V>) => Promise<StoreEntry<V> | undefined>): Flight<V> {
    const flight: Flight<V> = {
      promise: undefined as unknown as Promise<StoreEntry<V> | undefined>,
      controller: new AbortController(),
      superseded: false,
    };
    flight.promise = Promise.resolve(flight)
      .then(run)
      .finally(() => {
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
      });
    flight.promise.catch(noop);
    this.#flights.set(key, flight);
    return flight;
  }

  /** Forgets the flight under `key` (its waiters keep it) and marks it superseded. */
  detach(key: string): void {
    const flight = this.#flights.get(key);
    if (flight === undefined) return;
    flight.superseded = true;
    this.#flights.delete(key);
  }

  /** Forgets every flight (their waiters keep them) and marks them superseded. */
  detachAll(): void {
    for (const flight of this.#flights.values()) flight.superseded = true;
    this.#flights.clear();
  }

  /** Every flight in progress. */
  all(): Flight<V>[] {
    return [...this.#flights.values()];
  }
}
