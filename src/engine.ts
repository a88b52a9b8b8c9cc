import { FetchLimiter, KeyAdmission } from "./admission.js";
import { ErrorBackoff } from "./backoff.js";
import { createEntry, Standing, standingOf } from "./entry.js";
import { IsrClosedError, IsrError, IsrFetchError, IsrKeyRejectedError, IsrTimeoutError } from "./errors.js";
import { FetchControl } from "./fetch-context.js";
import { type CacheKey, decodeKey, encodeKey, namespacePrefix } from "./key.js";
import { Log } from "./log.js";
import { fetchTracing, tracingFetches } from "./observe/channels.js";
import type { IsrEventName, IsrListener } from "./observe/events.js";
import { Observer } from "./observe/observer.js";
import { type KeyRecord, RecentKeys } from "./observe/recent.js";
import type { IsrStats } from "./observe/stats.js";
import { type IsrOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { type Flight, FlightTable } from "./single-flight.js";
import { defaultStore } from "./stores/memory.js";
import type { FetchPurpose, Store, StoreEntry } from "./stores/store.js";
import { checkTag, type InvalidationMode, TagRegistry, TagVerdict } from "./tags.js";

/** How a value was served: fresh from the cache, stale (a refresh runs), or fetched now. */
export type IsrState = "fresh" | "stale" | "miss";

/** What `get` resolves with. */
export interface IsrResult<V> {
  value: V;
  state: IsrState;
  /** ms since the value was stored (about 0 for a value fetched for this request). */
  ageMs: number;
  /**
   * Present only when an older value was served because the fetch failed (stale-if-error)
   * or passed `softTimeoutMs`: the fetch's error, or a soft `IsrTimeoutError`.
   */
  error?: unknown;
}

/**
 * What `lookup` answers: the result plus the key and the entry it came from, which adapters
 * need for `info` and headers. `get` hands out only the public fields.
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
  /**
   * Invalidates every entry carrying `tag`: `"hard"` (default) makes them misses, `"soft"`
   * makes them stale (served while one refresh runs). Costs the same whatever the number of entries.
   */
  invalidateTag(tag: string, options?: { mode?: InvalidationMode }): Promise<void>;
  /** Fetches now (joining a fetch already in flight), stores, resolves with the new value. */
  revalidate(key: CacheKey, extracted: E): Promise<V>;
  /** Stops new fetches, aborts the signals of in-flight ones and waits for them to settle. */
  close(): Promise<void>;
  /** Subscribes to an event (see `IsrEvents`); returns the unsubscribe function. */
  on<N extends IsrEventName>(name: N, listener: IsrListener<N>): () => void;
  /** Counters, gauges and histograms of this engine since it was created. */
  stats(): IsrStats;
  /**
   * The keys this engine fetched recently (at most 1 000) with their entries' standing, for
   * the inspector. Values are left out unless `values` is true: they may be private.
   */
  inspect(options?: { values?: boolean }): Promise<InspectedEntry<V>[]>;
  /** Revalidates a key listed by `inspect` (by its `id`), with the extracted data of its latest fetch. */
  revalidateById(id: string): Promise<V>;
}

/** One key as the inspector shows it. */
export interface InspectedEntry<V> {
  /** Opaque id of the entry, for `invalidate`/`revalidate` by id. */
  id: string;
  key: CacheKey;
  state: "fresh" | "stale" | "error-window" | "expired" | "missing";
  ageMs?: number;
  ttlMs?: number;
  staleTtlMs?: number;
  staleIfErrorMs?: number;
  tags?: readonly string[];
  value?: V;
  fetching: boolean;
  lastFetch?: { at: number; durationMs: number; ok: boolean; error?: string };
}

/** What a request that needs a fetch brings along. */
interface Need<V> {
  /** What the fetch's `previous` shows (none after a hard tag invalidation). */
  previous: StoreEntry<V> | undefined;
  /** A value still in its stale-if-error window, served if the fetch fails or is slow. */
  fallback: StoreEntry<V> | undefined;
  /** The entry the request read from the store, whatever its standing (for a fleet's `coordinate`). */
  seen: StoreEntry<V> | undefined;
}

