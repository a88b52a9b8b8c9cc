/**
 * Stampedes on one peer in one process: 1,000 concurrent gets of a cold key, then, once it
 * is stale, 1,000 concurrent gets again. argv: peer, concurrency, fetch ms, ttl ms.
 *
 * A first key goes through both bursts before the measured key, so the stale burst runs
 * warm code, as it would in a server that has been up for a while.
 */
import { type BurstResult, burst } from "../lib/burst.js";
import { runMeasurement } from "../lib/ipc.js";
import { settingsFor, sleep } from "../lib/workload.js";
import { loadPeer } from "../peers/index.js";

export interface StampedeSample {
  cold: BurstResult;
  stale: BurstResult;
}

runMeasurement(async (): Promise<StampedeSample> => {
  const [name = "", concurrencyText = "1000", fetchMsText = "20", ttlMsText = "1000"] = process.argv.slice(2);
  const concurrency = Number(concurrencyText);
  const fetchMs = Number(fetchMsText);
  const ttlMs = Number(ttlMsText);
  const peer = await loadPeer(name);
  const fetches = new Map<string, number>();
  const cache = await peer.create({
    fetch: async (key) => {
      const count = (fetches.get(key) ?? 0) + 1;
      fetches.set(key, count);
      await sleep(fetchMs);
      return settingsFor(key, count);
    },
    ttlMs,
    staleTtlMs: 60_000,
    max: 1000,
  });
  const settleMs = fetchMs * 5;
  const fetchesOf = (key: string) => () => fetches.get(key) ?? 0;

  await burst(cache, "warm-up", concurrency, fetchesOf("warm-up"), settleMs);
  const cold = await burst(cache, "tenant-1", concurrency, fetchesOf("tenant-1"), settleMs);
  // Past the ttl (and past a whole-second clock's rounding), well inside the stale window.
  await sleep(ttlMs + 2 * (peer.clockGranularityMs ?? 0) + 100);
  await burst(cache, "warm-up", concurrency, fetchesOf("warm-up"), settleMs);
  const stale = await burst(cache, "tenant-1", concurrency, fetchesOf("tenant-1"), settleMs);
  await cache.close?.();
  return { cold, stale };
});
