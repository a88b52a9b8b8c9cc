import type { Peer } from "./types.js";
import { identity } from "./types.js";

/**
 * The least an awaited lookup can cost: `async (k) => map.get(k)`. A miss loads into the
 * map (so fetch counts compare), with no expiry, no refresh and no single-flight.
 */
export const peer: Peer = {
  name: "floor",
  call: "async (k) => map.get(k)",
  version: `node ${process.versions.node}`,
  order: 0,
  expires: false,
  create({ fetch }) {
    const map = new Map<string, unknown>();
    const load = async (key: string): Promise<unknown> => {
      const value = await fetch(key);
      map.set(key, value);
      return value;
    };
    return {
      get: async (key) => map.get(key) ?? load(key),
      valueOf: identity,
    };
  },
};
