import { createEntry } from "../entry.js";
import { IsrClosedError, IsrFetchError, IsrStoreError, IsrTimeoutError } from "../errors.js";
import { type CacheKey, type KeyEncoder, keyText } from "../key.js";
import { fetchTracing, tracingFetches } from "../observe/channels.js";
import type { Observer } from "../observe/observer.js";
import type { KeyRecord, RecentKeys } from "../observe/recent.js";
import type { ResolvedOptions } from "../options.js";
import type { StoreHealth } from "../store-health.js";
import { KeyKind, type NamespaceTable } from "../stores/memory/namespace-table.js";
import type { FetchPurpose, Store, StoreEntry } from "../stores/store.js";
import { type TagRegistry, TagVerdict } from "../tags.js";
import type { KeyAdmission } from "./admission.js";
import type { ErrorBackoff } from "./backoff.js";
import { FetchControl } from "./context.js";
import { withDeadline } from "./deadline.js";
import type { Flight, FlightTable } from "./flights.js";
import type { FetchLimiter, Slot } from "./limiter.js";

/** What one fetch is about. Built once per fetch, never per hit. */
export interface FetchJob<V, E> {
  readonly key: CacheKey;
  readonly storeKey: string;
  readonly extracted: E;
  readonly purpose: FetchPurpose;
  /** What the fetch's `ctx.previous` shows (none after a hard tag invalidation). */
  readonly previous: StoreEntry<V> | undefined;
  /** The entry the request read from the store, whatever its standing (for a fleet's `coordinate`). */
  readonly seen: StoreEntry<V> | undefined;
  /** The fetch slot: a background refresh takes it up front, a miss waits for it in turn. */
  slot: Slot | undefined;
  /** Whether the key took a place under `maxKeys` for this fetch (a key without an entry does). */
  readonly admitted: boolean;
}

/** What the runner shares with the engine that owns it. */
export interface RunnerParts<V, E> {
  readonly options: ResolvedOptions<V, E>;
  readonly namespace: string;
  readonly store: Store;
  readonly flights: FlightTable<V>;
  readonly limiter: FetchLimiter;
  readonly admission: KeyAdmission;
  readonly backoff: ErrorBackoff | undefined;
  readonly tags: TagRegistry;
  readonly keys: KeyEncoder;
  readonly observer: Observer;
  readonly recent: RecentKeys<E>;
  readonly health: StoreHealth;
  /** With a memory store: this namespace's table, written directly (no store key is parsed). */
  readonly table: NamespaceTable | undefined;
  /** A clock that never goes back, for lifetimes of admitted keys. */
  readonly elapsed: () => number;
  readonly closed: () => boolean;
}

/**
 * The fetch path: decides with the store who fetches, waits for a slot, calls the user's
 * `fetch` against its deadline, checks and stores the value. The slot is given back in one
 * place, when the user's promise settles — after the deadline if the fetch ignores its signal
 * — so `maxConcurrentFetches` holds on the origin.
 */
export class FetchRunner<V, E> {
  readonly #parts: RunnerParts<V, E>;
  /** Entries served to their waiters but not stored (noCache, invalidated meanwhile, closed). */
  readonly unstored = new WeakSet<StoreEntry>();
  /** User fetches that have not settled yet (they may outlive their deadline), for `close`. */
  readonly #unsettled = new Map<Promise<unknown>, CacheKey>();
  /** The store key whose `fetch` is being called right now, synchronously. */
  #calling: string | undefined;

  constructor(parts: RunnerParts<V, E>) {
    this.#parts = parts;
  }

  /** Starts the one flight of `job.storeKey`. */
  start(job: FetchJob<V, E>): Flight<V> {
    return this.#parts.flights.start(job.storeKey, (flight) => this.#run(job, flight));
  }

  /**
   * True while `fetch` is being called for `storeKey`: a `get` of that key from inside the
   * fetch, before its first `await`, would wait for its own result forever.
   */
  callingFetchOf(storeKey: string): boolean {
    return this.#calling === storeKey;
  }

