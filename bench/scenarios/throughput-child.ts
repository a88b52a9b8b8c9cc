/**
 * One peer, one key set, one process: fill, warm up, then count awaited fresh-hit gets for
 * a fixed time. argv: peer, key count, warm-up ms, measure ms.
 */
import { runMeasurement } from "../lib/ipc.js";
import { randomOrder, settingsFor, tenantKeys } from "../lib/workload.js";
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

/** At least 65,536 reads, and at least one per key: a power of two, so the loop masks. */
export function orderLength(keyCount: number): number {
  return Math.max(1 << 16, 2 ** Math.ceil(Math.log2(keyCount)));
}

runMeasurement(async (): Promise<ThroughputSample> => {
  const [name = "", keyCountText = "1", warmupText = "500", measureText = "1000"] = process.argv.slice(2);
  const keyCount = Number(keyCountText);
  const peer = await loadPeer(name);
  let fetches = 0;
  const cache = await peer.create({
    fetch: async (key) => {
      fetches++;
      return settingsFor(key);
    },
    // Fresh hits only: nothing goes stale while measuring.
    ttlMs: 600_000,
    staleTtlMs: 3_600_000,
    max: Math.max(100_000, keyCount),
  });
  const keys = tenantKeys(keyCount);
  for (const key of keys) {
    const value = cache.valueOf(await cache.get(key)) as { tenant?: string } | undefined;
    if (value?.tenant !== key) throw new Error(`${name} answered ${JSON.stringify(value)} for ${key}`);
  }
  const order = keyCount === 1 ? keys : randomOrder(keys, orderLength(keyCount));
  await loop(cache, order, Number(warmupText));
  const opsPerSecond = await loop(cache, order, Number(measureText));
  await cache.close?.();
  return { opsPerSecond, fetches };
});