const NOTHING_SEEN: Need<never> = Object.freeze({
  previous: undefined,
  fallback: undefined,
  seen: undefined,
});

/**
 * How a lookup answers: adapters take the `Served` result as is (a hit without a promise);
 * `get` answers a promise of the public fields only.
 */
interface Answer<V, R> {
  hit(value: V, state: "fresh" | "stale", ageMs: number, key: CacheKey, entry: StoreEntry<V>): R;
  miss(pending: Promise<Served<V>>): R;
}

const SERVED: Answer<unknown, Served<unknown> | Promise<Served<unknown>>> = {
  hit: (value, state, ageMs, key, entry) => ({ value, state, ageMs, key, entry }),
  miss: (pending) => pending,
};

function SERVED_ANSWER<V>(): Answer<V, Served<V> | Promise<Served<V>>> {
  return SERVED as Answer<V, Served<V> | Promise<Served<V>>>;
}

/** The public fields of a result; frozen, like a hit's shared answer. */
function publicResult<V>(served: Served<V>): IsrResult<V> {
  const { value, state, ageMs, error } = served;
  return Object.freeze(error === undefined ? { value, state, ageMs } : { value, state, ageMs, error });
}

function ageOf(entry: StoreEntry, now: number): number {
  return now > entry.storedAt ? now - entry.storedAt : 0;
}

export class Engine<V, E = void> implements Isr<V, E> {
  readonly namespace: string;
  readonly store: Store;
  readonly #options: ResolvedOptions<V, E>;
  readonly #prefix: string;
  readonly #log: Log;
  readonly #flights = new FlightTable<V>();
  readonly #tags: TagRegistry;
  readonly #backoff: ErrorBackoff | undefined;
  readonly #limiter: FetchLimiter;
  readonly #admission: KeyAdmission;
  /**
   * Refusals under a flood reuse one error each: a stack trace per refused request would
   * cost us more than the request costs the sender.
   */
  readonly #tooManyKeys: IsrKeyRejectedError;
  readonly #keyTooLong: IsrKeyRejectedError;
  /** Entries served to their waiters but not stored (noCache, invalidated meanwhile). */
  readonly #unstored = new WeakSet<StoreEntry>();
  readonly #observer: Observer;
  readonly #recent = new RecentKeys<E>();
  readonly #stopWatchingEvictions: (() => void) | undefined;
  readonly #stopHearingTags: (() => void) | undefined;
  #closed = false;
  #storeFailing = false;
  #lastKey: CacheKey | undefined;
  #lastStoreKey = "";
  #answeredEntry: StoreEntry<V> | undefined;
  #answeredAgeMs = -1;
  #answered: Promise<IsrResult<V>> | undefined;

