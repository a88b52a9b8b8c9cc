import { describe, expect, it, vi } from "vitest";
import type { StoreEntry } from "../src/index.js";
import { createIsr, createMemoryStore, DEFAULT_MEMORY_MAX } from "../src/index.js";
import { estimateEntrySize } from "../src/stores/memory.js";
import { storeConformance } from "../src/testing.js";
import { fakeClock } from "./helpers.js";

// Store-level behaviours (infinite and zero ttl, delete and clear, expiry, opaque keys,
// serving an engine) are in the published suite, run against every store.
storeConformance(
  "memory store",
  (clock) => {
    const store = createMemoryStore({ now: clock.now });
    return { store, size: () => store.size, clear: () => store.clear() };
  },
  { describe, it },
);

const entry = (value: unknown): StoreEntry => ({ value, storedAt: 0, staleAt: 1, expiresAt: 2 });

describe("createMemoryStore", () => {
  it("defaults to 10 000 entries and, beyond max, evicts the oldest entry never read", () => {
    expect(DEFAULT_MEMORY_MAX).toBe(10_000);
    const store = createMemoryStore();
    for (let i = 0; i < 10_001; i++) store.set(`k${i}`, entry(i), 60_000);
    expect(store.size).toBe(10_000);
    expect(store.get("k0")).toBeUndefined();
    expect(store.get("k10000")?.value).toBe(10_000);
  });

  it("keeps read entries when evicting (SIEVE: a read sets the bit the hand clears)", () => {
    const store = createMemoryStore({ max: 3 });
    store.set("a", entry("a"), 1_000);
    store.set("b", entry("b"), 1_000);
    store.set("c", entry("c"), 1_000);
    store.get("a");
    store.set("d", entry("d"), 1_000);
    expect(store.get("b")).toBeUndefined();
    expect(store.get("a")?.value).toBe("a");
  });

  it("bounds total size with maxBytes and a size function", () => {
    const store = createMemoryStore({ maxBytes: 100, sizeOf: (e) => String(e.value).length });
    store.set("a", entry("x".repeat(60)), 1_000);
    store.set("b", entry("y".repeat(30)), 1_000);
    store.set("c", entry("z".repeat(30)), 1_000);
    expect(store.get("a")).toBeUndefined();
    expect(store.get("b")?.value).toBe("y".repeat(30));
    store.set("huge", entry("h".repeat(101)), 1_000);
    expect(store.get("huge")).toBeUndefined();
  });

  it("estimates sizes from the JSON of the value when no sizeOf is given", () => {
    expect(estimateEntrySize(entry({ a: 1 }), "key")).toBe(64 + 2 * (3 + 7));
    const store = createMemoryStore({ maxBytes: 1_000 });
    for (let i = 0; i < 100; i++) store.set(`k${i}`, entry("v".repeat(20)), 1_000);
    expect(store.size).toBeLessThanOrEqual(1_000 / estimateEntrySize(entry("v".repeat(20)), "k10"));
    expect(store.size).toBeGreaterThan(0);
  });

  it("expires an entry once its ttlMs has passed on its clock", () => {
    // lru-cache reads a start time of 0 as "no TTL", so the clock starts later.
    const clock = fakeClock(1_000);
    const store = createMemoryStore({ now: clock.now });
    store.set("k", entry(1), 100);
    clock.advance(99);
    expect(store.get("k")?.value).toBe(1);
    clock.advance(2);
    expect(store.get("k")).toBeUndefined();
  });

  it("bounds an engine's memory: a key flood keeps at most max entries", async () => {
    const store = createMemoryStore({ max: 100 });
    const isr = createIsr<number, number>({ fetch: (n) => n, store });
    for (let i = 0; i < 1_000; i++) await isr.get(`k${i}`, i);
    expect(store.size).toBe(100);
  });

  it("makes room before it inserts (SIEVE): a new entry is never its own victim", () => {
    const store = createMemoryStore({ max: 2 });
    const evicted: string[] = [];
    store.onEvict((key) => evicted.push(key));
    store.set("a", entry("a"), 1_000);
    store.set("b", entry("b"), 1_000);
    store.get("a");
    store.get("b");
    store.set("c", entry("c"), 1_000);
    expect(store.get("c")?.value).toBe("c");
    expect(evicted).toHaveLength(1);
    expect(evicted).not.toContain("c");
    expect(store.size).toBe(2);
  });

  it("a replaced entry that grows is kept; others make room for it", () => {
    const store = createMemoryStore({ maxBytes: 100, sizeOf: (e) => String(e.value).length });
    store.set("a", entry("x".repeat(40)), 1_000);
    store.set("b", entry("y".repeat(40)), 1_000);
    store.get("a");
    store.get("b");
    store.set("b", entry("z".repeat(70)), 1_000);
    expect(store.get("b")?.value).toBe("z".repeat(70));
    expect(store.get("a")).toBeUndefined();
  });

  it("a sizeOf that throws leaves the store whole: the set fails, the bound and later sets hold", () => {
    const store = createMemoryStore({
      max: 3,
      maxBytes: 1_000,
      sizeOf: (e) => JSON.stringify(e.value).length,
    });
    for (let i = 0; i < 20; i++) {
      expect(() => store.set(`bad${i}`, entry(BigInt(i)), 1_000)).toThrow(TypeError);
      store.set(`good${i}`, entry(i), 1_000);
      expect(store.size).toBeLessThanOrEqual(3);
    }
    expect(store.get("good19")?.value).toBe(19);
    expect(store.get("bad19")).toBeUndefined();
    // Replacing a kept entry with one sizeOf refuses drops both.
    expect(() => store.set("good19", entry(1n), 1_000)).toThrow(TypeError);
    expect(store.get("good19")).toBeUndefined();
  });

  it("an engine on such a store serves the fetched value and logs the store failure", async () => {
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_f: object, m: string) => errors.push(m) };
    const store = createMemoryStore({
      max: 5,
      maxBytes: 10_000,
      sizeOf: (e) => JSON.stringify(e.value).length,
    });
    const isr = createIsr<unknown, number>({
      fetch: (n) => (n % 2 === 0 ? { big: BigInt(n) } : n),
      store,
      logger,
    });
    for (let n = 0; n < 50; n++) expect((await isr.get(`k${n}`, n)).state).toBe("miss");
    expect(store.size).toBeLessThanOrEqual(5);
    expect((await isr.get("k49", 49)).state).toBe("fresh");
    expect(errors.some((message) => message.includes("store"))).toBe(true);
    await isr.close();
  });

  it("a listener that throws breaks nothing: evictions and requests go on, the error is logged", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const store = createMemoryStore({ max: 2 });
    store.onEvict(() => {
      throw new Error("listener bug");
    });
    store.onInvalidate(() => {
      throw new Error("listener bug");
    });
    for (const key of ["x", "y", "z"]) expect(() => store.set(key, entry(key), 1_000)).not.toThrow();
    expect(() => store.delete("z")).not.toThrow();
    const isr = createIsr<string, string>({ fetch: (key) => key, store });
    for (const key of ["a", "b", "c", "d"]) expect((await isr.get(key, key)).value).toBe(key);
    await isr.invalidate("d");
    expect((await isr.get("d", "d")).state).toBe("miss");
    expect(store.size).toBe(2);
    expect(logged).toHaveBeenCalledWith(
      "[isr-plug] a memory store listener threw; ignored",
      expect.objectContaining({ error: expect.any(Error) }),
    );
    logged.mockRestore();
    await isr.close();
  });
});
