import type * as IsrPlug from "../../src/index.js";
import { isrPlugCache } from "../peers/isr-plug.js";
import type { Peer } from "../peers/types.js";

/**
 * isr-plug exactly as the `isr-plug` peer uses it, but imported from the profiling build
 * (bench/profiling/bundle.ts), so profiles carry line numbers. Only bench/profile.ts uses it.
 */
export const peer: Peer = {
  name: "isr-plug-bundle",
  call: "get (memory store)",
  version: "working tree, bundled",
  order: 1,
  async create(options) {
    // Computed: the build exists only once bench/profile.ts has made it.
    const specifier = "../results/build/index.js";
    const { createIsr, createMemoryStore } = (await import(specifier)) as typeof IsrPlug;
    return isrPlugCache({ createIsr, createMemoryStore }, options);
  },
};
