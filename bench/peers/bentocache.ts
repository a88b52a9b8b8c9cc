import { BentoCache, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
import type { Peer } from "./types.js";
import { identity } from "./types.js";
import { installedVersion } from "./version.js";

/**
 * bentocache `getOrSet` with `grace` on its memory driver, default options otherwise
 * (the soft `timeout` defaults to 0: a graced value is answered at once, refreshed behind).
 */
export const peer: Peer = {
  name: "bentocache",
  call: "getOrSet (grace, memory driver)",
  version: installedVersion("bentocache"),
  order: 5,
  create({ fetch, ttlMs, staleTtlMs, max }) {
    const bento = new BentoCache({
      default: "memory",
      stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: max })) },
    });
    return {
      get: (key) => bento.getOrSet({ key, factory: () => fetch(key), ttl: ttlMs, grace: staleTtlMs }),
      valueOf: identity,
      close: () => bento.disconnectAll(),
    };
  },
};
