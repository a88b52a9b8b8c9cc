import { IsrClosedError, IsrError, IsrFetchError, IsrTimeoutError } from "./errors.js";
import { type CacheKey, encodeKey, namespacePrefix } from "./key.js";
import { Log } from "./log.js";
import { type IsrOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { type Flight, FlightTable } from "./single-flight.js";
import { defaultStore } from "./stores/memory.js";
import { type FetchPurpose, isPromiseLike, type Store, type StoreEntry } from "./stores/store.js";

/** How a value was served: fresh from the cache, stale (a refresh runs), or fetched now. */
export type IsrState = "fresh" | "stale" | "miss";

/** What `get` resolves with. */
export interface IsrResult<V> {
  value: V;
  state: IsrState;
  /** ms since the value was stored (about 0 for a value fetched for this request). */
  ageMs: number;
}

/**
 * What `lookup` answers: the result plus the entry it came from, which adapters need for
 * headers. `get` hands out only the public fields.
 * @internal
 */
export interface Served<V> extends IsrResult<V> {
  key: CacheKey;
  entry: StoreEntry<V>;
}

/** The engine: the freshness state machine over one store and namespace. */
export interface Isr<V, E = void> {
  readonly namespace: string;
  readonly store: Store;
  /** Serves `key`: fresh or stale from the cache, else fetches (single-flight) and stores. */
  get(key: CacheKey, extracted: E): Promise<IsrResult<V>>;
  /** Drops the entry; the next `get` is a miss. A fetch in flight is not stored. */
  invalidate(key: CacheKey): Promise<void>;
  /** Fetches now (joining a fetch already in flight), stores, resolves with the new value. */
  revalidate(key: CacheKey, extracted: E): Promise<V>;
  /** Stops new fetches, aborts the signals of in-flight ones and waits for them to settle. */
  close(): Promise<void>;
}

function publicResult<V>(served: Served<V>): IsrResult<V> {
  return { value: served.value, state: served.state, ageMs: served.ageMs };
}

export class Engine<V, E = void> implements Isr<V, E> {
  readonly namespace: string;
  readonly store: Store;
  readonly #options: ResolvedOptions<V, E>;
  readonly #prefix: string;
  readonly #log: Log;
  readonly #flights = new FlightTable<V>();
  #closed = false;
  #storeFailing = false;

  constructor(options: IsrOptions<V, E>, knownOptions?: readonly string[]) {
    this.#options = resolveOptions(options, knownOptions);
    this.namespace = this.#options.namespace;
    this.store = this.#options.store ?? defaultStore();
    this.#prefix = namespacePrefix(this.namespace);
    this.#log = new Log(this.#options.logger);
  }

  get log(): Log {
    return this.#log;
  }

  get(key: CacheKey, extracted: E): Promise<IsrResult<V>> {
    try {
      const served = this.lookup(key, extracted);
      return served instanceof Promise ? served.then(publicResult) : Promise.resolve(publicResult(served));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `get` without the promise hop when the store answers synchronously: a fresh or stale
   * hit is returned as is. Adapters call this; a thrown error is a bad key.
   * @internal
   */
  lookup(key: CacheKey, extracted: E): Served<V> | Promise<Served<V>> {
    const storeKey = encodeKey(this.#prefix, key);
    let found: ReturnType<Store["get"]>;
    try {
      found = this.store.get(storeKey);
    } catch (error) {
      this.#storeFailed(error);
      return this.#decide(storeKey, key, extracted, undefined);
    }
    if (!isPromiseLike<StoreEntry | undefined>(found)) {
      if (this.#storeFailing) this.#storeRecovered();
      return this.#decide(storeKey, key, extracted, found as StoreEntry<V> | undefined);
    }
    return Promise.resolve(found).then(
      (entry) => {
        if (this.#storeFailing) this.#storeRecovered();
        return this.#decide(storeKey, key, extracted, entry as StoreEntry<V> | undefined);
      },
      (error: unknown) => {
        this.#storeFailed(error);
        return this.#decide(storeKey, key, extracted, undefined);
      },
    );
  }

  async invalidate(key: CacheKey): Promise<void> {
    const storeKey = encodeKey(this.#prefix, key);
    this.#flights.detach(storeKey);
    await this.store.delete(storeKey);
    if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key }, "invalidated");
  }

  async revalidate(key: CacheKey, extracted: E): Promise<V> {
    if (this.#closed) throw new IsrClosedError();
    return (await this.#fetchForRequest(encodeKey(this.#prefix, key), key, extracted)).value;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const flights = this.#flights.all();
    for (const flight of flights) flight.controller.abort(new IsrClosedError());
    await Promise.allSettled(flights.map((flight) => flight.promise));
  }

  #decide(
    storeKey: string,
    key: CacheKey,
    extracted: E,
    entry: StoreEntry<V> | undefined,
  ): Served<V> | Promise<Served<V>> {
    if (entry !== undefined) {
      const now = this.#options.now();
      const ageMs = now > entry.storedAt ? now - entry.storedAt : 0;
      if (now < entry.staleAt) {
        if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key, ageMs }, "fresh hit");
        return { value: entry.value, state: "fresh", ageMs, key, entry };
      }
      if (now < entry.expiresAt) {
        this.#refreshInBackground(storeKey, key, extracted);
        if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key, ageMs }, "stale hit");
        return { value: entry.value, state: "stale", ageMs, key, entry };
      }
    }
    return this.#fetchForRequest(storeKey, key, extracted);
  }

  #fetchForRequest(storeKey: string, key: CacheKey, extracted: E): Promise<Served<V>> {
    let flight = this.#flights.get(storeKey);
    if (flight === undefined) {
      if (this.#closed) return Promise.reject(new IsrClosedError());
      if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key }, "miss, fetching");
      flight = this.#startFetch(storeKey, key, extracted, "miss");
    }
    return flight.promise.then((entry) => {
      // A refresh this request joined may have been left to another process: fetch for real.
      if (entry === undefined) return this.#fetchForRequest(storeKey, key, extracted);
      const now = this.#options.now();
      const ageMs = now > entry.storedAt ? now - entry.storedAt : 0;
      return { value: entry.value, state: "miss", ageMs, key, entry };
    });
  }

  #refreshInBackground(storeKey: string, key: CacheKey, extracted: E): void {
    if (this.#closed || this.#flights.has(storeKey)) return;
    const flight = this.#startFetch(storeKey, key, extracted, "refresh");
    flight.promise.then(
      () => {
        if (this.#log.debugEnabled())
          this.#log.debug({ namespace: this.namespace, key }, "refreshed in background");
      },
      (error: unknown) => {
        this.#log.warn(
          { namespace: this.namespace, key, err: error },
          "background refresh failed; the stale value is kept",
        );
      },
    );
  }

  /**
   * Starts the one flight of `storeKey`. A coordinating store (a fleet on Redis) decides
   * whether this process fetches; a refresh it leaves to another process resolves undefined.
   */
  #startFetch(storeKey: string, key: CacheKey, extracted: E, purpose: FetchPurpose): Flight<V> {
    return this.#flights.start(storeKey, (flight) => {
      const produce = () => this.#produce(flight, storeKey, key, extracted);
      const store = this.store;
      if (store.coordinate === undefined) return produce();
      const coordinated = store.coordinate(storeKey, purpose, produce) as Promise<StoreEntry<V> | undefined>;
      if (purpose === "refresh") return coordinated;
      return coordinated.then((entry) => {
        if (entry === undefined)
          throw new IsrError("isr-plug: store.coordinate resolved no entry for a miss", "ISR_STORE");
        return entry;
      });
    });
  }

  /** Fetches, checks and stores one value. */
  async #produce(flight: Flight<V>, storeKey: string, key: CacheKey, extracted: E): Promise<StoreEntry<V>> {
    {
      const value = await this.#runFetch(flight, key, extracted);
      if (value === undefined) {
        throw new IsrFetchError(
          `isr-plug: fetch for key ${JSON.stringify(key)} resolved undefined; return null to cache "no value"`,
        );
      }
      const { ttlMs, staleTtlMs, now } = this.#options;
      const storedAt = now();
      const entry: StoreEntry<V> = {
        value,
        storedAt,
        staleAt: storedAt + ttlMs,
        expiresAt: storedAt + ttlMs + staleTtlMs,
      };
      if (!flight.superseded) await this.#write(storeKey, key, entry, ttlMs + staleTtlMs);
      return entry;
    }
  }

  /** Calls the user's fetch, racing it against `timeoutMs`, which also aborts its signal. */
  #runFetch(flight: Flight<V>, key: CacheKey, extracted: E): Promise<V> {
    const { fetch, timeoutMs } = this.#options;
    const signal = flight.controller.signal;
    const pending = Promise.resolve(fetch(extracted, { key, signal }));
    if (timeoutMs === undefined) return pending;
    return new Promise<V>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new IsrTimeoutError(timeoutMs, JSON.stringify(key) ?? String(key));
        flight.controller.abort(error);
        reject(error);
      }, timeoutMs);
      timer.unref?.();
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** Writes an entry; a store failure is logged and the fetched value is still served. */
  async #write(storeKey: string, key: CacheKey, entry: StoreEntry<V>, ttlMs: number): Promise<void> {
    try {
      await this.store.set(storeKey, entry, ttlMs);
      if (this.#storeFailing) this.#storeRecovered();
    } catch (error) {
      this.#storeFailed(error, key);
    }
  }

  #storeFailed(error: unknown, key?: CacheKey): void {
    if (this.#storeFailing) return;
    this.#storeFailing = true;
    this.#log.error(
      { namespace: this.namespace, key, err: error },
      "store failed; serving from the origin until it recovers",
    );
  }

  #storeRecovered(): void {
    this.#storeFailing = false;
    this.#log.warn({ namespace: this.namespace }, "store recovered");
  }
}

/** Creates an engine (see `IsrOptions`). Throws a `TypeError` naming a bad option. */
export function createIsr<V, E = void>(options: IsrOptions<V, E>): Isr<V, E> {
  return new Engine<V, E>(options);
}
