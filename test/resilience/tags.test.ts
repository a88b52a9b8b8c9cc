import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { TagRegistry, TagVerdict } from "../../src/tags.js";
import { countingFetch, deferred, fakeClock, flush } from "../helpers.js";

type Product = { id: string; category: string; n: number };

function catalog() {
  const clock = fakeClock();
  const source = countingFetch((n) => n);
  const isr = createIsr<Product, { id: string; category: string }>({
    fetch: ({ id, category }) => ({ id, category, n: source.fetch() as number }),
    tags: (value, extracted) => [`product:${value.id}`, `category:${extracted.category}`],
    ttlMs: 1_000,
    store: createMemoryStore({ now: clock.now }),
    now: clock.now,
  });
  const get = (id: string, category = "shoes") => isr.get(id, { id, category });
  return { clock, source, isr, get };
}

describe("tags", () => {
  it("hard invalidation makes every entry with the tag a miss, others untouched", async () => {
    const { isr, get } = catalog();
    await get("a");
    await get("b");
    await get("c", "hats");
    await isr.invalidateTag("category:shoes");
    expect(await get("a")).toMatchObject({ state: "miss", value: { n: 4 } });
    expect(await get("b")).toMatchObject({ state: "miss", value: { n: 5 } });
    expect(await get("c", "hats")).toMatchObject({ state: "fresh", value: { n: 3 } });
    expect(await get("a")).toMatchObject({ state: "fresh", value: { n: 4 } });
  });

  it("hard is the default mode; soft makes entries stale, served while one refresh runs", async () => {
    const { isr, get, source } = catalog();
    await get("a");
    await isr.invalidateTag("product:a", { mode: "soft" });
    const results = await Promise.all(Array.from({ length: 20 }, () => get("a")));
    expect(results.every((r) => r.state === "stale" && r.value.n === 1)).toBe(true);
    await flush();
    expect(source.calls).toBe(2);
    expect(await get("a")).toMatchObject({ state: "fresh", value: { n: 2 } });
  });

  it("a hard invalidation of a value also hides it from stale-if-error and conditional fetches", async () => {
    const clock = fakeClock();
    const seen: unknown[] = [];
    const answers = ["v1", new Error("down"), "v3"];
    const isr = createIsr<string>({
      fetch: (_e, { previous }) => {
        seen.push(previous?.value);
        const next = answers.shift();
        if (next instanceof Error) throw next;
        return next ?? "?";
      },
      tags: () => ["t"],
      staleIfErrorMs: 60_000,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await isr.get("k");
    await isr.invalidateTag("t");
    await expect(isr.get("k")).rejects.toThrow("down");
    expect(await isr.get("k")).toMatchObject({ value: "v3", state: "miss" });
    expect(seen).toEqual([undefined, undefined, undefined]);
  });

  it("a value fetched before the invalidation and stored after it is not kept", async () => {
    const clock = fakeClock();
    const slow = deferred<string>();
    const source = countingFetch((n) => (n === 1 ? slow.promise : `v${n}`));
    const isr = createIsr<string>({
      fetch: source.fetch,
      tags: () => ["t"],
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    const first = isr.get("k");
    await flush();
    await isr.invalidateTag("t");
    slow.resolve("fetched before");
    expect((await first).value).toBe("fetched before");
    expect(await isr.get("k")).toMatchObject({ value: "v2", state: "miss" });
  });

  it("a value stored in the same millisecond as the invalidation, after it, is kept", async () => {
    const { isr, get, source } = catalog(); // the clock never moves here
    await get("a");
    await isr.invalidateTag("product:a");
    expect(await get("a")).toMatchObject({ state: "miss" });
    expect(await get("a")).toMatchObject({ state: "fresh" });
    expect(source.calls).toBe(2);
  });

  it("on a frozen clock, each invalidation still catches the values stored before it", async () => {
    const { isr, get } = catalog(); // the clock never moves here
    await get("a");
    await isr.invalidateTag("product:a");
    expect((await get("a")).state).toBe("miss");
    await isr.invalidateTag("product:a", { mode: "soft" });
    expect((await get("a")).state).toBe("stale");
    await flush();
    expect((await get("a")).state).toBe("fresh");
    await isr.invalidateTag("product:a");
    expect((await get("a")).state).toBe("miss");
  });

  it("fetch can add tags through its context", async () => {
    const clock = fakeClock();
    const source = countingFetch((n) => n);
    const isr = createIsr<number>({
      fetch: (_e, ctx) => {
        ctx.addTags("from-fetch");
        return source.fetch() as number;
      },
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await isr.get("k");
    await isr.invalidateTag("other");
    expect((await isr.get("k")).state).toBe("fresh");
    await isr.invalidateTag("from-fetch");
    expect((await isr.get("k")).state).toBe("miss");
  });

  it("rejects bad tags and modes", async () => {
    const { isr } = catalog();
    await expect(isr.invalidateTag("")).rejects.toThrow(
      "isr-plug: a tag must be a string of 1 to 256 characters",
    );
    await expect(isr.invalidateTag("t", { mode: "medium" as never })).rejects.toThrow(
      'invalidateTag mode must be "soft" or "hard"',
    );
    const bad = createIsr<number>({ fetch: () => 1, tags: () => [42 as never], store: createMemoryStore() });
    await expect(bad.get("k")).rejects.toThrow("a tag must be a string");
    const tooMany = createIsr<number>({
      fetch: () => 1,
      tags: () => Array.from({ length: 65 }, (_, i) => `t${i}`),
      store: createMemoryStore(),
    });
    await expect(tooMany.get("k")).rejects.toThrow("at most 64 tags");
  });

  it("costs the same whatever the number of entries: invalidateTag touches no entry", async () => {
    const clock = fakeClock();
    const inner = createMemoryStore({ max: 100_000, now: clock.now });
    let storeCalls = 0;
    const store = {
      get: (k: string) => {
        storeCalls += 1;
        return inner.get(k);
      },
      set: (k: string, e: Parameters<typeof inner.set>[1], t: number) => {
        storeCalls += 1;
        inner.set(k, e, t);
      },
      delete: (k: string) => {
        storeCalls += 1;
        inner.delete(k);
      },
    };
    const isr = createIsr<number, number>({ fetch: (n) => n, tags: () => ["all"], store, now: clock.now });
    for (let i = 0; i < 20_000; i++) await isr.get(`k${i}`, i);
    storeCalls = 0;
    await isr.invalidateTag("all");
    expect(storeCalls).toBe(0);
    expect((await isr.get("k19999", 19_999)).state).toBe("miss");
  });
});

describe("tag bookkeeping is bounded", () => {
  /** An entry whose fetch started when `tagSeq` was the latest invalidation known. */
  const entry = (tagSeq: number, tags: string[]) => ({
    value: 1,
    storedAt: 0,
    staleAt: 0,
    expiresAt: 0,
    tags,
    tagSeq,
  });
  const record = (registry: TagRegistry, tag: string, mode: "soft" | "hard", seq: number) =>
    registry.record({ tag, mode, seq });

  it("keeps at most maxTags records and folds the oldest into floors: never less invalidated", () => {
    const registry = new TagRegistry(3);
    record(registry, "a", "hard", 10);
    record(registry, "b", "soft", 20);
    record(registry, "c", "hard", 30);
    record(registry, "d", "soft", 40); // folds "a" (hard at 10) into the hard floor
    expect(registry.size).toBe(3);
    expect(registry.seq).toBe(40);
    expect(registry.verdict(entry(5, ["a"]))).toBe(TagVerdict.Hard);
    expect(registry.verdict(entry(5, ["unrelated"]))).toBe(TagVerdict.Hard); // over-invalidated, by design
    expect(registry.verdict(entry(10, ["unrelated"]))).toBe(TagVerdict.None);
    expect(registry.verdict(entry(10, ["a"]))).toBe(TagVerdict.None); // fetched after it: kept
    expect(registry.verdict(entry(15, ["b"]))).toBe(TagVerdict.Soft);
    expect(registry.verdict(entry(25, ["c"]))).toBe(TagVerdict.Hard);
    expect(registry.verdict(entry(35, ["d"]))).toBe(TagVerdict.Soft);
    expect(registry.verdict(entry(40, ["a", "b", "c", "d"]))).toBe(TagVerdict.None);
    expect(registry.verdict({ value: 1, storedAt: 0, staleAt: 0, expiresAt: 0 })).toBe(TagVerdict.None);
  });

  it("counts a tagged entry without a sequence number as older than every invalidation", () => {
    const registry = new TagRegistry(10);
    record(registry, "t", "soft", 1);
    expect(registry.verdict({ value: 1, storedAt: 9e15, staleAt: 9e15, expiresAt: 9e15, tags: ["t"] })).toBe(
      TagVerdict.Soft,
    );
  });

  it("remembers a hard invalidation under a later soft one of the same tag", () => {
    const registry = new TagRegistry(10);
    record(registry, "t", "hard", 10);
    record(registry, "t", "soft", 20);
    expect(registry.verdict(entry(5, ["t"]))).toBe(TagVerdict.Hard);
    expect(registry.verdict(entry(15, ["t"]))).toBe(TagVerdict.Soft);
  });

  it("50 000 distinct tag invalidations leave maxTags records", () => {
    const tags = new TagRegistry(1_000);
    for (let i = 1; i <= 50_000; i++) record(tags, `tag-${i}`, "soft", i);
    expect(tags.size).toBe(1_000);
    expect(tags.verdict(entry(48_999, ["tag-49000"]))).toBe(TagVerdict.Soft);
    expect(tags.verdict(entry(49_000, ["tag-1"]))).toBe(TagVerdict.None);
  });
});

describe("tag invalidations shared through the store", () => {
  it("engines of one process on one memory store and namespace share them, late ones included", async () => {
    const store = createMemoryStore();
    const make = () =>
      createIsr<string, string>({ fetch: (k) => k, tags: () => ["t"], namespace: "shared", store });
    const first = make();
    const second = make();
    await second.get("k", "k");
    await first.invalidateTag("t");
    expect((await second.get("k", "k")).state).toBe("miss");
    await second.get("j", "j");
    await second.invalidateTag("t", { mode: "soft" });
    const late = make();
    expect((await late.get("j", "j")).state).toBe("stale");
  });

  it("other namespaces on the store are not touched", async () => {
    const store = createMemoryStore();
    const a = createIsr<string, string>({ fetch: (k) => k, tags: () => ["t"], namespace: "a", store });
    const b = createIsr<string, string>({ fetch: (k) => k, tags: () => ["t"], namespace: "b", store });
    await b.get("k", "k");
    await a.invalidateTag("t");
    expect((await b.get("k", "k")).state).toBe("fresh");
  });
});
