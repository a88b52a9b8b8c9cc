import { createIsr } from "../../src/index.js";
import type { Peer } from "../peers/types.js";
import { connectRedisStore, runPrefix } from "./connect.js";

/**
 * isr-plug with the Redis store, for scenario (d) only (it lives outside bench/peers/, so the
 * other scenarios do not pick it up). Hits are served from the store's local tier.
 */
export const peer: Peer = {
  name: "isr-plug-redis",
  call: "get (Redis store, local tier)",
  version: "working tree",
  order: 1,
  async create({ fetch, ttlMs, staleTtlMs, max }) {
    const prefix = runPrefix();
    const redis = await connectRedisStore(prefix, max);
    const isr = createIsr<unknown, void>({
      fetch: (_extracted, { key }) => fetch(key as string),
      ttlMs,
      staleTtlMs,
      // A store shared by processes needs a name for the data.
      namespace: "bench-settings",
      store: redis.store,
    });
    return {
      get: (key) => isr.get(key),
      valueOf: (result) => (result as { value: unknown }).value,
      async close() {
        await isr.close();
        await redis.store.clear().catch(() => {});
        await redis.close();
      },
    };
  },
};
