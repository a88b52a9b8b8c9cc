import type { CacheKey } from "../key.js";
import type { Log } from "../log.js";
import type { FetchPurpose } from "../stores/store.js";
import type { InvalidationMode } from "../tags.js";
import { channels } from "./channels.js";
import type { IsrEventName, IsrEvents, IsrListener } from "./events.js";
import { type IsrStats, StatsCounters } from "./stats.js";

type Listeners = { [N in IsrEventName]?: IsrListener<N>[] };

/**
 * Counts, events and diagnostics channels of one engine. Counting is plain increments; an
 * event object is only built when a listener or a channel subscriber is there to see it.
 */
export class Observer {
  readonly counters = new StatsCounters();
  readonly #namespace: string;
  readonly #log: Log;
  readonly #listeners: Listeners = {};
  // Looked up once: the channels are set when the module loads.
  readonly #hitChannel = channels.hit;
  readonly #staleChannel = channels.stale;

  constructor(namespace: string, log: Log) {
    this.#namespace = namespace;
    this.#log = log;
  }

  on<N extends IsrEventName>(name: N, listener: IsrListener<N>): () => void {
    if (!CHANNEL_NAMES.has(name)) throw new TypeError(`isr-plug: unknown event "${String(name)}"`);
    if (typeof listener !== "function") throw new TypeError("isr-plug: an event listener must be a function");
    let list = this.#listeners[name] as IsrListener<N>[] | undefined;
    if (list === undefined) {
      list = [];
      (this.#listeners as Record<N, IsrListener<N>[]>)[name] = list;
    }
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) delete this.#listeners[name];
    };
  }

  /** The stats: these counters, with the gauges only the engine knows. */
  snapshot(gauges: {
    inFlight: number;
    queued: number;
    storeEntries: number | undefined;
    admittedKeys: number;
    invalidatedTags: number;
  }): IsrStats {
    const c = this.counters;
    const fromCache = c.fresh + c.stale + c.staleIfError;
    const all = fromCache + c.miss + c.errors;
    return {
      namespace: this.#namespace,
      served: { fresh: c.fresh, stale: c.stale, miss: c.miss, staleIfError: c.staleIfError },
      errors: c.errors,
      hitRatio: all === 0 ? 0 : fromCache / all,
      fetches: {
        started: c.fetchesStarted,
        succeeded: c.fetchesSucceeded,
        failed: c.fetchesFailed,
        timedOut: c.fetchesTimedOut,
        inFlight: gauges.inFlight,
        queued: gauges.queued,
      },
      refreshes: { succeeded: c.refreshesSucceeded, failed: c.refreshesFailed },
      storeEntries: gauges.storeEntries,
      admittedKeys: gauges.admittedKeys,
      invalidatedTags: gauges.invalidatedTags,
      evictions: c.evictions,
      ageMs: c.age.snapshot(),
      refreshLagMs: c.refreshLag.snapshot(),
    };
  }

  /** Every cache hit passes here: two increments and two checks unless someone listens. */
  served(state: "fresh" | "stale", key: CacheKey, ageMs: number): void {
    const counters = this.counters;
    counters.age.record(ageMs);
    if (state === "fresh") {
      counters.fresh++;
      if (this.#listeners.hit !== undefined || this.#hitChannel.hasSubscribers) {
        this.#emit("hit", { namespace: this.#namespace, key, state, ageMs });
      }
    } else {
      counters.stale++;
      if (this.#listeners.stale !== undefined || this.#staleChannel.hasSubscribers) {
        this.#emit("stale", { namespace: this.#namespace, key, state, ageMs });
      }
    }
  }

  /** A request needs a fetch. */
  missed(key: CacheKey): void {
    if (this.#wanted("miss")) this.#emit("miss", { namespace: this.#namespace, key, state: "miss" });
  }

  /** A request that waited for a fetch got its value. */
  fetchedForRequest(): void {
    this.counters.miss++;
  }

  servedStaleIfError(key: CacheKey, ageMs: number, error: unknown): void {
    this.counters.staleIfError++;
    this.counters.age.record(ageMs);
    if (this.#wanted("staleIfError")) {
      this.#emit("staleIfError", { namespace: this.#namespace, key, state: "stale", ageMs, error });
    }
  }

  requestFailed(): void {
    this.counters.errors++;
  }

  fetchStarted(key: CacheKey, purpose: FetchPurpose): void {
    this.counters.fetchesStarted++;
    if (this.#wanted("fetchStart")) this.#emit("fetchStart", { namespace: this.#namespace, key, purpose });
  }

  fetchEnded(
    key: CacheKey,
    purpose: FetchPurpose,
    durationMs: number,
    error: unknown,
    stored: boolean,
    failed: boolean,
  ): void {
    const ok = !failed;
    if (ok) this.counters.fetchesSucceeded++;
    else this.counters.fetchesFailed++;
    if (this.#wanted("fetchEnd")) {
      const event: IsrEvents["fetchEnd"] = {
        namespace: this.#namespace,
        key,
        purpose,
        durationMs,
        ok,
        stored,
      };
      if (!ok) event.error = error;
      this.#emit("fetchEnd", event);
    }
  }

  refreshed(key: CacheKey, durationMs: number, lagMs: number): void {
    this.counters.refreshesSucceeded++;
    this.counters.refreshLag.record(lagMs);
    if (this.#wanted("refresh"))
      this.#emit("refresh", { namespace: this.#namespace, key, durationMs, lagMs });
  }

  refreshFailed(key: CacheKey, durationMs: number, error: unknown): void {
    this.counters.refreshesFailed++;
    if (this.#wanted("refreshError")) {
      this.#emit("refreshError", { namespace: this.#namespace, key, durationMs, error });
    }
  }

  timedOut(key: CacheKey, timeoutMs: number, soft: boolean): void {
    if (!soft) this.counters.fetchesTimedOut++;
    if (this.#wanted("timeout")) this.#emit("timeout", { namespace: this.#namespace, key, timeoutMs, soft });
  }

  evicted(key: CacheKey, reason: "capacity" | "expired"): void {
    this.counters.evictions++;
    if (this.#wanted("evict")) this.#emit("evict", { namespace: this.#namespace, key, reason });
  }

  invalidated(key: CacheKey): void {
    if (this.#wanted("invalidate")) this.#emit("invalidate", { namespace: this.#namespace, key });
  }

  tagInvalidated(tag: string, mode: InvalidationMode): void {
    if (this.#wanted("invalidateTag")) this.#emit("invalidateTag", { namespace: this.#namespace, tag, mode });
  }

  #wanted(name: IsrEventName): boolean {
    return this.#listeners[name] !== undefined || channels[name].hasSubscribers;
  }

  #emit<N extends IsrEventName>(name: N, event: IsrEvents[N]): void {
    const channel = channels[name];
    if (channel.hasSubscribers) channel.publish(event);
    const list = this.#listeners[name];
    if (list === undefined) return;
    for (const listener of [...list]) {
      try {
        listener(event);
      } catch (error) {
        // A broken listener must not break the request that triggered the event.
        this.#log.error({ namespace: this.#namespace, event: name, err: error }, "event listener threw");
      }
    }
  }
}

const CHANNEL_NAMES = new Set<string>(Object.keys(channels));
