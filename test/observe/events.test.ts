import { describe, expect, it, vi } from "vitest";
import { createIsr, createMemoryStore, type IsrEvents, IsrTimeoutError } from "../../src/index.js";
import { countingFetch, deferred, fakeClock, flush, recordingLogger } from "../helpers.js";

function recorder<N extends keyof IsrEvents>(
  isr: { on: (n: N, l: (e: IsrEvents[N]) => void) => () => void },
  names: N[],
) {
  const seen: [N, IsrEvents[N]][] = [];
  for (const name of names) isr.on(name, (event) => seen.push([name, event]));
  return seen;
}

describe("events", () => {
  it("report hit, stale, miss, fetch start/end, refresh and invalidation with key, namespace, state and age", async () => {
    const clock = fakeClock();
    const source = countingFetch((n) => n);
    const isr = createIsr<number>({
      fetch: source.fetch,
      ttlMs: 10,
      namespace: "ns",
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    const seen = recorder(isr, [
      "hit",
      "stale",
      "miss",
      "fetchStart",
      "fetchEnd",
      "refresh",
      "invalidate",
      "invalidateTag",
    ]);
    await isr.get("k");
    clock.advance(4);
    await isr.get("k");
    clock.advance(8);
    await isr.get("k");
    await flush();
    await isr.invalidate("k");
    await isr.invalidateTag("t", { mode: "soft" });
    expect(seen.map(([name]) => name)).toEqual([
      "miss",
      "fetchStart",
      "fetchEnd",
      "hit",
      "stale",
      "fetchStart",
      "fetchEnd",
      "refresh",
      "invalidate",
      "invalidateTag",
    ]);
    const events = Object.fromEntries(seen.map(([name, e]) => [name, e]));
    expect(events.miss).toEqual({ namespace: "ns", key: "k", state: "miss" });
    expect(events.hit).toEqual({ namespace: "ns", key: "k", state: "fresh", ageMs: 4 });
    expect(events.stale).toEqual({ namespace: "ns", key: "k", state: "stale", ageMs: 12 });
    expect(events.fetchStart).toEqual({ namespace: "ns", key: "k", purpose: "refresh" });
    expect(events.fetchEnd).toMatchObject({
      namespace: "ns",
      key: "k",
      purpose: "refresh",
      ok: true,
      stored: true,
    });
    expect((events.fetchEnd as IsrEvents["fetchEnd"]).durationMs).toBeGreaterThanOrEqual(0);
    expect(events.refresh).toMatchObject({ namespace: "ns", key: "k", lagMs: 2 });
    expect(events.invalidate).toEqual({ namespace: "ns", key: "k" });
    expect(events.invalidateTag).toEqual({ namespace: "ns", tag: "t", mode: "soft" });
  });

  it("hand background refresh errors to a hook, not only the log", async () => {
    const clock = fakeClock();
    const boom = new Error("origin down");
    const source = countingFetch((n) => (n === 1 ? 1 : Promise.reject(boom)));
    const isr = createIsr<number>({
      fetch: source.fetch,
      ttlMs: 10,
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
    });
    const errors: IsrEvents["refreshError"][] = [];
    const ends: IsrEvents["fetchEnd"][] = [];
    isr.on("refreshError", (e) => errors.push(e));
    isr.on("fetchEnd", (e) => ends.push(e));
    await isr.get("k");
    clock.advance(10);
    await isr.get("k");
    await flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ namespace: isr.namespace, key: "k", error: boom });
    expect(ends[1]).toMatchObject({ ok: false, error: boom, stored: false, purpose: "refresh" });
  });

  it("report timeouts (hard and soft) and stale-if-error serves", async () => {
    vi.useFakeTimers();
    try {
      const clock = fakeClock();
      const source = countingFetch((n) => (n === 1 ? Promise.resolve(1) : new Promise<number>(() => {})));
      const isr = createIsr<number>({
        fetch: source.fetch,
        ttlMs: 10,
        staleTtlMs: 0,
        staleIfErrorMs: 10_000,
        softTimeoutMs: 20,
        timeoutMs: 50,
        store: createMemoryStore({ now: clock.now }),
        logger: recordingLogger(),
        now: clock.now,
      });
      const seen = recorder(isr, ["timeout", "staleIfError"]);
      await isr.get("k");
      clock.advance(10);
      const served = isr.get("k");
      await vi.advanceTimersByTimeAsync(50);
      expect((await served).value).toBe(1);
      expect(seen.map(([n, e]) => [n, (e as { soft?: boolean }).soft])).toEqual([
        ["timeout", true],
        ["staleIfError", undefined],
        ["timeout", false],
      ]);
      const staleIfError = seen[1]?.[1] as IsrEvents["staleIfError"] | undefined;
      expect(staleIfError?.error).toBeInstanceOf(IsrTimeoutError);
    } finally {
      vi.useRealTimers();
    }
  });

  it("report evictions of this namespace's entries from a bounded memory store", async () => {
    const store = createMemoryStore({ max: 2 });
    const mine = createIsr<string, string>({ fetch: (k) => k, namespace: "mine", store });
    const other = createIsr<string, string>({ fetch: (k) => k, namespace: "other", store });
    const evicted: IsrEvents["evict"][] = [];
    mine.on("evict", (e) => evicted.push(e));
    await mine.get(["a", 1], "a");
    await other.get("b", "b");
    await other.get("c", "c"); // evicts mine's ["a", 1]
    await other.get("d", "d"); // evicts other's "b": not reported to mine
    expect(evicted).toEqual([{ namespace: "mine", key: ["a", 1], reason: "capacity" }]);
    expect(mine.stats().evictions).toBe(1);
    await mine.close();
    await other.get("e", "e");
    expect(evicted).toHaveLength(1);
  });

  it("a throwing listener is logged and breaks nothing; unsubscribe stops delivery", async () => {
    const logger = recordingLogger();
    const isr = createIsr<number>({ fetch: () => 1, store: createMemoryStore(), logger });
    let calls = 0;
    const off = isr.on("hit", () => {
      calls += 1;
      throw new Error("listener bug");
    });
    await isr.get("k");
    expect(await isr.get("k")).toMatchObject({ state: "fresh" });
    expect(logger.at("error").map((l) => l.message)).toEqual(["[isr-plug] event listener threw"]);
    off();
    await isr.get("k");
    expect(calls).toBe(1);
    expect(() => isr.on("nope" as never, () => {})).toThrow('isr-plug: unknown event "nope"');
  });
});

