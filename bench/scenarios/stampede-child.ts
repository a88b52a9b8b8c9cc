/**
 * Stampedes on one peer in one process. argv: peer, concurrency, fetch ms, ttl ms, warm bursts.
 *
 * Cold: `concurrency` gets of a key never fetched (one fetch expected). Then, once the ttl
 * has passed, stale bursts: the first stale burst of the process ("cold code": the stale
 * path has barely run, as just after a deploy) and one after `warm bursts` stale bursts on
 * other keys ("warmed": the JIT has optimized the path, as in a server up for a while).
 */
import { type BurstResult, burst } from "../lib/burst.js";
import { runMeasurement } from "../lib/ipc.js";
import { settingsFor, sleep } from "../lib/workload.js";
import { loadPeer } from "../peers/index.js";

export interface StampedeSample {
  cold: BurstResult;
  /** The first measured stale burst (one unmeasured stale burst before it). */
  stale: BurstResult;
  /** A stale burst after the warm-up bursts. */
  warmed: BurstResult;
}

runMeasurement(async (): Promise<StampedeSample> => {
  const [name = "", concurrencyText = "1000", fetchMsText = "20", ttlMsText = "1000", warmText = "20"] =
    process.argv.slice(2);
  const concurrency = Number(concurrencyText);
  const fetchMs = Number(fetchMsText);
  const ttlMs = Number(ttlMsText);
  const warmBursts = Number(warmText);
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
  const warmKeys = Array.from({ length: warmBursts }, (_, index) => `warm-${index}`);

  await burst(cache, "warm-up", concurrency, fetchesOf("warm-up"), settleMs);
  const cold = await burst(cache, "tenant-1", concurrency, fetchesOf("tenant-1"), settleMs);
  for (const key of [...warmKeys, "tenant-2"]) await cache.get(key);
  // Past the ttl (and past a whole-second clock's rounding), well inside the stale window.
  await sleep(ttlMs + 2 * (peer.clockGranularityMs ?? 0) + 100);
  await burst(cache, "warm-up", concurrency, fetchesOf("warm-up"), settleMs);
  const stale = await burst(cache, "tenant-1", concurrency, fetchesOf("tenant-1"), settleMs);
  for (const key of warmKeys) await burst(cache, key, concurrency, fetchesOf(key), fetchMs * 2);
  const warmed = await burst(cache, "tenant-2", concurrency, fetchesOf("tenant-2"), settleMs);
  await cache.close?.();
  return { cold, stale, warmed };
});
