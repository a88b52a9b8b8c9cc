import type { Need } from "../answers.js";
import { ageOf } from "../entry.js";
import {
  IsrClosedError,
  IsrDeadlockError,
  IsrKeyRejectedError,
  IsrStoreError,
  withoutStack,
} from "../errors.js";
import type { Served } from "../isr.js";
import { type CacheKey, keyText } from "../key.js";
import type { Log } from "../log.js";
import type { Observer } from "../observe/observer.js";
import type { ResolvedOptions } from "../options.js";
import type { StaleIfError } from "../stale-if-error.js";
import type { StoreEntry } from "../stores/store.js";
import type { TagRegistry } from "../tags.js";
import type { KeyAdmission } from "./admission.js";
import type { ErrorBackoff } from "./backoff.js";
import type { FlightTable } from "./flights.js";
import type { FetchLimiter } from "./limiter.js";
import type { FetchRunner } from "./runner.js";

/** What the request side of fetching shares with the engine that owns it. */
export interface RequestParts<V, E> {
  readonly options: ResolvedOptions<V, E>;
  readonly namespace: string;
  readonly flights: FlightTable<V>;
  readonly runner: FetchRunner<V, E>;
  readonly tags: TagRegistry;
  readonly backoff: ErrorBackoff | undefined;
  readonly admission: KeyAdmission;
  readonly limiter: FetchLimiter;
  readonly observer: Observer;
  readonly log: Log;
  readonly staleIfError: StaleIfError<V>;
  readonly closed: () => boolean;
}

/**
 * Requests that need a fetch: they join the key's flight or start one (after the checks that
 * may refuse it), and stale entries get their one background refresh. The state machine in
 * engine.ts decides which; the runner does the fetching.
 */
/** How many times a request fetches again when the store answers a value a tag invalidation predates. */
const MAX_STALE_ANSWERS = 3;

export class FetchRequests<V, E> {
  readonly #parts: RequestParts<V, E>;

  constructor(parts: RequestParts<V, E>) {
    this.#parts = parts;
  }

  /** A request that must wait for a fetch: reported and counted around `#fetchForRequest`. */
  serve(storeKey: string, key: CacheKey, extracted: E, need: Need<V>): Promise<Served<V>> {
    this.#parts.observer.missed(key);
    return this.fetch(storeKey, key, extracted, need, "miss").then(
      (served) => {
        if (served.error === undefined) this.#parts.observer.fetchedForRequest();
        return served;
      },
      (error: unknown) => {
        this.#parts.observer.requestFailed();
        throw error;
      },
    );
  }

  /**
   * A request that needs a fetch. It joins the key's flight or starts one. With `staleIfError`
   * (a value still inside its stale-if-error window), the request gets that value instead of
   * an error, or instead of waiting past `softTimeoutMs`.
   */
  fetch(
    storeKey: string,
    key: CacheKey,
    extracted: E,
    need: Need<V>,
    purpose: "miss" | "revalidate",
    retries = 0,
  ): Promise<Served<V>> {
    const staleIfError = need.staleIfError;
    let flight = this.#parts.flights.get(storeKey);
    const joined = flight !== undefined;
    if (flight === undefined) {
      const refused = this.#refusal(storeKey, need);
      if (refused !== undefined) {
        return staleIfError === undefined
          ? Promise.reject(refused)
          : Promise.resolve(this.#parts.staleIfError.serve(key, staleIfError, refused, false));
      }
      if (this.#parts.log.debugEnabled())
        this.#parts.log.debug({ namespace: this.#parts.namespace, key }, "miss, fetching");
      flight = this.#parts.runner.start({
        key,
        storeKey,
        extracted,
        purpose,
        previous: need.previous,
        seen: need.seen,
        slot: undefined,
        // Only a key with nothing stored takes a place under maxKeys: replacing an entry adds none.
        admitted: need.seen === undefined,
      });
    } else if (this.#parts.runner.callingFetchOf(storeKey)) {
      return Promise.reject(new IsrDeadlockError(keyText(key)));
    }
    // The newest tag invalidation this request could know of when it started waiting.
    const waitingSince = this.#parts.tags.seq;
    const fetched = flight.promise.then((entry): Served<V> | Promise<Served<V>> => {
      // A refresh this request joined may have been left to another process, or the fetch it
      // joined read its data before a hard tag invalidation this request came after: either
      // way, fetch for real (the new fetch starts after that invalidation, so this ends).
      if (entry === undefined) return this.fetch(storeKey, key, extracted, need, purpose, retries);
      if (this.#parts.tags.predates(entry, waitingSince)) {
        // The entry the store answered with (a fleet store may hand back one another process
        // wrote before the invalidation) is now what this request has seen: the next fetch
        // passes it by. Bounded: a store that keeps answering it would otherwise spin forever.
        if (retries >= MAX_STALE_ANSWERS) {
          throw new IsrStoreError(
            `isr-plug: the store kept answering a value older than a tag invalidation for ${keyText(key)}`,
          );
        }
        const passedBy: Need<V> = { previous: undefined, staleIfError: need.staleIfError, seen: entry };
        return this.fetch(storeKey, key, extracted, passedBy, purpose, retries + 1);
      }
      const served: Served<V> = {
        value: entry.value,
        state: "miss",
        ageMs: ageOf(entry, this.#parts.options.now()),
        key,
        ttlMs: entry.staleAt - entry.storedAt,
        stored: !this.#parts.runner.unstored.has(entry),
      };
      if (need.seen !== undefined) served.sawEntry = true;
      if (joined) served.collapsed = true;
      return served;
    });
    return staleIfError === undefined ? fetched : this.#parts.staleIfError.answer(fetched, key, staleIfError);
  }

  /** Why a new fetch for a request must not start, if it must not. */
  #refusal(storeKey: string, need: Need<V>): unknown {
    if (this.#parts.closed()) return new IsrClosedError();
    // Only a request that has something to serve skips a failing origin.
    if (need.staleIfError !== undefined) {
      const waiting = this.#parts.backoff?.waiting(storeKey);
      if (waiting !== undefined) return waiting.error;
    }
    if (need.seen === undefined && !this.#parts.admission.admit(storeKey)) {
      return withoutStack(
        () => new IsrKeyRejectedError(`more than maxKeys (${this.#parts.options.maxKeys}) keys`),
      );
    }
    return undefined;
  }

  refresh(storeKey: string, key: CacheKey, extracted: E, stale: StoreEntry<V>): void {
    if (this.#parts.closed() || this.#parts.flights.has(storeKey)) return;
    if (this.#parts.backoff?.waiting(storeKey) !== undefined) return;
    const slot = this.#parts.limiter.tryAcquire();
    if (slot === undefined) return;
    const flight = this.#parts.runner.start({
      key,
      storeKey,
      extracted,
      purpose: "refresh",
      previous: stale,
      seen: stale,
      slot,
      admitted: false,
    });
    const startedAt = performance.now();
    flight.promise.then(
      (entry) => {
        if (entry === undefined) return; // another process of the fleet refreshes it
        this.#parts.observer.refreshed(
          key,
          performance.now() - startedAt,
          Math.max(0, entry.storedAt - stale.staleAt),
        );
        if (this.#parts.log.debugEnabled())
          this.#parts.log.debug({ namespace: this.#parts.namespace, key }, "refreshed in background");
      },
      (error: unknown) => {
        this.#parts.observer.refreshFailed(key, performance.now() - startedAt, error);
        this.#parts.log.warn(
          { namespace: this.#parts.namespace, key, err: error },
          "background refresh failed; the stale value is kept",
        );
      },
    );
  }
}