  /**
   * Runs `decide` as if still inside the synchronous call of `storeKey`'s fetch: a lookup made
   * there that had to wait for an async store is checked as if it had not waited.
   */
  asCalling<R>(storeKey: string, decide: () => R): R {
    const outer = this.#calling;
    this.#calling = storeKey;
    try {
      return decide();
    } finally {
      this.#calling = outer;
    }
  }

  /** Waits up to `graceMs` for the user fetches still running; resolves with the keys of those that did not settle. */
  async settle(flights: readonly Flight<V>[], graceMs: number): Promise<CacheKey[]> {
    const waits = [...flights.map((flight) => flight.promise), ...this.#unsettled.keys()];
    if (waits.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled(waits), grace]);
      clearTimeout(timer);
    }
    return [...this.#unsettled.values()];
  }

  async #run(job: FetchJob<V, E>, flight: Flight<V>): Promise<StoreEntry<V> | undefined> {
    const { store, admission } = this.#parts;
    let called: Promise<unknown> | undefined;
    let entry: StoreEntry<V> | undefined;
    const produce = async (): Promise<StoreEntry<V>> =>
      this.#produce(job, flight, (pending) => {
        called = pending;
      });
    try {
      if (store.coordinate === undefined) {
        entry = await produce();
        return entry;
      }
      const context = { signal: flight.controller.signal, seen: job.seen };
      entry = (await store.coordinate(job.storeKey, job.purpose, produce, context)) as
        | StoreEntry<V>
        | undefined;
      if (entry === undefined && job.purpose !== "refresh") {
        throw new IsrStoreError("isr-plug: store.coordinate resolved no entry for a miss");
      }
      return entry;
    } finally {
      const kept = entry !== undefined && !this.unstored.has(entry);
      admission.ended(
        job.storeKey,
        job.admitted,
        kept ? lastUse(entry as StoreEntry<V>) - this.#parts.options.now() : undefined,
      );
      const slot = job.slot;
      if (slot !== undefined) {
        if (called === undefined) slot.release();
        else called.then(slot.release, slot.release);
      }
    }
  }

  /** Fetches, checks and stores one value. */
  async #produce(
    job: FetchJob<V, E>,
    flight: Flight<V>,
    onCalled: (pending: Promise<unknown>) => void,
  ): Promise<StoreEntry<V>> {
    const { limiter, observer, recent, options, tags, closed } = this.#parts;
    job.slot ??= await limiter.acquire();
    // A get made just before close() started this flight; after close nothing is fetched.
    if (closed()) throw new IsrClosedError();
    const { key, purpose } = job;
    const record = recent.started(job.storeKey, key, job.extracted);
    observer.fetchStarted(key, purpose);
    const startedAt = performance.now();
    let failure: { error: unknown } | undefined;
    let stored = false;
    try {
      const control = new FetchControl<V>(key, flight.controller.signal, job.previous, purpose);
      // Noted before the fetch: an invalidation numbered after it came after the data was read.
      const tagSeq = tags.seq;
      const value = await this.#fetchValue(job, flight, control, onCalled);
      const { entry, retentionMs } = createEntry(
        value,
        job.extracted,
        control,
        options,
        options.now(),
        tagSeq,
      );
      const current =
        control.cache && !flight.superseded && !closed() && tags.verdict(entry) === TagVerdict.None;
      stored = current && retentionMs > 0;
      if (stored) await this.#write(job, entry, retentionMs);
      else this.unstored.add(entry);
      // A value with no lifetime (`setTtl({ ttlMs: 0 })`) is the current one all the same: the
      // older value it replaces must not be served as fresh after it.
      if (current && !stored) await this.#drop(job);
      return entry;
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      this.#ended(job, record, performance.now() - startedAt, failure, stored);
    }
  }

  #ended(
    job: FetchJob<V, E>,
    record: KeyRecord<E>,
    durationMs: number,
    failure: { error: unknown } | undefined,
    stored: boolean,
  ): void {
    const { observer, recent, options } = this.#parts;
    observer.fetchEnded(job.key, job.purpose, durationMs, failure?.error, stored, failure !== undefined);
    recent.ended(record, options.now(), durationMs, failure);
  }

  /** The user's value, or a rejection; counts failures and successes for the error backoff. */
  async #fetchValue(
    job: FetchJob<V, E>,
    flight: Flight<V>,
    control: FetchControl<V>,
    onCalled: (pending: Promise<unknown>) => void,
  ): Promise<V> {
    const { backoff } = this.#parts;
    let value: V;
    try {
      value = await this.#call(job, flight, control, onCalled);
    } catch (reason) {
      // `Promise.reject()` or `throw undefined` still is a failure, and a reportable one.
      const error =
        reason === undefined || reason === null
          ? new IsrFetchError(`isr-plug: fetch for key ${keyText(job.key)} failed without a reason`)
          : reason;
      if (!(error instanceof IsrClosedError)) backoff?.failed(job.storeKey, error);
      throw error;
    }
    if (value === undefined) {
      const error = new IsrFetchError(
        `isr-plug: fetch for key ${keyText(job.key)} resolved undefined; return null to cache "no value"`,
      );
      backoff?.failed(job.storeKey, error);
      throw error;
    }
    backoff?.succeeded(job.storeKey);
    return value;
  }

  /** Calls the user's fetch, racing it against `timeoutMs`, which also aborts its signal. */
  #call(
    job: FetchJob<V, E>,
    flight: Flight<V>,
    control: FetchControl<V>,
    onCalled: (pending: Promise<unknown>) => void,
  ): Promise<V> {
    const { options, observer, namespace } = this.#parts;
    const { fetch, timeoutMs } = options;
    const invoke = (): Promise<V> => {
      const outer = this.#calling;
      this.#calling = job.storeKey;
      try {
        return Promise.resolve(fetch(job.extracted, control));
      } finally {
        this.#calling = outer;
      }
    };
    let pending: Promise<V>;
    try {
      pending = tracingFetches()
        ? (fetchTracing as NonNullable<typeof fetchTracing>).tracePromise(invoke, {
            namespace,
            key: job.key,
            purpose: job.purpose,
          })
        : invoke();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#track(pending, job.key);
    onCalled(pending);
    if (timeoutMs === undefined) return pending;
    return withDeadline(pending, timeoutMs, () => {
      observer.timedOut(job.key, timeoutMs, false);
      const error = new IsrTimeoutError(timeoutMs, keyText(job.key));
      flight.controller.abort(error);
      return error;
    });
  }

  #track(pending: Promise<unknown>, key: CacheKey): void {
    this.#unsettled.set(pending, key);
    const forget = () => {
      this.#unsettled.delete(pending);
    };
    pending.then(forget, forget);
  }

  /** Writes an entry; a store failure is logged and the fetched value is still served. */
  async #write(job: FetchJob<V, E>, entry: StoreEntry<V>, retentionMs: number): Promise<void> {
    const { store, health, keys, table } = this.#parts;
    // Past ~35 years a lifetime is forever: some stores (Redis's PX) refuse bigger numbers.
    const ttlMs = retentionMs > MAX_STORE_TTL_MS ? Number.POSITIVE_INFINITY : retentionMs;
    try {
      if (table !== undefined) {
        table.set(typeof job.key === "string" ? KeyKind.String : KeyKind.Array, job.key, entry, ttlMs);
      } else {
        await store.set(job.storeKey, entry, ttlMs);
        health.answered();
      }
      keys.remember(job.key, job.storeKey);
    } catch (error) {
      health.failed(error, job.key);
    }
  }

  /** Removes the key's older entry; a store failure is logged. */
  async #drop(job: FetchJob<V, E>): Promise<void> {
    const { store, health } = this.#parts;
    try {
      await store.delete(job.storeKey);
    } catch (error) {
      health.failed(error, job.key);
    }
  }
}

/** The longest lifetime handed to a store as a number (2^40 ms, about 35 years); longer is kept without expiry. */
export const MAX_STORE_TTL_MS = 2 ** 40;

/** Until when an entry may be served at all (its stale-if-error window included). */
function lastUse(entry: StoreEntry): number {
  return entry.staleIfErrorUntil ?? entry.expiresAt;
}
