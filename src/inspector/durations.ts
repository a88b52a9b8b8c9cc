/**
 * Fetch durations over the last minutes, for percentiles: a ring of time slots, each a
 * histogram with logarithmic buckets (every bucket 20 % wider than the one before), so memory
 * stays fixed however many fetches run, and a percentile is off by at most half a bucket.
 */

/** Each slot covers this long; the ring covers `SLOT_MS * SLOTS`. */
export const SLOT_MS = 10_000;
export const SLOTS = 30;

const SMALLEST_MS = 0.1;
const GROWTH = 1.2;
/** Up to ~2 hours; longer fetches count in the last bucket. */
const BUCKETS = 90;

function bucketOf(durationMs: number): number {
  if (!(durationMs > SMALLEST_MS)) return 0;
  const at = Math.ceil(Math.log(durationMs / SMALLEST_MS) / Math.log(GROWTH));
  return Math.min(at, BUCKETS - 1);
}

/** The bucket's geometric middle: its upper bound is SMALLEST_MS * GROWTH^i. */
function middleOf(bucket: number): number {
  if (bucket === 0) return SMALLEST_MS;
  return SMALLEST_MS * GROWTH ** (bucket - 0.5);
}

export interface DurationSummary {
  /** Fetches that ended in the window. */
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export class DurationWindow {
  readonly #counts = Array.from({ length: SLOTS }, () => new Uint32Array(BUCKETS));
  /** The slot number (time / SLOT_MS) each ring position holds; -1 when empty. */
  readonly #slotOf = new Float64Array(SLOTS).fill(-1);

  /** Records one fetch's duration, ended at `at` (ms, the inspector's monotonic clock). */
  record(at: number, durationMs: number): void {
    const slot = Math.floor(at / SLOT_MS);
    const position = ((slot % SLOTS) + SLOTS) % SLOTS;
    const counts = this.#counts[position] as Uint32Array;
    if (this.#slotOf[position] !== slot) {
      counts.fill(0);
      this.#slotOf[position] = slot;
    }
    const bucket = bucketOf(durationMs);
    counts[bucket] = (counts[bucket] as number) + 1;
  }

  /** The fetches that ended within `windowMs` before `now` (to slot precision). */
  summary(now: number, windowMs: number): DurationSummary {
    const last = Math.floor(now / SLOT_MS);
    const first = last - Math.min(SLOTS, Math.ceil(windowMs / SLOT_MS)) + 1;
    const merged = new Array<number>(BUCKETS).fill(0);
    let count = 0;
    for (let position = 0; position < SLOTS; position++) {
      const slot = this.#slotOf[position] as number;
      if (slot < first || slot > last) continue;
      const counts = this.#counts[position] as Uint32Array;
      for (let bucket = 0; bucket < BUCKETS; bucket++) {
        merged[bucket] = (merged[bucket] as number) + (counts[bucket] as number);
        count += counts[bucket] as number;
      }
    }
    return { count, p50Ms: percentile(merged, count, 0.5), p99Ms: percentile(merged, count, 0.99) };
  }
}

function percentile(buckets: number[], count: number, p: number): number | null {
  if (count === 0) return null;
  const rank = Math.ceil(p * count);
  let seen = 0;
  for (let bucket = 0; bucket < buckets.length; bucket++) {
    seen += buckets[bucket] as number;
    if (seen >= rank) return middleOf(bucket);
  }
  return middleOf(buckets.length - 1);
}
