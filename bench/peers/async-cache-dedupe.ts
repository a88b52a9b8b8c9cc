import { createCache } from "async-cache-dedupe";
import type { Peer } from "./types.js";
import { identity } from "./types.js";
import { installedVersion } from "./version.js";

/** async-cache-dedupe: a defined function with `ttl` and `stale`, both in whole seconds. */
export const peer: Peer = {
  name: "async-cache-dedupe",
  call: "define + call (ttl, stale)",
  version: installedVersion("async-cache-dedupe"),
  order: 3,
  // Its memory storage reads a clock floored to the second and cached for up to a second.
  clockGranularityMs: 1000,
  create({ fetch, ttlMs, staleTtlMs, max }) {
    const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));
    const cache = createCache({
      ttl: seconds(ttlMs),
      stale: seconds(staleTtlMs),
      storage: { type: "memory", options: { size: max } },
    }).define("settings", (key: string) => fetch(key));
    return { get: (key) => cache.settings(key), valueOf: identity };
  },
};
