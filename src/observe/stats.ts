/** Upper bounds (ms) of the age histogram's buckets; the last one catches the rest. */
export const AGE_BUCKETS_MS: readonly number[] = [100, 1_000, 10_000, 60_000, 600_000, 3_600_000, 86_400_000];

/** A histogram with fixed bucket bounds, cumulative like Prometheus's `le` buckets when read. */
export class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
  }

  record(value: number): void {
    // Binary search: every cache hit records its age.
    const bounds = this.#bounds;
    let low = 0;
    let high = bounds.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (value > (bounds[middle] as number)) low = middle + 1;
      else high = middle;
    }
    this.#counts[low] = (this.#counts[low] as number) + 1;
    this.#sum += value;
    this.#count += 1;
  }

  snapshot(): HistogramSnapshot {
    let cumulative = 0;
    const buckets = this.#counts.map((count, i) => {
      cumulative += count;
      return { le: this.#bounds[i] ?? Number.POSITIVE_INFINITY, count: cumulative };
    });
    return { count: this.#count, sumMs: this.#sum, buckets };
  }
}

export interface HistogramSnapshot {
  count: number;
  sumMs: number;
  /** Cumulative: `count` values were ≤ `le` ms. */
  buckets: { le: number; count: number }[];
}

/** What `isr.stats()` returns. Counters only grow; gauges are read at call time. */
export interface IsrStats {
  namespace: string;
  /** Requests served, by how. `staleIfError` counts older values served on error or soft deadline (stale-if-error). */
  served: { fresh: number; stale: number; miss: number; staleIfError: number };
  /** Requests that got an error (failed fetch with nothing to fall back on, refusals). */
  errors: number;
  /** (fresh + stale + staleIfError) / all served and failed requests; 0 before any. */
  hitRatio: number;
  fetches: {
    started: number;
    succeeded: number;
    failed: number;
    timedOut: number;
    inFlight: number;
    queued: number;
  };
  refreshes: { succeeded: number; failed: number };
  /** Entries in the store (all namespaces sharing it), when the store can tell. */
  storeEntries: number | undefined;
  /** Keys admitted under `maxKeys` (0 when unbounded). */
  admittedKeys: number;
  /** Tags whose invalidation is remembered one by one. */
  invalidatedTags: number;
  evictions: number;
  /** Age of the values served from the cache (fresh, stale, stale-if-error). */
  ageMs: HistogramSnapshot;
  /** How long values had been stale when a background refresh replaced them. */
  refreshLagMs: HistogramSnapshot;
}

/** The engine's counters. Plain increments: cheap enough for every request. */
export class StatsCounters {
  fresh = 0;
  stale = 0;
  miss = 0;
  staleIfError = 0;
  errors = 0;
  fetchesStarted = 0;
  fetchesSucceeded = 0;
  fetchesFailed = 0;
  fetchesTimedOut = 0;
  refreshesSucceeded = 0;
  refreshesFailed = 0;
  evictions = 0;
  readonly age = new Histogram(AGE_BUCKETS_MS);
  readonly refreshLag = new Histogram(AGE_BUCKETS_MS);
}
