import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore, type Store, type StoreEntry } from "../../src/index.js";
import { fakeClock } from "../helpers.js";

// Found by an outside adversary through the public API: a newer value that the store does
// not keep must not leave the older one served as fresh, and lifetimes any store cannot hold
// as a number are handed over as "forever".

/** A store that records what it is asked and keeps entries in a Map. */
function recordingStore(): Store & { sets: number[]; deletes: string[] } {
  const entries = new Map<string, StoreEntry>();
  const sets: number[] = [];
  const deletes: string[] = [];
  return {
    sets,
    deletes,
    get: (key) => entries.get(key),
    set: (key, entry, ttlMs) => {
      sets.push(ttlMs);
      if (ttlMs > 0) entries.set(key, entry);
      else entries.delete(key);
    },
    delete: (key) => {
      deletes.push(key);
      entries.delete(key);
    },
  };
}

describe("a value stored with no lifetime supersedes the older one", () => {
  for (const [name, makeStore] of [
    ["memory store", () => createMemoryStore()],
    ["custom store", () => recordingStore()],
  ] as const) {
    it(`${name}: revalidate with setTtl({ ttlMs: 0 }) leaves no older value fresh`, async () => {
      const clock = fakeClock(1_000);
      let version = 0;
      let zero = false;
      const isr = createIsr<string, string>({
        fetch: (_key, ctx) => {
          version++;
          if (zero) ctx.setTtl({ ttlMs: 0, staleTtlMs: 0 });
          return `v${version}`;
        },
        store: makeStore(),
        now: clock.now,
        ttlMs: 10_000,
        staleTtlMs: 0,
      });
      expect(await isr.get("k", "k")).toMatchObject({ value: "v1", state: "miss" });
      zero = true;
      expect(await isr.revalidate("k", "k")).toBe("v2");
      clock.advance(1_000);
      // Not v1 as fresh: the origin said v2 is current and not to be reused.
      const after = await isr.get("k", "k");
      expect(after).toMatchObject({ value: "v3", state: "miss" });
      await isr.close();
    });
  }

  it("noCache() keeps the older entry, as documented", async () => {
    let version = 0;
    const isr = createIsr<string, string>({
      fetch: (_key, ctx) => {
        version++;
        if (version === 2) ctx.noCache();
        return `v${version}`;
      },
    });
    await isr.get("k", "k");
    expect(await isr.revalidate("k", "k")).toBe("v2");
    expect(await isr.get("k", "k")).toMatchObject({ value: "v1", state: "fresh" });
    await isr.close();
  });
});

describe("lifetimes a store cannot hold as a number", () => {
  it("are handed to the store as Infinity past 2^40 ms, and the entry keeps its real times", async () => {
    const store = recordingStore();
    const isr = createIsr<string, string>({
      fetch: (_key, ctx) => {
        ctx.setTtl({ ttlMs: 1, staleTtlMs: 1e300 });
        return "v";
      },
      store,
    });
    await isr.get("k", "k");
    expect(store.sets).toEqual([Number.POSITIVE_INFINITY]);
    await isr.close();
  });

  it("an engine whose staleTtlMs is Number.MAX_VALUE still stores", async () => {
    const store = recordingStore();
    const isr = createIsr<string, string>({ fetch: () => "v", store, staleTtlMs: Number.MAX_VALUE });
    await isr.get("k", "k");
    expect(store.sets).toEqual([Number.POSITIVE_INFINITY]);
    expect(await isr.get("k", "k")).toMatchObject({ state: "fresh" });
    await isr.close();
  });

  it("a lifetime of up to 2^40 ms is handed over as is", async () => {
    const store = recordingStore();
    const isr = createIsr<string, string>({ fetch: () => "v", store, ttlMs: 2 ** 39, staleTtlMs: 2 ** 39 });
    await isr.get("k", "k");
    expect(store.sets).toEqual([2 ** 40]);
    await isr.close();
  });
});

describe("names kept for engines given no namespace", () => {
  it("an engine cannot name a private namespace (it would read another engine's entries)", () => {
    expect(() => createIsr({ fetch: () => 1, namespace: "isr_plug_cache#1" })).toThrow(
      /namespace.*isr_plug_cache#/,
    );
    expect(() => createIsr({ fetch: () => 1, namespace: "isr_plug_cache#x" })).toThrow(TypeError);
  });

  it("the seed's own name is still a namespace a user may take", async () => {
    const isr = createIsr<number, string>({ fetch: () => 1, namespace: "isr_plug_cache" });
    expect((await isr.get("k", "k")).value).toBe(1);
    await isr.close();
  });
});
