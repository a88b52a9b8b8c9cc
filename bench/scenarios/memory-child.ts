/**
 * Heap held per entry by one peer: keys and values are created before the baseline, so
 * the delta is what the library itself allocates to hold them (its index, wrappers, copies,
 * and any capacity it reserves up front). argv: peer, entries. Needs --expose-gc.
 */
import { runMeasurement } from "../lib/ipc.js";
import { settingsFor, tenantKeys } from "../lib/workload.js";
import { loadPeer } from "../peers/index.js";

export interface MemorySample {
  bytesPerEntry: number;
  heapDeltaBytes: number;
  fetches: number;
  /** Gets of a sample of keys after filling that had to fetch again (0: all entries kept). */
  refetched: number;
}

declare const gc: (() => void) | undefined;

function settledHeap(): number {
  if (typeof gc !== "function") throw new Error("run with --expose-gc");
  // Twice: the first pass can leave garbage that only a second one sweeps.
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

runMeasurement(async (): Promise<MemorySample> => {
  const [name = "", entriesText = "100000"] = process.argv.slice(2);
  const entries = Number(entriesText);
  const peer = await loadPeer(name);
  const keys = tenantKeys(entries);
  const values = new Map(keys.map((key) => [key, settingsFor(key)]));
  let fetches = 0;
  const fetch = async (key: string) => {
    fetches++;
    return values.get(key);
  };
  // A first cache warms the library's code so the baseline holds compiled code for both.
  const warm = await peer.create({ fetch, ttlMs: 600_000, staleTtlMs: 3_600_000, max: 100 });
  for (const key of keys.slice(0, 100)) await warm.get(key);
  await warm.close?.();
  fetches = 0;

  const before = settledHeap();
  const cache = await peer.create({ fetch, ttlMs: 600_000, staleTtlMs: 3_600_000, max: entries });
  for (const key of keys) await cache.get(key);
  const after = settledHeap();

  const filled = fetches;
  for (let i = 0; i < entries; i += 97) await cache.get(keys[i] as string);
  const refetched = fetches - filled;
  await cache.close?.();
  return {
    bytesPerEntry: (after - before) / entries,
    heapDeltaBytes: after - before,
    fetches: filled,
    refetched,
  };
});
