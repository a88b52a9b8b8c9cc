import { FetchLimiter, KeyAdmission } from "./admission.js";
import { type Answer, type Need, NOTHING_SEEN, publicResult, SERVED_ANSWER } from "./answers.js";
import { ErrorBackoff } from "./backoff.js";
import { ageOf, createEntry, Standing, standingOf } from "./entry.js";
import { IsrClosedError, IsrError, IsrFetchError, IsrKeyRejectedError, IsrTimeoutError } from "./errors.js";
import { FetchControl } from "./fetch-context.js";
import type { InspectedEntry, Isr, IsrResult, Served } from "./isr.js";
import { type CacheKey, decodeKey, KeyEncoder, namespacePrefix } from "./key.js";
import { Log } from "./log.js";
import { fetchTracing, tracingFetches } from "./observe/channels.js";
import type { IsrEventName, IsrListener } from "./observe/events.js";
import { describeEntry } from "./observe/inspect.js";
import { Observer } from "./observe/observer.js";
import { RecentKeys } from "./observe/recent.js";
import type { IsrStats } from "./observe/stats.js";
import { type IsrOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { type Flight, FlightTable } from "./single-flight.js";
import { defaultStore } from "./stores/memory.js";
import type { FetchPurpose, Store, StoreEntry } from "./stores/store.js";
import { checkTag, type InvalidationMode, TagRegistry, TagVerdict } from "./tags.js";
import { withTimeout } from "./timeout.js";

export type { InspectedEntry, Isr, IsrResult, IsrState, Served } from "./isr.js";

export class Engine<V, E = void> implements Isr<V, E> {
  readonly namespace: string;
  readonly store: Store;
  readonly #options: ResolvedOptions<V, E>;
  readonly #prefix: string;
  readonly #keys: KeyEncoder;
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
    this.#keys = new KeyEncoder(this.#prefix);
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
    const size = this.store.size;
    return this.#observer.snapshot({
      inFlight: this.#flights.size,
      queued: this.#limiter.queued,
      storeEntries: typeof size === "number" ? size : undefined,
      admittedKeys: this.#admission.size,
      invalidatedTags: this.#tags.size,
    });
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
   * `get`'s answers. A fresh hit on the entry answered just before, in the same millisecond,
   * shares one frozen answer with it: a hot key then costs no allocation, while keys hit in
   * turn pay for no freezing.
   */
  readonly #publicAnswer: Answer<V, Promise<IsrResult<V>>> = {
    hit: (value, state, ageMs, _key, entry) => {
      if (state !== "fresh") return Promise.resolve({ value, state, ageMs });
      if (entry === this.#answeredEntry && ageMs === this.#answeredAgeMs) {
        this.#answered ??= Promise.resolve(Object.freeze({ value, state, ageMs }));
        return this.#answered;
      }
      this.#answeredEntry = entry;
      this.#answeredAgeMs = ageMs;
      this.#answered = undefined;
      return Promise.resolve({ value, state, ageMs });
    },
    miss: (pending) => pending.then(publicResult),
  };

  /** The store key of `key`; the same key asked again costs an identity check. */
  #storeKeyOf(key: CacheKey): string {
    if (key === this.#lastKey) return this.#lastStoreKey;
    const storeKey = this.#keys.encode(key);
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
    const storeKey = this.#keys.encode(key);
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
    const storeKey = this.#keys.encode(key);
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
    return withTimeout(pending, timeoutMs, () => {
      this.#observer.timedOut(key, timeoutMs, false);
      const error = new IsrTimeoutError(timeoutMs, keyText(key));
      flight.controller.abort(error);
      return error;
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

function keyText(key: CacheKey): string {
  return JSON.stringify(key) ?? String(key);
}

/** Creates an engine (see `IsrOptions`). Throws a `TypeError` naming a bad option. */
export function createIsr<V, E = void>(options: IsrOptions<V, E>): Isr<V, E> {
  return new Engine<V, E>(options);
}
