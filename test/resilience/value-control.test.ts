import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { countingFetch, fakeClock, flush } from "../helpers.js";

describe("per-value control through the fetch context", () => {
  it("setTtl sets the lifetimes of the returned value (e.g. from upstream Cache-Control)", async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    const isr = createIsr<string, number>({
      fetch: (maxAge, ctx) => {
        ctx.setTtl({ ttlMs: maxAge, staleTtlMs: 5 });
        return `max-age ${maxAge}`;
      },
      store,
      now: clock.now,
    });
    await isr.get("short", 10);
    await isr.get("long", 1_000);
    clock.advance(10);
    expect((await isr.get("short", 10)).state).toBe("stale");
    expect((await isr.get("long", 1_000)).state).toBe("fresh");
    clock.advance(5); // short: 15 = 10 + 5 → too stale
    await flush();
    expect((await isr.get("long", 1_000)).state).toBe("fresh");
  });

  it("setTtl validates what it is given", async () => {
    const isr = createIsr<string>({
      fetch: (_e, ctx) => {
        ctx.setTtl({ ttlMs: -1 });
        return "x";
      },
      store: createMemoryStore(),
    });
    await expect(isr.get("k")).rejects.toThrow('isr-plug: "ttlMs" must be a number of milliseconds >= 0');
  });

  it("noCache serves the value to its waiters without storing it", async () => {
    const store = createMemoryStore();
    const source = countingFetch((n) => n);
    const isr = createIsr<number>({
      fetch: (_e, ctx) => {
        const n = source.fetch() as number;
        if (n === 1) ctx.noCache();
        return n;
      },
      store,
    });
    const [a, b] = await Promise.all([isr.get("k"), isr.get("k")]);
    expect([a.value, b.value]).toEqual([1, 1]);
    expect(store.size).toBe(0);
    expect((await isr.get("k")).value).toBe(2);
    expect((await isr.get("k")).state).toBe("fresh");
  });

  it("receives the previous value for a conditional refresh; returning it keeps it, fresh again", async () => {
    const clock = fakeClock();
    const seen: unknown[] = [];
    const etags = ["v1", "v1", "v2"];
    const isr = createIsr<{ etag: string; body: string }>({
      fetch: (_e, { previous }) => {
        seen.push(previous && { value: previous.value, storedAt: previous.storedAt });
        const etag = etags.shift() ?? "v?";
        if (previous?.value.etag === etag) return previous.value; // 304 Not Modified
        return { etag, body: `body of ${etag}` };
      },
      ttlMs: 10,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    const t0 = clock.now();
    await isr.get("k");
    clock.advance(10);
    await isr.get("k"); // stale: refresh with previous → 304
    await flush();
    expect(await isr.get("k")).toMatchObject({ value: { etag: "v1" }, state: "fresh", ageMs: 0 });
    clock.advance(10);
    await isr.get("k");
    await flush();
    expect(await isr.get("k")).toMatchObject({ value: { etag: "v2", body: "body of v2" }, state: "fresh" });
    expect(seen).toEqual([
      undefined,
      { value: { etag: "v1", body: "body of v1" }, storedAt: t0 },
      { value: { etag: "v1", body: "body of v1" }, storedAt: t0 + 10 },
    ]);
  });

  it("revalidate passes the stored value as previous; invalidate forgets it", async () => {
    const seen: unknown[] = [];
    const isr = createIsr<number>({
      fetch: (_e, { previous }) => {
        seen.push(previous?.value);
        return (previous?.value ?? 0) + 1;
      },
      store: createMemoryStore(),
    });
    await isr.get("k");
    expect(await isr.revalidate("k")).toBe(2);
    await isr.invalidate("k");
    expect((await isr.get("k")).value).toBe(1);
    expect(seen).toEqual([undefined, 1, undefined]);
  });
});
