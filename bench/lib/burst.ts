import { quantile } from "simple-statistics";
import type { PeerCache } from "../peers/types.js";
import { type Settings, sleep } from "./workload.js";

export interface BurstResult {
  /** Origin calls for the key, counted after every refresh has had time to finish. */
  fetches: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Gets answered with the oldest version seen (for a stale burst: the stale value). */
  servedOld: number;
  errors: number;
}

/**
 * `concurrency` gets of one key started in one synchronous loop; each get's latency runs
 * from its own call to its answer. `fetchesOf` reads the origin's call count for the key.
 */
export async function burst(
  cache: PeerCache,
  key: string,
  concurrency: number,
  fetchesOf: () => number,
  settleMs: number,
): Promise<BurstResult> {
  const before = fetchesOf();
  const latencies = new Array<number>(concurrency);
  const versions = new Array<number>(concurrency);
  let errors = 0;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < concurrency; i++) {
    const start = performance.now();
    pending.push(
      cache.get(key).then(
        (result) => {
          latencies[i] = performance.now() - start;
          versions[i] = (cache.valueOf(result) as Settings).version;
        },
        () => {
          latencies[i] = performance.now() - start;
          versions[i] = Number.NaN;
          errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  // Background refreshes outlive the burst; wait for them before counting.
  await sleep(settleMs);
  const oldVersion = Math.min(...versions.filter((version) => !Number.isNaN(version)));
  return {
    fetches: fetchesOf() - before,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: Math.max(...latencies),
    servedOld: versions.filter((version) => version === oldVersion).length,
    errors,
  };
}
