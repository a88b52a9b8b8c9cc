/**
 * The default clock: `Date.now()`, read at most once per millisecond. Reading the system
 * clock is a syscall on some virtual machines and dominated the cost of a cache hit there;
 * lru-cache caches its clock the same way (`ttlResolution`). The cached reading is dropped
 * by a 1 ms timer, or after READS_PER_READING reads, so a long run of microtasks (which
 * keeps timers from firing) cannot freeze it.
 *
 * When `Date.now` has been replaced (fake timers in tests), the replacement is called every
 * time, so faked time is always seen at once.
 */
const systemNow = Date.now;
const READS_PER_READING = 1_000;

let reading = 0;
let readsLeft = 0;
let expiring = false;

function expire(): void {
  readsLeft = 0;
  expiring = false;
}

export function coarseNow(): number {
  const current = Date.now;
  if (current !== systemNow) return current();
  if (readsLeft > 0) {
    readsLeft -= 1;
    return reading;
  }
  reading = systemNow();
  readsLeft = READS_PER_READING;
  if (!expiring) {
    expiring = true;
    const timer = setTimeout(expire, 1);
    timer.unref?.();
  }
  return reading;
}

const systemUptime = performance.now.bind(performance);
let uptimeReading = 0;
let uptimeReadsLeft = 0;
let uptimeExpiring = false;

function expireUptime(): void {
  uptimeReadsLeft = 0;
  uptimeExpiring = false;
}

/**
 * `performance.now()`, read at most once per millisecond, as `coarseNow` reads the wall clock:
 * for bounds of a millisecond or more checked on every hit (a memory store's expiry, the Redis
 * store's trust in its local copies), where the syscall would be most of a hit's cost.
 */
export function coarseUptime(): number {
  if (uptimeReadsLeft > 0) {
    uptimeReadsLeft -= 1;
    return uptimeReading;
  }
  uptimeReading = systemUptime();
  uptimeReadsLeft = READS_PER_READING;
  if (!uptimeExpiring) {
    uptimeExpiring = true;
    const timer = setTimeout(expireUptime, 1);
    timer.unref?.();
  }
  return uptimeReading;
}

/**
 * A clock for durations (backoff waits, admission lapses, sweeps): it never goes back.
 * With the default wall clock it is `performance.now()`. With a clock the user gave (a test's
 * hand-driven `now`), it advances by that clock's forward moves and ignores its steps back,
 * so a clock set back 5 s stretches no wait by 5 s.
 */
export function monotonicFrom(now: () => number): () => number {
  if (now === coarseNow) return () => performance.now();
  let last = Number.NaN;
  let elapsed = 0;
  return () => {
    const reading = now();
    // The first reading (last is NaN) and a step back only move the mark.
    if (reading > last) elapsed += reading - last;
    last = reading;
    return elapsed;
  };
}
