import * as isrPlug from "../../src/index.js";
import type { CacheOptions, Peer, PeerCache } from "./types.js";

/** isr-plug's engine as an application calls it, from whichever build `module` is. */
export function isrPlugCache(
  module: Pick<typeof isrPlug, "createIsr" | "createMemoryStore">,
  { fetch, ttlMs, staleTtlMs, max }: CacheOptions,
): PeerCache {
  const isr = module.createIsr<unknown, void>({
    fetch: (_extracted, { key }) => fetch(key as string),
    ttlMs,
    staleTtlMs,
    store: module.createMemoryStore({ max }),
  });
  return {
    get: (key) => isr.get(key),
    valueOf: (result) => (result as { value: unknown }).value,
    close: () => isr.close(),
  };
}

/** isr-plug's engine as an application calls it: `(await isr.get(key)).value`. */
export const peer: Peer = {
  name: "isr-plug",
  call: "get (memory store)",
  version: "working tree",
  order: 1,
  create: (options) => isrPlugCache(isrPlug, options),
};
