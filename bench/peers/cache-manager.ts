import { createCache } from "cache-manager";
import type { Peer } from "./types.js";
import { identity } from "./types.js";
import { installedVersion } from "./version.js";

/**
 * cache-manager `wrap` on its default in-memory Keyv store. Its stale window is the tail of
 * the ttl: the entry lives `ttl + staleTtl`, and once less than `staleTtl` remains, `wrap`
 * answers it and refreshes in the background (`refreshThreshold`).
 */
export const peer: Peer = {
  name: "cache-manager",
  call: "wrap (refreshThreshold)",
  version: installedVersion("cache-manager"),
  order: 4,
  create({ fetch, ttlMs, staleTtlMs }) {
    const cache = createCache();
    const ttl = ttlMs + staleTtlMs;
    return {
      get: (key) => cache.wrap(key, () => fetch(key), ttl, staleTtlMs),
      valueOf: identity,
      close: async () => {
        await cache.disconnect();
      },
    };
  },
};
