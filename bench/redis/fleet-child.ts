/**
 * One process of a fleet of four: isr-plug on a shared Redis store (or, for comparison, on
 * its own memory store), answering "burst" requests from the parent, which sends them to
 * every process at once. argv: store ("redis" | "memory"), prefix, fetch ms, ttl ms.
 */
import { createIsr, createMemoryStore } from "../../src/index.js";
import { burst } from "../lib/burst.js";
import { reportResult, serveRequests } from "../lib/ipc.js";
import { settingsFor, sleep } from "../lib/workload.js";
import { connectRedisStore } from "./connect.js";

export interface BurstRequest {
  key: string;
  concurrency: number;
  settleMs: number;
}

const [kind = "redis", prefix = "isr-bench:fleet:", fetchMsText = "20", ttlMsText = "1000"] =
  process.argv.slice(2);
const fetchMs = Number(fetchMsText);
const redis = kind === "redis" ? await connectRedisStore(prefix, 1000) : undefined;
let fetches = 0;
const isr = createIsr<unknown, void>({
  fetch: async (_extracted, { key }) => {
    fetches++;
    await sleep(fetchMs);
    // The clock as version: values fetched by different processes still order by time.
    return settingsFor(key as string, Date.now());
  },
  ttlMs: Number(ttlMsText),
  staleTtlMs: 60_000,
  namespace: "bench-settings",
  store: redis?.store ?? createMemoryStore(),
});
const cache = {
  get: (key: string) => isr.get(key),
  valueOf: (result: unknown) => (result as { value: unknown }).value,
};

serveRequests(
  {
    burst: (data) => {
      const { key, concurrency, settleMs } = data as BurstRequest;
      return burst(cache, key, concurrency, () => fetches, settleMs);
    },
  },
  async () => {
    await isr.close();
    await redis?.close();
  },
);
reportResult({ ready: true });
