import { ageOf } from "./entry.js";
import { IsrTimeoutError } from "./errors.js";
import type { Served } from "./isr.js";
import { type CacheKey, keyText } from "./key.js";
import type { Log } from "./log.js";
import type { Observer } from "./observe/observer.js";
import type { StoreEntry } from "./stores/store.js";

/**
 * Stale-if-error: a request whose entry is past its stale window but inside `staleIfErrorMs`
 * waits for the fetch; if the fetch fails (or passes `softTimeoutMs`), it gets the old value,
 * marked `stale`, with the fetch's error beside it.
 */
export class StaleIfError<V> {
  readonly #namespace: string;
  readonly #now: () => number;
  readonly #observer: Observer;
  readonly #log: Log;
  readonly #softTimeoutMs: number | undefined;

  constructor(parts: {
    namespace: string;
    now: () => number;
    observer: Observer;
    log: Log;
    softTimeoutMs: number | undefined;
  }) {
    this.#namespace = parts.namespace;
    this.#now = parts.now;
    this.#observer = parts.observer;
    this.#log = parts.log;
    this.#softTimeoutMs = parts.softTimeoutMs;
  }

  /** The old value, served because of `error`; `forwarded`: whether the origin was asked. */
  serve(key: CacheKey, entry: StoreEntry<V>, error: unknown, forwarded = true): Served<V> {
    const ageMs = ageOf(entry, this.#now());
    this.#observer.servedStaleIfError(key, ageMs, error);
    this.#log.warn(
      { namespace: this.#namespace, key, ageMs, err: error },
      "fetch failed or is slow; serving the last good value",
    );
    const served: Served<V> = {
      value: entry.value,
      state: "stale",
      ageMs,
      key,
      ttlMs: entry.staleAt - entry.storedAt,
      stored: true,
      error,
    };
    if (!forwarded) served.notForwarded = true;
    return served;
  }

  /** The fetch's answer, or the old value if the fetch fails or passes the soft deadline. */
  answer(fetched: Promise<Served<V>>, key: CacheKey, entry: StoreEntry<V>): Promise<Served<V>> {
    const softTimeoutMs = this.#softTimeoutMs;
    return new Promise<Served<V>>((resolve) => {
      // After a soft deadline has served the old value, the fetch's own end changes nothing here.
      let answered = false;
      const answer = (served: Served<V>) => {
        answered = true;
        resolve(served);
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (softTimeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#observer.timedOut(key, softTimeoutMs, true);
          answer(this.serve(key, entry, new IsrTimeoutError(softTimeoutMs, keyText(key), true)));
        }, softTimeoutMs);
      }
      fetched.then(
        (served) => {
          clearTimeout(timer);
          if (!answered) answer(served);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!answered) answer(this.serve(key, entry, error));
        },
      );
    });
  }
}
