/** The data every scenario serves: small per-tenant settings, as in the hook example. */

export interface Settings {
  tenant: string;
  plan: string;
  seats: number;
  features: string[];
  version: number;
}

/** What the origin returns for a tenant; `version` tells a refreshed value from the stale one. */
export function settingsFor(tenant: string, version = 1): Settings {
  return { tenant, plan: "pro", seats: 25, features: ["sso", "audit"], version };
}

export function tenantKeys(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `tenant-${index}`);
}

/** mulberry32: a seeded generator, so every run and every peer sees the same key order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A power-of-two long sequence of keys drawn uniformly at random, so the hot loop indexes
 * it with a mask instead of a modulo or a call to the generator.
 */
export function randomOrder(keys: readonly string[], length: number, seed = 6): string[] {
  if ((length & (length - 1)) !== 0) throw new Error("length must be a power of two");
  const random = seededRandom(seed);
  return Array.from({ length }, () => keys[Math.floor(random() * keys.length)] as string);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
