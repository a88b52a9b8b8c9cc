import { describe, expect, it } from "vitest";
import { cacheStatusName, cacheStatusOf } from "../../src/adapters/cache-status.js";
import { isrPlug } from "../../src/adapters/express.js";
import type { Served } from "../../src/engine.js";
import { IsrTimeoutError } from "../../src/index.js";

const served = (overrides: Partial<Served<unknown>>): Served<unknown> => ({
  value: 1,
  state: "fresh",
  ageMs: 0,
  key: "k",
  entry: { value: 1, storedAt: 0, staleAt: 60_000, expiresAt: 120_000 },
  ...overrides,
});

describe("Cache-Status values", () => {
  it("fresh hits carry the whole seconds of freshness left", () => {
    expect(cacheStatusOf("isr-plug", served({ ageMs: 17_500 }), true)).toBe("isr-plug; hit; ttl=42");
  });

  it("a value that never goes stale has no ttl", () => {
    const forever = served({
      entry: {
        value: 1,
        storedAt: 0,
        staleAt: Number.POSITIVE_INFINITY,
        expiresAt: Number.POSITIVE_INFINITY,
      },
    });
    expect(cacheStatusOf("c", forever, true)).toBe("c; hit");
  });

  it("stale, miss (stored or not), stale-if-error and soft deadline", () => {
    expect(cacheStatusOf("c", served({ state: "stale" }), true)).toBe("c; fwd=stale");
    expect(cacheStatusOf("c", served({ state: "miss" }), true)).toBe("c; fwd=miss; stored");
    expect(cacheStatusOf("c", served({ state: "miss" }), false)).toBe("c; fwd=miss");
    expect(cacheStatusOf("c", served({ state: "stale", error: new Error("x") }), true)).toBe(
      "c; fwd=stale; detail=stale-if-error",
    );
    expect(
      cacheStatusOf("c", served({ state: "stale", error: new IsrTimeoutError(5, "k", true) }), true),
    ).toBe("c; fwd=stale; detail=soft-timeout");
  });

  it("the cache name must be an RFC 8941 token", () => {
    expect(cacheStatusName(true)).toBe("isr-plug");
    expect(cacheStatusName(false)).toBeUndefined();
    expect(cacheStatusName("edge-1")).toBe("edge-1");
    expect(() => cacheStatusName("two words")).toThrow('"cacheStatus" must be a boolean or a token');
    expect(() => isrPlug({ fetch: () => 1, apply: () => {}, cacheStatus: "a;b" })).toThrow(TypeError);
  });
});