  constructor(options: IsrOptions<V, E>, knownOptions?: readonly string[]) {
    const resolved = resolveOptions(options, knownOptions);
    this.#options = resolved;
    this.namespace = resolved.namespace;
    this.store = resolved.store ?? defaultStore();
    this.#prefix = namespacePrefix(this.namespace);
    this.#log = new Log(resolved.logger);
    this.#tags = new TagRegistry(resolved.maxTags);
    this.#backoff = resolved.errorBackoff && new ErrorBackoff(resolved.errorBackoff, resolved.now);
    this.#limiter = new FetchLimiter(resolved.maxConcurrentFetches, resolved.maxQueuedFetches);
    this.#admission = new KeyAdmission(resolved.maxKeys, resolved.now);
    this.#tooManyKeys = new IsrKeyRejectedError(`more than maxKeys (${resolved.maxKeys}) keys`);
    this.#keyTooLong = new IsrKeyRejectedError(`longer than maxKeyLength (${resolved.maxKeyLength})`);
    this.#observer = new Observer(this.namespace, this.#log);
    this.#stopWatchingEvictions = this.store.onEvict?.((storeKey, reason) => {
      const key = decodeKey(this.#prefix, storeKey);
      if (key !== undefined) this.#observer.evicted(key, reason);
    });
    // Other engines on this store (in this process, or the fleet's) invalidate tags too.
    this.#stopHearingTags = this.store.tags?.subscribe(this.namespace, ({ tag, mode, at }) => {
      if (tag === undefined) this.#tags.raiseFloor(mode, at);
      else this.#tags.invalidate(tag, mode, at);
    });
  }

  on<N extends IsrEventName>(name: N, listener: IsrListener<N>): () => void {
    return this.#observer.on(name, listener);
  }

  stats(): IsrStats {
    const c = this.#observer.counters;
    const fromCache = c.fresh + c.stale + c.fallback;
    const all = fromCache + c.miss + c.errors;
    const size = this.store.size;
    return {
      namespace: this.namespace,
      served: { fresh: c.fresh, stale: c.stale, miss: c.miss, fallback: c.fallback },
      errors: c.errors,
      hitRatio: all === 0 ? 0 : fromCache / all,
      fetches: {
        started: c.fetchesStarted,
        succeeded: c.fetchesSucceeded,
        failed: c.fetchesFailed,
        timedOut: c.fetchesTimedOut,
        inFlight: this.#flights.size,
        queued: this.#limiter.queued,
      },
      refreshes: { succeeded: c.refreshesSucceeded, failed: c.refreshesFailed },
      storeEntries: typeof size === "number" ? size : undefined,
      admittedKeys: this.#admission.size,
      invalidatedTags: this.#tags.size,
      evictions: c.evictions,
      ageMs: c.age.snapshot(),
      refreshLagMs: c.refreshLag.snapshot(),
    };
  }

  async inspect(options: { values?: boolean } = {}): Promise<InspectedEntry<V>[]> {
    const now = this.#options.now();
    const records = this.#recent.entries();
    const entries = await Promise.all(
      records.map(async ([id]) => {
        try {
          return (await this.store.get(id)) as StoreEntry<V> | undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return records.map(([id, record], i) =>
      describeEntry(id, record, entries[i], now, this.#tags, options.values === true),
    );
  }

  /**
   * Whether a served entry was written to the store (false for `noCache` values and fetches
   * overtaken by an invalidation). Adapters report it in `Cache-Status`.
   * @internal
   */
  isStored(entry: StoreEntry<V>): boolean {
    return !this.#unstored.has(entry);
  }

  revalidateById(id: string): Promise<V> {
    const record = this.#recent.get(id);
    if (record === undefined) return Promise.reject(new TypeError(`isr-plug: no recent key with id ${id}`));
    return this.revalidate(record.key, record.extracted);
  }

  get log(): Log {
    return this.#log;
  }

  get(key: CacheKey, extracted: E): Promise<IsrResult<V>> {
    try {
      return this.#lookup(key, extracted, this.#publicAnswer);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `get`'s answers. A fresh hit on the entry answered last, in the same millisecond, gets
   * the same (frozen) answer: a hot key then costs no allocation at all.
   */
  readonly #publicAnswer: Answer<V, Promise<IsrResult<V>>> = {
    hit: (value, state, ageMs, _key, entry) => {
      if (state === "fresh" && entry === this.#answeredEntry && ageMs === this.#answeredAgeMs) {
        return this.#answered as Promise<IsrResult<V>>;
      }
      const answer = Promise.resolve(Object.freeze({ value, state, ageMs }));
      if (state === "fresh") {
        this.#answeredEntry = entry;
        this.#answeredAgeMs = ageMs;
        this.#answered = answer;
      }
      return answer;
    },
    miss: (pending) => pending.then(publicResult),
  };

  /** The store key of `key`; the last one is remembered, since hot paths ask for the same key again. */
  #storeKeyOf(key: CacheKey): string {
    if (key === this.#lastKey) return this.#lastStoreKey;
    const storeKey = encodeKey(this.#prefix, key);
    // Only strings: an array key may be mutated by its owner after this call.
    if (typeof key === "string") {
      this.#lastKey = key;
      this.#lastStoreKey = storeKey;
    }
    return storeKey;
  }

  /**
   * `get` without the promise hop when the store answers synchronously: a fresh or stale
   * hit is returned as is. Adapters call this; a thrown error is a bad key.
   * @internal
   */
  lookup(key: CacheKey, extracted: E): Served<V> | Promise<Served<V>> {
    return this.#lookup(key, extracted, SERVED_ANSWER<V>());
  }

  #lookup<R>(key: CacheKey, extracted: E, answer: Answer<V, R>): R {
    const storeKey = this.#storeKeyOf(key);
    if (storeKey.length > this.#options.maxKeyLength) {
      return answer.miss(Promise.reject(this.#keyTooLong));
    }
    let found: ReturnType<Store["get"]>;
    try {
      found = this.store.get(storeKey);
    } catch (error) {
      this.#storeFailed(error);
      return this.#decide(storeKey, key, extracted, undefined, answer);
    }
    // An entry (it has a numeric storedAt) or nothing: a synchronous answer, no promise hop.
    if (found === undefined || typeof (found as StoreEntry).storedAt === "number") {
      if (this.#storeFailing) this.#storeRecovered();
      return this.#decide(storeKey, key, extracted, found as StoreEntry<V> | undefined, answer);
    }
    // An async store: whatever the lookup finds, the answer is a miss-shaped promise.
    const decided = Promise.resolve(found).then(
      (entry) => {
        if (this.#storeFailing) this.#storeRecovered();
        return this.#decide(storeKey, key, extracted, entry as StoreEntry<V> | undefined, SERVED_ANSWER<V>());
      },
      (error: unknown) => {
        this.#storeFailed(error);
        return this.#decide(storeKey, key, extracted, undefined, SERVED_ANSWER<V>());
      },
    );
    return answer.miss(decided);
  }

  async invalidate(key: CacheKey): Promise<void> {
    const storeKey = encodeKey(this.#prefix, key);
    this.#flights.detach(storeKey);
    this.#admission.forget(storeKey);
    this.#backoff?.succeeded(storeKey);
    // The key stays in the recent list (as missing), so the inspector can still revalidate it.
    await this.store.delete(storeKey);
    this.#observer.invalidated(key);
    if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key }, "invalidated");
  }

  async invalidateTag(tag: string, options: { mode?: InvalidationMode } = {}): Promise<void> {
    checkTag(tag);
    const mode = options.mode ?? "hard";
    if (mode !== "soft" && mode !== "hard") {
      throw new TypeError(`isr-plug: invalidateTag mode must be "soft" or "hard", got ${String(mode)}`);
    }
    // After every earlier invalidation: values stored since then (moved past it) count as older.
    const at = Math.max(this.#options.now(), this.#tags.latestAt + 1);
    this.#tags.invalidate(tag, mode, at);
    this.#observer.tagInvalidated(tag, mode);
    if (this.#log.debugEnabled())
      this.#log.debug({ namespace: this.namespace, tag, mode }, "tag invalidated");
    // Applied here first; a failure to tell the others rejects (as a fleet store's delete does).
    await this.store.tags?.publish(this.namespace, { tag, mode, at });
  }

  async revalidate(key: CacheKey, extracted: E): Promise<V> {
    if (this.#closed) throw new IsrClosedError();
    const storeKey = encodeKey(this.#prefix, key);
    let previous: StoreEntry<V> | undefined;
    try {
      previous = (await this.store.get(storeKey)) as StoreEntry<V> | undefined;
    } catch (error) {
      this.#storeFailed(error);
    }
    const seen = previous;
    if (previous !== undefined && this.#tags.verdict(previous) === TagVerdict.Hard) previous = undefined;
    const need: Need<V> = { previous, fallback: undefined, seen };
    return (await this.#fetchForRequest(storeKey, key, extracted, need, "revalidate")).value;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatchingEvictions?.();
    this.#stopHearingTags?.();
    this.#limiter.refuseQueued();
    const flights = this.#flights.all();
    for (const flight of flights) flight.controller.abort(new IsrClosedError());
    await Promise.allSettled(flights.map((flight) => flight.promise));
  }

  #decide<R>(
    storeKey: string,
    key: CacheKey,
    extracted: E,
    entry: StoreEntry<V> | undefined,
    answer: Answer<V, R>,
  ): R {
    if (entry === undefined) return answer.miss(this.#serveByFetch(storeKey, key, extracted, NOTHING_SEEN));
    const now = this.#options.now();
    const verdict = entry.tags === undefined ? TagVerdict.None : this.#tags.verdict(entry);
    switch (standingOf(entry, now, verdict)) {
      case Standing.Fresh: {
        const ageMs = ageOf(entry, now);
        this.#observer.served("fresh", key, ageMs);
        if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key, ageMs }, "fresh hit");
        return answer.hit(entry.value, "fresh", ageMs, key, entry);
      }
      case Standing.Stale: {
        const ageMs = ageOf(entry, now);
        this.#observer.served("stale", key, ageMs);
        this.#refreshInBackground(storeKey, key, extracted, entry);
        if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key, ageMs }, "stale hit");
        return answer.hit(entry.value, "stale", ageMs, key, entry);
      }
      case Standing.Fallback:
        return answer.miss(
          this.#serveByFetch(storeKey, key, extracted, { previous: entry, fallback: entry, seen: entry }),
        );
      default: {
        // A too-stale value may still inform a conditional fetch; a hard-invalidated one may not.
        const previous = verdict === TagVerdict.Hard ? undefined : entry;
        return answer.miss(
          this.#serveByFetch(storeKey, key, extracted, { previous, fallback: undefined, seen: entry }),
        );
      }
    }
  }

  /** A request that must wait for a fetch: reported and counted around `#fetchForRequest`. */
  #serveByFetch(storeKey: string, key: CacheKey, extracted: E, need: Need<V>): Promise<Served<V>> {
    this.#observer.missed(key);
    return this.#fetchForRequest(storeKey, key, extracted, need, "miss").then(
      (served) => {
        if (served.error === undefined) this.#observer.fetchedForRequest();
        return served;
      },
      (error: unknown) => {
        this.#observer.requestFailed();
        throw error;
      },
    );
  }

  /**
   * A request that needs a fetch. It joins the key's flight or starts one. With a
   * `fallback` (a value still inside its stale-if-error window), the request gets that value
   * instead of an error, or instead of waiting past `softTimeoutMs`.
   */
  #fetchForRequest(
    storeKey: string,
    key: CacheKey,
    extracted: E,
    need: Need<V>,
    purpose: "miss" | "revalidate",
  ): Promise<Served<V>> {
    const fallback = need.fallback;
    let flight = this.#flights.get(storeKey);
    if (flight === undefined) {
      const refused = this.#refusal(storeKey, fallback);
      if (refused !== undefined) {
        return fallback === undefined
          ? Promise.reject(refused)
          : Promise.resolve(this.#fallback(key, fallback, refused));
      }
      if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key }, "miss, fetching");
      flight = this.#startFetch(storeKey, key, extracted, purpose, need, false);
    }
    const fetched = flight.promise.then((entry): Served<V> | Promise<Served<V>> => {
      // A refresh this request joined may have been left to another process: fetch for real.
      if (entry === undefined) return this.#fetchForRequest(storeKey, key, extracted, need, purpose);
      return { value: entry.value, state: "miss", ageMs: ageOf(entry, this.#options.now()), key, entry };
    });
    return fallback === undefined ? fetched : this.#withFallback(fetched, key, fallback);
  }

  /** Why a new fetch for a request must not start, if it must not. */
  #refusal(storeKey: string, fallback: StoreEntry<V> | undefined): unknown {
    if (this.#closed) return new IsrClosedError();
    // Only a request that has something to serve skips a failing origin.
    if (fallback !== undefined) {
      const waiting = this.#backoff?.waiting(storeKey);
      if (waiting !== undefined) return waiting.error;
    }
    if (!this.#admission.admit(storeKey)) return this.#tooManyKeys;
    return undefined;
  }

  #withFallback(fetched: Promise<Served<V>>, key: CacheKey, fallback: StoreEntry<V>): Promise<Served<V>> {
    const softTimeoutMs = this.#options.softTimeoutMs;
    return new Promise<Served<V>>((resolve) => {
      // After a soft deadline has served the fallback, the fetch's own end changes nothing here.
      let answered = false;
      const answer = (served: Served<V>) => {
        answered = true;
        resolve(served);
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (softTimeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#observer.timedOut(key, softTimeoutMs, true);
          answer(this.#fallback(key, fallback, new IsrTimeoutError(softTimeoutMs, keyText(key), true)));
        }, softTimeoutMs);
      }
      fetched.then(
        (served) => {
          clearTimeout(timer);
          if (!answered) answer(served);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!answered) answer(this.#fallback(key, fallback, error));
        },
      );
    });
  }

  #fallback(key: CacheKey, entry: StoreEntry<V>, error: unknown): Served<V> {
    const ageMs = ageOf(entry, this.#options.now());
    this.#observer.fellBack(key, ageMs, error);
    this.#log.warn(
      { namespace: this.namespace, key, ageMs, err: error },
      "fetch failed or is slow; serving the last good value",
    );
    return { value: entry.value, state: "stale", ageMs, key, entry, error };
  }

  #refreshInBackground(storeKey: string, key: CacheKey, extracted: E, stale: StoreEntry<V>): void {
    if (this.#closed || this.#flights.has(storeKey)) return;
    if (this.#backoff?.waiting(storeKey) !== undefined) return;
    if (!this.#limiter.tryAcquire()) return;
    if (!this.#admission.admit(storeKey)) {
      this.#limiter.release();
      return;
    }
    const flight = this.#startFetch(
      storeKey,
      key,
      extracted,
      "refresh",
      { previous: stale, fallback: undefined, seen: stale },
      true,
    );
    const startedAt = performance.now();
    flight.promise.then(
      (entry) => {
        if (entry === undefined) return; // another process of the fleet refreshes it
        this.#observer.refreshed(
          key,
          performance.now() - startedAt,
          Math.max(0, entry.storedAt - stale.staleAt),
        );
        if (this.#log.debugEnabled())
          this.#log.debug({ namespace: this.namespace, key }, "refreshed in background");
      },
      (error: unknown) => {
        this.#observer.refreshFailed(key, performance.now() - startedAt, error);
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
  #startFetch(
    storeKey: string,
    key: CacheKey,
    extracted: E,
    purpose: FetchPurpose,
    need: Need<V>,
    holdsSlot: boolean,
  ): Flight<V> {
    return this.#flights.start(storeKey, (flight) => {
      let slotPending = holdsSlot;
      const produce = () => {
        slotPending = false;
        return this.#produce(flight, storeKey, key, extracted, need.previous, holdsSlot, purpose);
      };
      const store = this.store;
      if (store.coordinate === undefined) return produce();
      const context = { signal: flight.controller.signal, seen: need.seen };
      const coordinated = store.coordinate(storeKey, purpose, produce, context) as Promise<
        StoreEntry<V> | undefined
      >;
      // A slot taken for a refresh that another process ends up doing is given back.
      const settled = coordinated.finally(() => {
        if (slotPending) this.#limiter.release();
      });
      if (purpose === "refresh") return settled;
      return settled.then((entry) => {
        if (entry === undefined)
          throw new IsrError("isr-plug: store.coordinate resolved no entry for a miss", "ISR_STORE");
        return entry;
      });
    });
  }

  /** Fetches, checks and stores one value, holding a fetch slot throughout. */
  async #produce(
    flight: Flight<V>,
    storeKey: string,
    key: CacheKey,
    extracted: E,
    previous: StoreEntry<V> | undefined,
    holdsSlot: boolean,
    purpose: FetchPurpose,
  ): Promise<StoreEntry<V>> {
    if (!holdsSlot) await this.#limiter.acquire();
    const record = this.#recent.started(storeKey, key, extracted);
    this.#observer.fetchStarted(key, purpose);
    const startedAt = performance.now();
    let failure: { error: unknown } | undefined;
    let stored = false;
    try {
      const control = new FetchControl<V>(key, flight.controller.signal, previous);
      const tagSeq = this.#tags.seq;
      let value: V;
      try {
        value = await this.#runFetch(flight, key, extracted, control, purpose);
        if (value === undefined) {
          throw new IsrFetchError(
            `isr-plug: fetch for key ${keyText(key)} resolved undefined; return null to cache "no value"`,
          );
        }
      } catch (error) {
        if (!(error instanceof IsrClosedError)) this.#backoff?.failed(storeKey, error);
        throw error;
      }
      this.#backoff?.succeeded(storeKey);
      const { entry, retentionMs } = createEntry(value, extracted, control, this.#options, this.#storedAt());
      stored =
        control.cache &&
        retentionMs > 0 &&
        !flight.superseded &&
        !this.#tags.invalidatedSince(entry.tags, tagSeq);
      if (stored) {
        await this.#write(storeKey, key, entry, retentionMs);
        this.#admission.keep(storeKey, retentionMs);
      } else {
        this.#unstored.add(entry);
      }
      return entry;
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      this.#limiter.release();
      const durationMs = performance.now() - startedAt;
      this.#observer.fetchEnded(key, purpose, durationMs, failure?.error, stored, failure !== undefined);
      this.#recent.ended(record, this.#options.now(), durationMs, failure);
    }
  }

  /** Now, but after the latest tag invalidation, so a value stored in that same millisecond counts as newer. */
  #storedAt(): number {
    const now = this.#options.now();
    return now > this.#tags.latestAt ? now : this.#tags.latestAt + 1;
  }

  /** Calls the user's fetch, racing it against `timeoutMs`, which also aborts its signal. */
  #runFetch(
    flight: Flight<V>,
    key: CacheKey,
    extracted: E,
    control: FetchControl<V>,
    purpose: FetchPurpose,
  ): Promise<V> {
    const { fetch, timeoutMs } = this.#options;
    const call = () => Promise.resolve(fetch(extracted, control));
    const pending = tracingFetches()
      ? (fetchTracing as NonNullable<typeof fetchTracing>).tracePromise(call, {
          namespace: this.namespace,
          key,
          purpose,
        })
      : call();
    if (timeoutMs === undefined) return pending;
    return new Promise<V>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#observer.timedOut(key, timeoutMs, false);
        const error = new IsrTimeoutError(timeoutMs, keyText(key));
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

function describeEntry<V, E>(
  id: string,
  record: KeyRecord<E>,
  entry: StoreEntry<V> | undefined,
  now: number,
  tags: TagRegistry,
  withValue: boolean,
): InspectedEntry<V> {
  const described: InspectedEntry<V> = { id, key: record.key, state: "missing", fetching: record.fetching };
  if (record.lastFetch !== undefined) described.lastFetch = { ...record.lastFetch };
  if (entry === undefined) return described;
  const standing = standingOf(entry, now, tags.verdict(entry));
  described.state = (["fresh", "stale", "error-window", "expired"] as const)[standing];
  described.ageMs = ageOf(entry, now);
  described.ttlMs = entry.staleAt - entry.storedAt;
  described.staleTtlMs = entry.expiresAt - entry.staleAt;
  described.staleIfErrorMs = (entry.errorUntil ?? entry.expiresAt) - entry.expiresAt;
  if (entry.tags !== undefined) described.tags = entry.tags;
  if (withValue) described.value = entry.value;
  return described;
}

function keyText(key: CacheKey): string {
  return JSON.stringify(key) ?? String(key);
}

/** Creates an engine (see `IsrOptions`). Throws a `TypeError` naming a bad option. */
export function createIsr<V, E = void>(options: IsrOptions<V, E>): Isr<V, E> {
  return new Engine<V, E>(options);
}
