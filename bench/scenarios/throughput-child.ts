/**
 * One peer, one key set, one process: fill, warm up, then count awaited fresh-hit gets for
 * a fixed time. argv: peer, key count, warm-up ms, measure ms.
 */
import { runMeasurement } from "../lib/ipc.js";
import { Sampling } from "../lib/sampling.js";
import { randomOrder, settingsFor, sleep, tenantKeys } from "../lib/workload.js";
import { loadPeer } from "../peers/index.js";
import type { PeerCache } from "../peers/types.js";

export interface ThroughputSample {
  opsPerSecond: number;
  /** Origin calls over the whole run: equal to the key count when every measured get was a hit. */
  fetches: number;
}

/** Kept in a module variable so the engine cannot drop the awaited value as unused. */
export let sink: unknown;

async function loop(cache: PeerCache, order: readonly string[], durationMs: number): Promise<number> {
  const mask = order.length - 1;
  let done = 0;
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  do {
    // Reading the clock every 4096 gets keeps it out of the measurement.
    for (let i = 0; i < 4096; i++) sink = await cache.get(order[(done + i) & mask] as string);
    done += 4096;
    now = performance.now();
  } while (now < end);
  return done / ((now - start) / 1000);
}

runMeasurement(async (): Promise<ThroughputSample> => {
  const [name = "", keyCountText = "1", warmupText = "500", measureText = "1000"] = process.argv.slice(2);
  const keyCount = Number(keyCountText);
  const peer = await loadPeer(name);
  // BENCH_STALE=1 (bench/profile.ts): every measured get is a stale hit whose refresh is
  // in flight, the per-call cost behind a stale stampede's latency.
  const stale = process.env.BENCH_STALE === "1";
  let fetches = 0;
  const cache = await peer.create({
    fetch: async (key) => {
      fetches++;
      // A refresh that never answers keeps every later get stale.
      if (stale && fetches > keyCount) return new Promise<never>(() => {});
      return settingsFor(key);
    },
    // Fresh hits only: nothing goes stale while measuring (unless stale hits are wanted).
    ttlMs: stale ? 1 : 600_000,
    staleTtlMs: 3_600_000,
    max: 100_000,
  });
  const keys = tenantKeys(keyCount);
  for (const key of keys) {
    const value = cache.valueOf(await cache.get(key)) as { tenant?: string } | undefined;
    if (value?.tenant !== key) throw new Error(`${name} answered ${JSON.stringify(value)} for ${key}`);
  }
  if (stale) await sleep(5);
  const order = keyCount === 1 ? keys : randomOrder(keys, 1 << 16);
  await loop(cache, order, Number(warmupText));
  // bench/profile.ts sets this to sample the measured loop alone.
  const profileFile = process.env.BENCH_PROFILE_FILE;
  const sampling = profileFile === undefined ? undefined : new Sampling();
  await sampling?.start(Number(process.env.BENCH_PROFILE_INTERVAL_US ?? "100"));
  const opsPerSecond = await loop(cache, order, Number(measureText));
  if (profileFile !== undefined) await sampling?.stop(profileFile);
  // close() would wait for the refreshes that never answer.
  if (!stale) await cache.close?.();
  return { opsPerSecond, fetches };
});
