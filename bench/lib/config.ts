/**
 * Durations, sizes and repetitions. The defaults keep `npm run bench` near ten minutes on
 * two cores; BENCH_QUICK=1 shortens everything for a smoke run (its numbers are not for quoting).
 */
const quick = process.env.BENCH_QUICK === "1";

export const config = {
  quick,
  throughput: {
    rounds: quick ? 1 : 3,
    warmupMs: quick ? 100 : 400,
    measureMs: quick ? 200 : 700,
    /** The scaling curve (floor, isr-plug, lru-cache); 20k is the size #15 found the old cliff past. */
    keyCounts: quick ? [1, 10_000] : [1, 1_000, 10_000, 20_000, 100_000, 1_000_000],
    /** Every peer is measured at these; the others only on the curve. */
    allPeersAt: [1],
  },
  stampede: {
    rounds: quick ? 1 : 3,
    concurrencies: quick ? [1000] : [100, 1000, 10_000],
    /** Every peer at this concurrency; the curve's libraries at all of them. */
    allPeersAt: 1000,
    fetchMs: 20,
    ttlMs: 500,
    /** Stale bursts on other keys before the "warmed" one. */
    warmBursts: quick ? 5 : 20,
  },
  http: {
    // Many short passes: the median then shrugs off a burst of load from other processes.
    // autocannon runs in whole seconds (it stops on its one-second tick), hence integers.
    passes: quick ? 1 : 5,
    /** First pass only: fills the cache and lets the JIT settle. Later passes start warm. */
    warmupSeconds: quick ? 1 : 2,
    measureSeconds: 1,
    connections: 50,
    tenants: 100,
    pipelining: 1,
  },
  /** The Express middleware called directly with stub req/res, beside the HTTP figures. */
  middleware: {
    rounds: quick ? 1 : 5,
    warmupMs: quick ? 300 : 500,
    measureMs: quick ? 200 : 700,
  },
  memory: {
    entries: quick ? [10_000] : [10_000, 100_000, 1_000_000],
    /** Every peer at this size; the curve's libraries at all of them. */
    allPeersAt: quick ? 10_000 : 100_000,
  },
  redis: {
    processes: 4,
    /** Concurrent gets of one key, spread over the processes. */
    concurrency: 1000,
    keyCounts: quick ? [1] : [1, 10_000],
  },
  eviction: {
    requests: quick ? 20_000 : 200_000,
    keySpace: 100_000,
    alpha: 0.9,
    maxEntries: quick ? [1_000] : [1_000, 10_000],
  },
  instructions: {
    keyCounts: [1, 10_000],
    // Cheap next to node's own start-up under valgrind (~0.6 billion instructions), and
    // enough for V8 to have optimized the hit path before the measured gets.
    warmupGets: 30_000,
    gets: quick ? 20_000 : 100_000,
  },
};
