/**
 * Durations and repetitions. The defaults keep `npm run bench` within a few minutes on two
 * cores; BENCH_QUICK=1 shortens everything for a smoke run (its numbers are not for quoting).
 */
const quick = process.env.BENCH_QUICK === "1";

export const config = {
  quick,
  throughput: {
    rounds: quick ? 1 : 3,
    warmupMs: quick ? 200 : 400,
    measureMs: quick ? 300 : 800,
    keyCounts: [1, 10_000] as const,
  },
  stampede: {
    rounds: quick ? 1 : 3,
    concurrency: 1000,
    fetchMs: 20,
    ttlMs: 1000,
  },
  http: {
    // Many short passes: the median then shrugs off a burst of load from other processes.
    // autocannon runs in whole seconds (it stops on its one-second tick), hence integers.
    passes: quick ? 2 : 5,
    /** First pass only: fills the cache and lets the JIT settle. Later passes start warm. */
    warmupSeconds: quick ? 1 : 2,
    measureSeconds: 1,
    connections: 50,
    tenants: 100,
    pipelining: 1,
  },
  memory: {
    entries: 100_000,
  },
  redis: {
    processes: 4,
  },
};
