import { type Answer, type Need, NOTHING_SEEN, publicResult, SERVED_ANSWER } from "./answers.js";
import { monotonicFrom } from "./clock.js";
import { ageOf, Standing, standingOf } from "./entry.js";
import { IsrClosedError, IsrKeyRejectedError, withoutStack } from "./errors.js";
import { KeyAdmission } from "./fetch/admission.js";
import { ErrorBackoff } from "./fetch/backoff.js";
import { FlightTable } from "./fetch/flights.js";
import { FetchLimiter } from "./fetch/limiter.js";
import { FetchRequests } from "./fetch/requests.js";
import { FetchRunner } from "./fetch/runner.js";
import type { Isr, IsrResult, Served } from "./isr.js";
import {
  type CacheKey,
  checkedArrayKey,
  decodeKey,
  KeyEncoder,
  namespacePrefix,
  privateNamespace,
} from "./key.js";
import { Log } from "./log.js";
import type { IsrEventName, IsrListener } from "./observe/events.js";
import { recentKeysInspection } from "./observe/inspect.js";
import { INSPECTION, type Inspection } from "./observe/inspection.js";
import { Observer } from "./observe/observer.js";
import { RecentKeys } from "./observe/recent.js";
import type { IsrStats } from "./observe/stats.js";
import { DEFAULTS, type IsrOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { StaleIfError } from "./stale-if-error.js";
import { StoreHealth } from "./store-health.js";
import type { NamespaceTable } from "./stores/memory/namespace-table.js";
import { defaultStore, type HeldTable, MEMORY_TABLE } from "./stores/memory.js";
import type { Store, StoreEntry } from "./stores/store.js";
import { checkTag, type InvalidationMode, TagRegistry, TagVerdict } from "./tags.js";

export type { InspectedEntry, Isr, IsrResult, IsrState, Served } from "./isr.js";

/**
 * The engine: the public API and the freshness state machine (fresh → serve; stale → serve
 * and refresh once in the background; miss or too stale → fetch, single-flight). The fetch
 * path itself (slot, deadline, checks, write) is the runner's.
 */
export class Engine<V, E = void> implements Isr<V, E> {
  readonly namespace: string;
  readonly store: Store;
  readonly #options: ResolvedOptions<V, E>;
  readonly #keys: KeyEncoder;
  readonly #log: Log;
  readonly #flights = new FlightTable<V>();
  readonly #tags: TagRegistry;
  readonly #backoff: ErrorBackoff | undefined;
  readonly #limiter: FetchLimiter;
  readonly #admission: KeyAdmission;
  readonly #observer: Observer;
  readonly #recent = new RecentKeys<E>();
  readonly #health: StoreHealth;
  readonly #runner: FetchRunner<V, E>;
  readonly #requests: FetchRequests<V, E>;
  readonly #stopWatchingEvictions: (() => void) | undefined;
  readonly #stopHearingTags: (() => void) | undefined;
  readonly #stopHearingDeletes: (() => void) | undefined;
  /** With a memory store: this namespace's table, read directly on every lookup. */
  readonly #held: HeldTable | undefined;
  readonly #table: NamespaceTable | undefined;
  /** The entry clock (`options.now`), at hand for the hot path. */
  readonly #now: () => number;
  #closed = false;
  #closing: Promise<void> | undefined;
  #lastKey: string | undefined;
  #lastStoreKey = "";
  #answeredValue: V | undefined;
  #answeredAgeMs = -1;
  #answered: Promise<IsrResult<V>> | undefined;

  constructor(options: IsrOptions<V, E>, knownOptions?: readonly string[]) {
    const resolved = resolveOptions(options, knownOptions);
    this.#options = resolved;
    this.#now = resolved.now;
    this.store = resolved.store ?? defaultStore();
    if (resolved.namespace === undefined && this.store.coordinate !== undefined) {
      throw new TypeError(
        'isr-plug: "namespace" is required with a store shared by several processes: name the data, so that the processes serving it share it and nothing else does',
      );
    }
    this.namespace = resolved.namespace ?? privateNamespace(DEFAULTS.namespace);
    const prefix = namespacePrefix(this.namespace);
    this.#keys = new KeyEncoder(prefix);
    const hold = (this.store as { [MEMORY_TABLE]?: (prefix: string) => HeldTable })[MEMORY_TABLE];
    this.#held = typeof hold === "function" ? hold.call(this.store, prefix) : undefined;
    this.#table = this.#held?.table;
    this.#log = new Log(resolved.logger);
    this.#tags = new TagRegistry(resolved.maxTags);
    const elapsed = monotonicFrom(resolved.now);
    this.#backoff = resolved.errorBackoff && new ErrorBackoff(resolved.errorBackoff, elapsed);
    this.#limiter = new FetchLimiter(resolved.maxConcurrentFetches, resolved.maxQueuedFetches);
    this.#admission = new KeyAdmission(resolved.maxKeys, elapsed);
    this.#observer = new Observer(this.namespace, this.#log);
    this.#health = new StoreHealth(this.namespace, this.#log);
    this.#runner = new FetchRunner<V, E>({
      options: resolved,
      namespace: this.namespace,
      store: this.store,
      flights: this.#flights,
      limiter: this.#limiter,
      admission: this.#admission,
      backoff: this.#backoff,
      tags: this.#tags,
      keys: this.#keys,
      observer: this.#observer,
      recent: this.#recent,
      health: this.#health,
      table: this.#table,
      elapsed,
      closed: () => this.#closed,
    });
    this.#requests = new FetchRequests<V, E>({
      options: resolved,
      namespace: this.namespace,
      flights: this.#flights,
      runner: this.#runner,
      tags: this.#tags,
      backoff: this.#backoff,
      admission: this.#admission,
      limiter: this.#limiter,
      observer: this.#observer,
      log: this.#log,
      staleIfError: new StaleIfError<V>({
        namespace: this.namespace,
        now: resolved.now,
        observer: this.#observer,
        log: this.#log,
        softTimeoutMs: resolved.softTimeoutMs,
      }),
      closed: () => this.#closed,
    });
    this.#stopWatchingEvictions = this.store.onEvict?.((storeKey, reason) => {
      const key = decodeKey(prefix, storeKey);
      if (key === undefined) return;
      this.#admission.forget(storeKey);
      this.#observer.evicted(key, reason);
    });
    // A key deleted by another engine or process: a fetch of it already running no longer
    // answers requests that come after, nor is it stored.
    this.#stopHearingDeletes = this.store.onInvalidate?.((storeKey) => {
      if (storeKey === undefined) this.#flights.detachAll();
      else this.#flights.detach(storeKey);
    });
    // Every engine on this store (in this process, or the fleet's) shares the namespace's invalidations.
    this.#stopHearingTags = this.store.tags?.subscribe(this.namespace, (invalidation) => {
      this.#tags.record(invalidation);
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

  /** The inspector's seam (see observe/inspection.ts). @internal */
  [INSPECTION](): Inspection<V> {
    return recentKeysInspection<V, E>({
      recent: this.#recent,
      store: this.store,
      tags: this.#tags,
      now: this.#options.now,
      revalidate: (key, extracted) => this.revalidate(key, extracted),
    });
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
    hit: (value, state, ageMs) => {
      if (state !== "fresh") return Promise.resolve({ value, state, ageMs });
      // The same value at the same age is the same answer, whichever entry it came from.
      if (value === this.#answeredValue && ageMs === this.#answeredAgeMs) {
        this.#answered ??= Promise.resolve(Object.freeze({ value, state, ageMs }));
        return this.#answered;
      }
      this.#answeredValue = value;
      this.#answeredAgeMs = ageMs;
      this.#answered = undefined;
      return Promise.resolve({ value, state, ageMs });
    },
    miss: (pending) => pending.then(publicResult),
  };

  /** The store key of `key` (a `TypeError` for anything else); the same string asked again costs a comparison. */
  #storeKeyOf(key: CacheKey): string {
    if (typeof key !== "string") return this.#keys.encode(key);
    if (key === this.#lastKey) return this.#lastStoreKey;
    const storeKey = this.#keys.encode(key);
    this.#lastKey = key;
    this.#lastStoreKey = storeKey;
    return storeKey;
  }

  /** A refused key is answered with an error of its own, built without a stack trace. */
  #tooLong(): IsrKeyRejectedError {
    return withoutStack(
      () => new IsrKeyRejectedError(`longer than maxKeyLength (${this.#options.maxKeyLength})`),
    );
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
    const table = this.#table;
    if (table !== undefined) {
      // A memory store's own table: one Map lookup with the caller's key, no store key built,
      // and a plain entry's times read straight from its slot.
      const slot = typeof key === "string" ? table.stringSlot(key) : table.arraySlot(checkedArrayKey(key));
      if (slot !== undefined) {
        const slots = table.slots;
        if (slots.plain(slot)) {
          const now = this.#now();
          const storedAt = slots.storedAt[slot] as number;
          const ttlMs = slots.ttl[slot] as number;
          if (now < storedAt + ttlMs) {
            const ageMs = now > storedAt ? now - storedAt : 0;
            return this.#freshHit(slots.values[slot] as V, key, ageMs, ttlMs, answer);
          }
        }
        return this.#decide(undefined, key, extracted, slots.entryAt(slot) as StoreEntry<V>, answer);
      }
    }
    const storeKey = this.#storeKeyOf(key);
    if (storeKey.length > this.#options.maxKeyLength) return answer.miss(Promise.reject(this.#tooLong()));
    if (table !== undefined) return this.#decide(storeKey, key, extracted, undefined, answer);
    let found: ReturnType<Store["get"]>;
    try {
      found = this.store.get(storeKey);
    } catch (error) {
      this.#health.failed(error);
      return this.#decide(storeKey, key, extracted, undefined, answer);
    }
    // An entry (it has a numeric storedAt) or nothing: a synchronous answer, no promise hop.
    if (found === undefined || typeof (found as StoreEntry).storedAt === "number") {
      if (this.#health.failing) this.#health.answered();
      return this.#decide(storeKey, key, extracted, found as StoreEntry<V> | undefined, answer);
    }
    // An async store: whatever the lookup finds, the answer is a miss-shaped promise. A lookup
    // made by the key's own fetch is decided as if it had not waited, so it is still spotted.
    const insideOwnFetch = this.#runner.callingFetchOf(storeKey);
    const decide = (entry: StoreEntry<V> | undefined) => {
      const run = () => this.#decide(storeKey, key, extracted, entry, SERVED_ANSWER<V>());
      return insideOwnFetch ? this.#runner.asCalling(storeKey, run) : run();
    };
    const decided = Promise.resolve(found).then(
      (entry) => {
        this.#health.answered();
        return decide(entry as StoreEntry<V> | undefined);
      },
      (error: unknown) => {
        this.#health.failed(error);
        return decide(undefined);
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
    const channel = this.store.tags;
    // Without a channel the engine numbers its own invalidations; with one, the channel numbers
    // them and this engine hears them back (before `publish` settles, even when it rejects).
    if (channel === undefined) this.#tags.record({ tag, mode, seq: this.#tags.next() });
    this.#observer.tagInvalidated(tag, mode);
    if (this.#log.debugEnabled())
      this.#log.debug({ namespace: this.namespace, tag, mode }, "tag invalidated");
    await channel?.publish(this.namespace, { tag, mode });
  }

  async revalidate(key: CacheKey, extracted: E): Promise<V> {
    if (this.#closed) throw new IsrClosedError();
    const storeKey = this.#keys.encode(key);
    if (storeKey.length > this.#options.maxKeyLength) throw this.#tooLong();
    const insideOwnFetch = this.#runner.callingFetchOf(storeKey);
    let previous: StoreEntry<V> | undefined;
    try {
      previous = (await this.store.get(storeKey)) as StoreEntry<V> | undefined;
    } catch (error) {
      this.#health.failed(error);
    }
    const seen = previous;
    if (previous !== undefined && this.#tags.verdict(previous) === TagVerdict.Hard) previous = undefined;
    const need: Need<V> = { previous, staleIfError: undefined, seen };
    const fetch = () => this.#requests.fetch(storeKey, key, extracted, need, "revalidate");
    return (await (insideOwnFetch ? this.#runner.asCalling(storeKey, fetch) : fetch())).value;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    this.#closed = true;
    this.#stopWatchingEvictions?.();
    this.#stopHearingTags?.();
    this.#stopHearingDeletes?.();
    this.#held?.release();
    // Deaf to tag invalidations from now on, it stops trusting tagged values rather than serve
    // one that another engine invalidated.
    this.#tags.record({ tag: undefined, mode: "hard", seq: Number.POSITIVE_INFINITY });
    this.#limiter.refuseQueued();
    const flights = this.#flights.all();
    for (const flight of flights) flight.controller.abort(new IsrClosedError());
    const abandoned = await this.#runner.settle(flights, this.#options.closeTimeoutMs);
    if (abandoned.length > 0) {
      this.#log.warn(
        { namespace: this.namespace, keys: abandoned.slice(0, 20), count: abandoned.length },
        "closed with fetches still running past closeTimeoutMs (they ignore their abort signal); abandoned",
      );
    }
  }

  #freshHit<R>(value: V, key: CacheKey, ageMs: number, ttlMs: number, answer: Answer<V, R>): R {
    this.#observer.served("fresh", key, ageMs);
    if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key, ageMs }, "fresh hit");
    return answer.hit(value, "fresh", ageMs, key, ttlMs);
  }

  /** `storeKey` may be left undefined by a hit on a memory table: a fresh hit never needs it. */
  #decide<R>(
    maybeStoreKey: string | undefined,
    key: CacheKey,
    extracted: E,
    entry: StoreEntry<V> | undefined,
    answer: Answer<V, R>,
  ): R {
    if (entry === undefined) {
      const storeKey = maybeStoreKey ?? this.#keys.encode(key);
      return answer.miss(this.#requests.serve(storeKey, key, extracted, NOTHING_SEEN));
    }
    const now = this.#options.now();
    const verdict = entry.tags === undefined ? TagVerdict.None : this.#tags.verdict(entry);
    const standing = standingOf(entry, now, verdict);
    if (standing === Standing.Fresh) {
      return this.#freshHit(entry.value, key, ageOf(entry, now), entry.staleAt - entry.storedAt, answer);
    }
    const storeKey = maybeStoreKey ?? this.#keys.encode(key);
    switch (standing) {
      case Standing.Stale: {
        const ageMs = ageOf(entry, now);
        this.#observer.served("stale", key, ageMs);
        this.#requests.refresh(storeKey, key, extracted, entry);
        if (this.#log.debugEnabled()) this.#log.debug({ namespace: this.namespace, key, ageMs }, "stale hit");
        return answer.hit(entry.value, "stale", ageMs, key, entry.staleAt - entry.storedAt);
      }
      case Standing.StaleIfError:
        return answer.miss(
          this.#requests.serve(storeKey, key, extracted, {
            previous: entry,
            staleIfError: entry,
            seen: entry,
          }),
        );
      default: {
        // A too-stale value may still inform a conditional fetch; a hard-invalidated one may not.
        const previous = verdict === TagVerdict.Hard ? undefined : entry;
        return answer.miss(
          this.#requests.serve(storeKey, key, extracted, { previous, staleIfError: undefined, seen: entry }),
        );
      }
    }
  }
}

/** Creates an engine (see `IsrOptions`). Throws a `TypeError` naming a bad option. */
export function createIsr<V, E = void>(options: IsrOptions<V, E>): Isr<V, E> {
  return new Engine<V, E>(options);
}
