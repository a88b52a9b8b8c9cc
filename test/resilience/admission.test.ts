import { describe, expect, it } from "vitest";
import {
  createIsr,
  createMemoryStore,
  IsrClosedError,
  IsrKeyRejectedError,
  IsrOverloadedError,
} from "../../src/index.js";
import { countingFetch, type Deferred, deferred, fakeClock, flush } from "../helpers.js";

function gatedSource() {
  const gates: Deferred<string>[] = [];
  let running = 0;
  let peak = 0;
  const fetch = () => {
    running += 1;
    peak = Math.max(peak, running);
    const gate = deferred<string>();
    gates.push(gate);
    return gate.promise.finally(() => {
      running -= 1;
    });
  };
  return {
    fetch,
    gates,
    get peak() {
      return peak;
    },
    async openAll(value = "v") {
      while (gates.length > 0) {
        for (const gate of gates.splice(0)) gate.resolve(value);
        await flush();
      }
    },
  };
}

describe("maxConcurrentFetches", () => {
  it("bounds origin fetches: misses queue for a slot and all get their value", async () => {
    const source = gatedSource();
    const isr = createIsr<string, string>({
      fetch: source.fetch,
      maxConcurrentFetches: 3,
      store: createMemoryStore(),
    });
    const gets = Array.from({ length: 10 }, (_, i) => isr.get(`k${i}`, `k${i}`));
    await flush();
    expect(source.gates).toHaveLength(3);
    await source.openAll();
    expect((await Promise.all(gets)).every((r) => r.value === "v")).toBe(true);
    expect(source.peak).toBe(3);
  });

  it("skips background refreshes while every slot is busy; the stale value keeps being served", async () => {
    const clock = fakeClock();
    const source = gatedSource();
    const isr = createIsr<string, string>({
      fetch: source.fetch,
      ttlMs: 10,
      maxConcurrentFetches: 1,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    const first = isr.get("a", "a");
    await flush();
    await source.openAll("old");
    await first;
    const busy = isr.get("b", "b"); // takes the only slot
    await flush();
    clock.advance(10);
    expect(await isr.get("a", "a")).toMatchObject({ value: "old", state: "stale" });
    await flush();
    expect(source.gates).toHaveLength(1); // only b's fetch: a's refresh was skipped
    await source.openAll("new");
    await busy;
    expect(await isr.get("a", "a")).toMatchObject({ state: "stale" });
    await flush();
    expect(source.gates).toHaveLength(1); // now a refreshes
    await source.openAll("new");
    expect(await isr.get("a", "a")).toMatchObject({ value: "new", state: "fresh" });
  });

  it("with maxQueuedFetches, a miss beyond the queue fails at once with IsrOverloadedError", async () => {
    const source = gatedSource();
    const isr = createIsr<string, string>({
      fetch: source.fetch,
      maxConcurrentFetches: 1,
      maxQueuedFetches: 1,
      store: createMemoryStore(),
    });
    const running = isr.get("a", "a");
    const queued = isr.get("b", "b");
    const refused = isr.get("c", "c");
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsrOverloadedError);
    expect((error as IsrOverloadedError).code).toBe("ISR_OVERLOADED");
    await source.openAll();
    expect((await Promise.all([running, queued])).map((r) => r.value)).toEqual(["v", "v"]);
    // c was refused, not broken: once there is room it is fetched like any miss.
    const later = isr.get("c", "c");
    await flush();
    await source.openAll();
    expect((await later).state).toBe("miss");
  });

  it("close refuses queued misses with IsrClosedError", async () => {
    const source = gatedSource();
    const isr = createIsr<string, string>({
      fetch: source.fetch,
      maxConcurrentFetches: 1,
      store: createMemoryStore(),
    });
    const running = isr.get("a", "a").catch((e: unknown) => e);
    const queued = isr.get("b", "b").catch((e: unknown) => e);
    await flush();
    const closing = isr.close();
    source.gates[0]?.resolve("done");
    await closing;
    expect(await queued).toBeInstanceOf(IsrClosedError);
    expect(await running).toMatchObject({ value: "done" });
  });
});

describe("maxKeys and maxKeyLength", () => {
  it("refuses new keys beyond maxKeys without fetching; admitted keys keep working", async () => {
    const clock = fakeClock();
    const source = countingFetch((n) => n);
    const isr = createIsr<number>({
      fetch: source.fetch,
      maxKeys: 2,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await isr.get("a");
    await isr.get("b");
    const error = await isr.get("c").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsrKeyRejectedError);
    expect((error as Error).message).toBe("isr-plug: key rejected: more than maxKeys (2) keys");
    expect(source.calls).toBe(2);
    expect((await isr.get("a")).state).toBe("fresh");
  });

  it("frees a key's place once its entry can no longer be served, or on invalidate", async () => {
    const clock = fakeClock();
    const source = countingFetch((n) => n);
    const isr = createIsr<number>({
      fetch: source.fetch,
      ttlMs: 100,
      staleTtlMs: 100,
      maxKeys: 1,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await isr.get("a");
    await expect(isr.get("b")).rejects.toBeInstanceOf(IsrKeyRejectedError);
    await isr.invalidate("a");
    expect((await isr.get("b")).state).toBe("miss");
    clock.advance(1_000); // b's entry (200 ms of life) has lapsed
    expect((await isr.get("c")).state).toBe("miss");
  });

  it("refuses keys longer than maxKeyLength, even cached ones, without touching the store", async () => {
    let gets = 0;
    const inner = createMemoryStore();
    const isr = createIsr<number>({
      fetch: () => 1,
      maxKeyLength: 40,
      store: {
        get: (k) => {
          gets += 1;
          return inner.get(k);
        },
        set: inner.set,
        delete: inner.delete,
      },
    });
    await isr.get("short");
    const error = await isr.get("x".repeat(100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsrKeyRejectedError);
    expect((error as Error).message).toContain("longer than maxKeyLength (40)");
    expect(gets).toBe(1);
  });

  it("validates the counts", () => {
    expect(() => createIsr({ fetch: () => 1, maxKeys: 0 })).toThrow(
      '"maxKeys" must be a positive integer (or Infinity), got 0',
    );
    expect(() => createIsr({ fetch: () => 1, maxConcurrentFetches: 1.5 })).toThrow(
      '"maxConcurrentFetches" must be',
    );
    expect(() => createIsr({ fetch: () => 1, maxKeyLength: -3 })).toThrow('"maxKeyLength" must be');
  });
});
