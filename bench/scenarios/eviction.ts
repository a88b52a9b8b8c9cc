/**
 * Eviction honesty: isr-plug's memory store evicts by SIEVE (src/stores/memory/slots.ts),
 * which approximates LRU. This scenario replays the same key traces through isr-plug's
 * engine on its memory store and through lru-cache (exact LRU) at the same `max`, and
 * compares hit ratios. Hit ratios do not depend on timing, so it runs in this process.
 */
import { LRUCache } from "lru-cache";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { config } from "../lib/config.js";
import { count, fixed, signed, table } from "../lib/format.js";
import { seededRandom, settingsFor } from "../lib/workload.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

interface Workload {
  name: string;
  what: string;
  /** Keys to request, in order, for a cache of `max` entries. */
  trace(max: number): string[];
}

/** Draws ranks 0..n-1 with probability ∝ 1 / (rank + 1)^alpha: a few hot keys, a long tail. */
function zipf(n: number, alpha: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) {
    total += 1 / (rank + 1) ** alpha;
    cdf[rank] = total;
  }
  const random = seededRandom(seed);
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cdf[mid] as number) < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

function zipfTrace(length: number): string[] {
  const { keySpace, alpha } = config.eviction;
  const draw = zipf(keySpace, alpha, 15);
  return Array.from({ length }, () => `k${draw()}`);
}

/** Keys 0..span-1 in order, again and again: LRU's worst case once span exceeds the cache. */
function loopTrace(length: number, span: number): string[] {
  return Array.from({ length }, (_, index) => `loop${index % span}`);
}

/** Uniform reads of a hot set of max / 2 keys: every key fits, so both policies hit on everything. */
function hotSetTrace(length: number, max: number): string[] {
  const random = seededRandom(21);
  const hot = Math.max(1, Math.floor(max / 2));
  return Array.from({ length }, () => `hot${Math.floor(random() * hot)}`);
}

/** `base`, interrupted every 10 × max requests by a scan of `max` keys never seen again. */
function withScans(base: readonly string[], max: number): string[] {
  const every = 10 * max;
  const trace: string[] = [];
  let scanned = 0;
  for (let index = 0; index < base.length; index++) {
    if (index > 0 && index % every === 0) for (let i = 0; i < max; i++) trace.push(`scan${scanned++}`);
    trace.push(base[index] as string);
  }
  return trace;
}

const WORKLOADS: Workload[] = [
  {
    name: "zipf",
    what: `Zipf (α = ${config.eviction.alpha}) over ${count(config.eviction.keySpace)} keys`,
    trace: () => zipfTrace(config.eviction.requests),
  },
  {
    name: "loop",
    what: "keys 1.5 × max in order, again and again (LRU's worst case)",
    trace: (max) => loopTrace(config.eviction.requests, Math.round(max * 1.5)),
  },
  {
    name: "scan",
    what: "a hot set of max / 2 keys read at random, with a one-time scan of max new keys every 10 × max requests",
    trace: (max) => withScans(hotSetTrace(config.eviction.requests, max), max),
  },
  {
    name: "mix",
    what: "the Zipf trace with the same one-time scans",
    trace: (max) => withScans(zipfTrace(config.eviction.requests), max),
  },
];

/** Hits over the trace after its first fifth (the warm-up, which fills the cache). */
async function isrPlugHits(trace: readonly string[], max: number): Promise<number> {
  let fetches = 0;
  const isr = createIsr<unknown, void>({
    fetch: async (_extracted, { key }) => {
      fetches++;
      return settingsFor(key as string);
    },
    ttlMs: 600_000,
    staleTtlMs: 3_600_000,
    store: createMemoryStore({ max }),
  });
  const warmup = Math.floor(trace.length / 5);
  let counted = 0;
  for (let index = 0; index < trace.length; index++) {
    if (index === warmup) counted = fetches;
    await isr.get(trace[index] as string);
  }
  const misses = fetches - counted;
  await isr.close();
  return trace.length - warmup - misses;
}

function lruHits(trace: readonly string[], max: number): number {
  const cache = new LRUCache<string, object>({ max });
  const warmup = Math.floor(trace.length / 5);
  let hits = 0;
  for (let index = 0; index < trace.length; index++) {
    const key = trace[index] as string;
    if (cache.get(key) !== undefined) {
      if (index >= warmup) hits++;
    } else cache.set(key, settingsFor(key));
  }
  return hits;
}

interface Row {
  workload: string;
  max: number;
  requests: number;
  isrPlug: number;
  lruCache: number;
}

export const eviction: Scenario = {
  name: "eviction",
  async run({ log }): Promise<ScenarioResult> {
    const rows: Row[] = [];
    for (const workload of WORKLOADS) {
      for (const max of config.eviction.maxEntries) {
        const trace = workload.trace(max);
        const counted = trace.length - Math.floor(trace.length / 5);
        const row = {
          workload: workload.name,
          max,
          requests: counted,
          isrPlug: (await isrPlugHits(trace, max)) / counted,
          lruCache: lruHits(trace, max) / counted,
        };
        rows.push(row);
        log(
          `  ${workload.name}, max ${count(max)}: isr-plug ${fixed(row.isrPlug * 100, 1)} %, lru-cache ${fixed(row.lruCache * 100, 1)} %`,
        );
      }
    }
    const markdown =
      "### (f) Eviction: hit ratio of isr-plug's memory store (SIEVE) against lru-cache (exact LRU)\n\n" +
      "The same key trace through `isr.get` on `createMemoryStore({ max })` and through lru-cache " +
      "`get`/`set` with the same `max`; hits counted after the first fifth of the trace (the warm-up). " +
      `Workloads: ${WORKLOADS.map((w) => `**${w.name}**, ${w.what}`).join("; ")}. ` +
      `${config.eviction.requests.toLocaleString("en-US")} requests each (scan and mix add their scans).\n\n` +
      table(
        ["workload", "max", "requests counted", "isr-plug hit %", "lru-cache hit %", "difference (points)"],
        rows.map((row) => [
          row.workload,
          count(row.max),
          row.requests.toLocaleString("en-US"),
          fixed(row.isrPlug * 100, 1),
          fixed(row.lruCache * 100, 1),
          signed((row.isrPlug - row.lruCache) * 100, 1),
        ]),
        ["left", "right", "right", "right", "right", "right"],
      );
    return { markdown, data: rows };
  },
};
