import type { IsrStats } from "../observe/stats.js";
import type { DurationSummary, DurationWindow } from "./durations.js";

/** The windows the page shows rates over: the last minute and the last five. */
export const RATE_WINDOWS_MS: readonly number[] = [60_000, 300_000];

/** A sample is kept at most this often, so the ring stays small whatever `pollMs` is. */
const SAMPLE_SPACING_MS = 5_000;
/** Rates over less than this are noise: the page says "collecting" instead. */
const MIN_COVERED_MS = 1_000;

interface Sample {
  at: number;
  hits: number;
  staleServes: number;
  misses: number;
  staleIfError: number;
  fetchErrors: number;
}

export interface Rates {
  hits: number;
  staleServes: number;
  misses: number;
  staleIfError: number;
  fetchErrors: number;
}

export interface RateWindow {
  /** The window asked for, ms. */
  windowMs: number;
  /** How much of it the samples cover: less while the inspector has been watched for less. */
  coveredMs: number;
  /** Per second over `coveredMs`; null until it covers a second. */
  perSecond: Rates | null;
  /** Fetches that ended in the window (its full length, to 10 s). */
  fetchDuration: DurationSummary;
}

function sampleOf(at: number, stats: IsrStats): Sample {
  return {
    at,
    hits: stats.served.fresh,
    staleServes: stats.served.stale,
    misses: stats.served.miss,
    staleIfError: stats.served.staleIfError,
    fetchErrors: stats.fetches.failed,
  };
}

/**
 * Rates over the last minutes from `stats()` counters sampled whenever a snapshot is taken
 * (no timer of its own): a bounded ring, one sample per 5 s at most, 5 minutes deep.
 */
export class RateSampler {
  readonly #samples: Sample[] = [];
  readonly #deepestMs = Math.max(...RATE_WINDOWS_MS);

  /** Samples kept: at most one per 5 s over the deepest window, whatever the polling. */
  get size(): number {
    return this.#samples.length;
  }

  /** Rates ending at `at` (the inspector's monotonic clock), then keeps `stats` as a sample. */
  observe(at: number, stats: IsrStats, durations: DurationWindow): RateWindow[] {
    const current = sampleOf(at, stats);
    const windows = RATE_WINDOWS_MS.map((windowMs) => this.#window(current, windowMs, durations));
    const last = this.#samples.at(-1);
    if (last === undefined || at - last.at >= SAMPLE_SPACING_MS) this.#samples.push(current);
    while ((this.#samples[0]?.at ?? at) < at - this.#deepestMs - SAMPLE_SPACING_MS) this.#samples.shift();
    return windows;
  }

  #window(current: Sample, windowMs: number, durations: DurationWindow): RateWindow {
    const base = this.#samples.find((sample) => sample.at >= current.at - windowMs);
    const coveredMs = base === undefined ? 0 : current.at - base.at;
    const fetchDuration = durations.summary(current.at, windowMs);
    if (base === undefined || coveredMs < MIN_COVERED_MS) {
      return { windowMs, coveredMs, perSecond: null, fetchDuration };
    }
    const seconds = coveredMs / 1_000;
    const rate = (name: keyof Rates) => Math.max(0, current[name] - base[name]) / seconds;
    return {
      windowMs,
      coveredMs,
      perSecond: {
        hits: rate("hits"),
        staleServes: rate("staleServes"),
        misses: rate("misses"),
        staleIfError: rate("staleIfError"),
        fetchErrors: rate("fetchErrors"),
      },
      fetchDuration,
    };
  }
}
