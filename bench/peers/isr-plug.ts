import { createIsr, createMemoryStore } from "../../src/index.js";
import type { Peer } from "./types.js";

/** isr-plug's engine as an application calls it: `(await isr.get(key)).value`. */
export const peer: Peer = {
  name: "isr-plug",
  call: "get (memory store)",
  version: "working tree",
  order: 1,
  create({ fetch, ttlMs, staleTtlMs, max }) {
    const isr = createIsr<unknown, void>({
      fetch: (_extracted, { key }) => fetch(key as string),
      ttlMs,
      staleTtlMs,
      store: createMemoryStore({ max }),
    });
    return {
      get: (key) => isr.get(key),
      valueOf: (result) => (result as { value: unknown }).value,
      close: () => isr.close(),
    };
  },
};