describe("stats()", () => {
  it("counts per state, hit ratio, fetches, in-flight, entries and an age histogram", async () => {
    const clock = fakeClock();
    const slow = deferred<number>();
    const source = countingFetch((n) =>
      n === 3 ? slow.promise : n === 4 ? Promise.reject(new Error("x")) : n,
    );
    const store = createMemoryStore({ now: clock.now });
    const isr = createIsr<number, string>({
      fetch: source.fetch,
      ttlMs: 1_000,
      store,
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("a", "a"); // miss
    clock.advance(50);
    await isr.get("a", "a"); // fresh, age 50
    clock.advance(1_950);
    await isr.get("a", "a"); // stale, age 2 000 → refresh #2
    await flush();
    const pending = isr.get("b", "b"); // miss, fetch #3 in flight
    await flush();
    const during = isr.stats();
    expect(during.fetches.inFlight).toBe(1);
    slow.resolve(3);
    await pending;
    await expect(isr.get("c", "c")).rejects.toThrow("x"); // error
    const stats = isr.stats();
    expect(stats).toMatchObject({
      namespace: isr.namespace,
      served: { fresh: 1, stale: 1, miss: 2, staleIfError: 0 },
      errors: 1,
      fetches: { started: 4, succeeded: 3, failed: 1, timedOut: 0, inFlight: 0, queued: 0 },
      refreshes: { succeeded: 1, failed: 0 },
      storeEntries: 2,
      admittedKeys: 0,
      invalidatedTags: 0,
      evictions: 0,
    });
    expect(stats.hitRatio).toBeCloseTo(2 / 5);
    expect(stats.ageMs.count).toBe(2);
    expect(stats.ageMs.sumMs).toBe(2_050);
    expect(stats.ageMs.buckets.slice(0, 3)).toEqual([
      { le: 100, count: 1 },
      { le: 1_000, count: 1 },
      { le: 10_000, count: 2 },
    ]);
    expect(stats.ageMs.buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: 2 });
    expect(stats.refreshLagMs).toMatchObject({ count: 1, sumMs: 1_000 });
  });

  it("starts at zero with a hit ratio of 0", () => {
    const isr = createIsr<number>({ fetch: () => 1, store: createMemoryStore() });
    expect(isr.stats()).toMatchObject({
      hitRatio: 0,
      served: { fresh: 0, stale: 0, miss: 0, staleIfError: 0 },
      errors: 0,
    });
  });
});
