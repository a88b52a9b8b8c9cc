import { afterEach, describe, expect, it, vi } from "vitest";
import { createIsr, type Store, type StoreEntry } from "../src/index.js";
import { countingFetch, type fakeClock } from "./helpers.js";

/** One store under test, fresh for each test. */
export interface StoreHarness {
  store: Store;
  /** The entry clock: the store's and the engines' `now`, moved by hand. */
  clock: ReturnType<typeof fakeClock>;
  /** Lets `ms` pass on the clock the store expires entries by (a fake clock, or real time). */
  expire(ms: number): Promise<void>;
  /** Multiplies the durations of the expiry test, so a real clock has room to spare. */
  timeScale: number;
  size?(): number;
  clear?(): void | Promise<void>;
  close(): Promise<void>;
}

const entry = (value: unknown, at = 0): StoreEntry => ({
  value,
  storedAt: at,
  staleAt: at + 1,
  expiresAt: at + 2,
});

/**
 * The behaviours every store shares (undici's and bentocache's per-store suites are the
 * model): what a store must do for the engine, whatever it keeps entries in.
 */
export function storeConformance(name: string, make: () => StoreHarness | Promise<StoreHarness>): void {
  describe(`${name}: store conformance`, () => {
    let current: StoreHarness | undefined;
    const open = async () => {
      current = await make();
      return current;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it("answers undefined for a key it never stored", async () => {
      const { store } = await open();
      expect(await store.get("never")).toBeUndefined();
    });

    it("gives back what was stored: the value and the entry's times", async () => {
      const { store } = await open();
      const values = [
        "text ü 🚀 \n",
        42,
        0,
        -1.5,
        null,
        true,
        false,
        "",
        { nested: { a: [1, "2", null] } },
        [1, [2]],
      ];
      for (const [i, value] of values.entries()) await store.set(`k${i}`, entry(value, i), 60_000);
      for (const [i, value] of values.entries()) expect(await store.get(`k${i}`)).toEqual(entry(value, i));
    });

    it("keeps times exactly, Infinity included", async () => {
      const { store } = await open();
      const forever: StoreEntry = {
        value: "v",
        storedAt: 1_700_000_000_123.5,
        staleAt: Infinity,
        expiresAt: Infinity,
      };
      await store.set("k", forever, Number.POSITIVE_INFINITY);
      expect(await store.get("k")).toEqual(forever);
    });

    it("replaces an entry on set", async () => {
      const { store } = await open();
      await store.set("k", entry("old"), 60_000);
      await store.set("k", entry("new", 5), 60_000);
      expect(await store.get("k")).toEqual(entry("new", 5));
    });

    it("deletes only the entry asked for; deleting a missing key is harmless", async () => {
      const { store } = await open();
      await store.set("a", entry(1), 60_000);
      await store.set("b", entry(2), 60_000);
      await store.delete("a");
      await store.delete("missing");
      expect(await store.get("a")).toBeUndefined();
      expect((await store.get("b"))?.value).toBe(2);
    });

    it("keeps entries with an infinite ttl and drops those with none left", async () => {
      const { store } = await open();
      await store.set("forever", entry(1), Number.POSITIVE_INFINITY);
      await store.set("gone", entry(2), 0);
      expect((await store.get("forever"))?.value).toBe(1);
      expect(await store.get("gone")).toBeUndefined();
    });

    it("delete and clear remove entries", async () => {
      const harness = await open();
      const { store } = harness;
      await store.set("a", entry(1), 60_000);
      await store.set("b", entry(2), 60_000);
      await store.delete("a");
      expect(await store.get("a")).toBeUndefined();
      if (harness.clear === undefined) return;
      await harness.clear();
      expect(await store.get("b")).toBeUndefined();
      if (harness.size !== undefined) expect(harness.size()).toBe(0);
    });

    it("expires an entry once its ttlMs has passed", async () => {
      const { store, expire, timeScale } = await open();
      await store.set("k", entry(1), 100 * timeScale);
      await expire(40 * timeScale);
      expect((await store.get("k"))?.value).toBe(1);
      await expire(100 * timeScale);
      expect(await store.get("k")).toBeUndefined();
    });

    it("treats keys as opaque: look-alike keys never meet", async () => {
      const { store } = await open();
      const keys = [
        "a",
        "a:",
        "a{b}",
        "{a}",
        "a}",
        "{",
        "%7B",
        "%",
        "a b",
        "ü",
        "*",
        "[a]",
        "a\\",
        "a\nb",
        "x".repeat(2_000),
      ];
      for (const [i, key] of keys.entries()) await store.set(key, entry(i), 60_000);
      for (const [i, key] of keys.entries()) expect((await store.get(key))?.value).toBe(i);
    });

    it("serves an engine: miss, fresh, stale with one refresh, then too stale", async () => {
      const { store, clock } = await open();
      const source = countingFetch((n) => n);
      const isr = createIsr({
        namespace: "data",
        fetch: source.fetch,
        ttlMs: 1_000,
        staleTtlMs: 10_000,
        store,
        now: clock.now,
      });
      expect(await isr.get("k")).toMatchObject({ value: 1, state: "miss" });
      expect(await isr.get("k")).toMatchObject({ value: 1, state: "fresh" });
      clock.advance(1_000);
      expect(await isr.get("k")).toMatchObject({ value: 1, state: "stale" });
      await vi.waitFor(async () => expect(await isr.get("k")).toMatchObject({ value: 2, state: "fresh" }));
      expect(source.calls).toBe(2);
      clock.advance(11_000);
      expect(await isr.get("k")).toMatchObject({ value: 3, state: "miss" });
      await isr.close();
    });

    it("lets 200 concurrent cold gets of one key share one fetch", async () => {
      const { store, clock } = await open();
      const source = countingFetch(async (n) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return n;
      });
      const isr = createIsr({ namespace: "data", fetch: source.fetch, store, now: clock.now });
      const results = await Promise.all(Array.from({ length: 200 }, () => isr.get("k")));
      expect(source.calls).toBe(1);
      expect(new Set(results.map((result) => result.value))).toEqual(new Set([1]));
      await isr.close();
    });

    it("makes the next get after invalidate a miss", async () => {
      const { store, clock } = await open();
      const source = countingFetch((n) => n);
      const isr = createIsr({ namespace: "data", fetch: source.fetch, store, now: clock.now });
      await isr.get("k");
      await isr.invalidate("k");
      expect(await isr.get("k")).toMatchObject({ value: 2, state: "miss" });
      await isr.close();
    });

    it("keeps two namespaces apart in one store", async () => {
      const { store, clock } = await open();
      const a = createIsr({ fetch: () => "a", store, namespace: "one", now: clock.now });
      const b = createIsr({ fetch: () => "b", store, namespace: "two", now: clock.now });
      await a.get("k");
      expect(await b.get("k")).toMatchObject({ value: "b", state: "miss" });
      expect(await a.get("k")).toMatchObject({ value: "a", state: "fresh" });
      await Promise.all([a.close(), b.close()]);
    });
  });
}
