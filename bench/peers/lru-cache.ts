import { LRUCache } from "lru-cache";
import type { Peer } from "./types.js";
import { identity } from "./types.js";
import { installedVersion } from "./version.js";

/**
 * lru-cache's own stale-while-revalidate: `fetch` with `allowStale` answers a stale entry at
 * once and refreshes it in the background, one fetch per key. Stale entries never expire
 * by themselves, so `staleTtlMs` has no counterpart.
 */
export const peer: Peer = {
  name: "lru-cache",
  call: "fetch (allowStale)",
  version: installedVersion("lru-cache"),
  order: 2,
  create({ fetch, ttlMs, max }) {
    const cache = new LRUCache<string, object>({
      max,
      ttl: ttlMs,
      allowStale: true,
      fetchMethod: (key) => fetch(key) as Promise<object>,
    });
    return { get: (key) => cache.fetch(key), valueOf: identity };
  },
};
