import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore, IsrKeyRejectedError } from "../../src/index.js";
import { fakeClock } from "../helpers.js";

const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 1_048_576;
}

describe("key flood", () => {
  it("1,000,000 distinct keys: memory stays bounded, hot keys stay cached, the origin sees maxKeys fetches", async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ max: 10_000, now: clock.now });
    let fetches = 0;
    const isr = createIsr<string, string>({
      fetch: (key) => {
        fetches += 1;
        return `settings of ${key}`;
      },
      maxKeys: 5_000,
      maxKeyLength: 100,
      store,
      now: clock.now,
    });
    const hot = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);
    for (const key of hot) await isr.get(key, key);
    const before = heapMb();

    let rejected = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const key = `flood-${i}`;
      try {
        await isr.get(key, key);
      } catch (error) {
        if (!(error instanceof IsrKeyRejectedError)) throw error;
        rejected += 1;
      }
      if (i % 1_000 === 0) {
        for (const h of hot) await isr.get(h, h);
      }
    }
    const grownMb = heapMb() - before;

    expect(store.size).toBeLessThanOrEqual(10_000);
    expect(fetches).toBe(5_000);
    expect(rejected).toBe(1_000_000 - 4_900);
    const states = await Promise.all(hot.map((h) => isr.get(h, h)));
    expect(states.every((r) => r.state === "fresh")).toBe(true);
    // The store holds at most 10 000 small entries; nothing else may grow with the flood.
    expect(grownMb).toBeLessThan(gc === undefined ? 64 : 16);
    console.log(
      `key flood: ${rejected} rejected, ${fetches} fetches, heap +${grownMb.toFixed(1)} MB, store ${store.size}`,
    );
  }, 180_000);

  it("20,000 distinct 5 kB keys refused by maxKeyLength cost nothing once answered (heap after GC)", async () => {
    const isr = createIsr<string, string>({
      fetch: (key) => key,
      maxKeyLength: 200,
      store: createMemoryStore(),
    });
    const before = heapMb();
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      // A fresh string per request, as a parsed header would be.
      const key = `${i}:${"x".repeat(5_000)}`;
      try {
        await isr.get(key, key);
      } catch (error) {
        if (!(error instanceof IsrKeyRejectedError)) throw error;
        rejected += 1;
      }
    }
    const grownMb = heapMb() - before;
    // The engine is still in use: what it remembered is still reachable when the heap is read.
    expect(isr.stats().fetches.started).toBe(0);
    expect(rejected).toBe(20_000);
    // 20,000 × 10 kB of key text went through; none of it may stay.
    expect(grownMb).toBeLessThan(gc === undefined ? 64 : 4);
    console.log(`refused long keys: heap +${grownMb.toFixed(1)} MB after 20,000 refusals`);
  }, 60_000);

  it("keys refused by maxKeys are not remembered either: 50,000 refusals keep the heap flat", async () => {
    const isr = createIsr<string, string>({
      fetch: (key) => key,
      maxKeys: 10,
      store: createMemoryStore(),
    });
    for (let i = 0; i < 10; i++) await isr.get(`admitted-${i}`, "v");
    const before = heapMb();
    for (let i = 0; i < 50_000; i++) {
      const key = `refused-${i}-${"y".repeat(200)}`;
      await isr.get(key, key).catch((error: unknown) => {
        if (!(error instanceof IsrKeyRejectedError)) throw error;
      });
    }
    const grownMb = heapMb() - before;
    expect(grownMb).toBeLessThan(gc === undefined ? 64 : 4);
    expect(isr.stats().admittedKeys).toBe(10);
  }, 60_000);
});
