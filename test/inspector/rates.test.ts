import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { DurationWindow, SLOT_MS, SLOTS } from "../../src/inspector/durations.js";
import { buildInspector } from "../../src/inspector/handler.js";
import { RateSampler } from "../../src/inspector/rates.js";
import type { IsrStats } from "../../src/observe/stats.js";
import { authorized, fakeClocks, TOKEN } from "./fixtures.js";

/** Stats whose counters are the given ones (the rest is never read by the sampler). */
function stats(counters: {
  fresh?: number;
  stale?: number;
  miss?: number;
  staleIfError?: number;
  failed?: number;
}): IsrStats {
  const { fresh = 0, stale = 0, miss = 0, staleIfError = 0, failed = 0 } = counters;
  return {
    served: { fresh, stale, miss, staleIfError },
    fetches: { started: 0, succeeded: 0, failed, timedOut: 0, inFlight: 0, queued: 0 },
  } as IsrStats;
}

describe("fetch durations over the last minutes", () => {
  it("gives p50 and p99 within a bucket (under 10 %) of the true values", () => {
    const window = new DurationWindow();
    // 98 fetches of 20 ms, 2 of 2 s: p50 is 20 ms, p99 is 2 s.
    for (let i = 0; i < 98; i++) window.record(1_000, 20);
    window.record(1_000, 2_000);
    window.record(1_000, 2_000);
    const summary = window.summary(1_000, 60_000);
    expect(summary.count).toBe(100);
    expect(Math.abs((summary.p50Ms ?? 0) / 20 - 1)).toBeLessThan(0.1);
    expect(Math.abs((summary.p99Ms ?? 0) / 2_000 - 1)).toBeLessThan(0.1);
  });

  it("forgets fetches older than the window, and slots the ring has reused", () => {
    const window = new DurationWindow();
    window.record(0, 500);
    window.record(70_000, 10);
    expect(window.summary(70_000, 60_000)).toMatchObject({ count: 1 });
    expect(window.summary(70_000, 300_000)).toMatchObject({ count: 2 });
    // A whole ring later, the old slot's counts are gone, not added to the new ones.
    window.record(SLOT_MS * SLOTS, 10);
    expect(window.summary(SLOT_MS * SLOTS, 300_000)).toMatchObject({ count: 2 });
    expect(new DurationWindow().summary(0, 60_000)).toEqual({ count: 0, p50Ms: null, p99Ms: null });
  });
});

describe("rates over the last minute and the last five", () => {
  it("divides counter increases by the time the samples cover, and says how much that is", () => {
    const sampler = new RateSampler();
    const durations = new DurationWindow();
    expect(sampler.observe(0, stats({}), durations).map((w) => w.perSecond)).toEqual([null, null]);
    sampler.observe(30_000, stats({ fresh: 300, stale: 30, miss: 3, failed: 1 }), durations);
    const [minute, five] = sampler.observe(
      60_000,
      stats({ fresh: 600, stale: 60, miss: 6, staleIfError: 3, failed: 2 }),
      durations,
    );
    expect(minute).toMatchObject({ windowMs: 60_000, coveredMs: 60_000 });
    expect(minute?.perSecond).toEqual({
      hits: 10,
      staleServes: 1,
      misses: 0.1,
      staleIfError: 0.05,
      fetchErrors: 2 / 60,
    });
    // Watched for one minute only: the five-minute window says it covers one minute.
    expect(five).toMatchObject({ windowMs: 300_000, coveredMs: 60_000 });
  });

  it("keeps at most one sample per 5 s and none older than the deepest window", () => {
    const sampler = new RateSampler();
    const durations = new DurationWindow();
    // Polled every 100 ms for 10 minutes: the ring must not grow with the polls.
    for (let at = 0; at <= 600_000; at += 100) sampler.observe(at, stats({ fresh: at / 100 }), durations);
    const [minute, five] = sampler.observe(600_100, stats({ fresh: 6_001 }), durations);
    expect(minute?.coveredMs).toBeLessThanOrEqual(60_000);
    expect(minute?.coveredMs).toBeGreaterThan(55_000);
    expect(five?.coveredMs).toBeGreaterThan(295_000);
    expect(minute?.perSecond?.hits).toBeCloseTo(10, 5);
    // 5 minutes deep, one per 5 s, and the one just before the window: bounded whatever the polling.
    expect(sampler.size).toBeLessThanOrEqual(300_000 / 5_000 + 2);
  });

  it("reach the JSON: the inspector samples stats() at creation and with each snapshot, and times fetches from events", async () => {
    const clocks = fakeClocks();
    let calls = 0;
    const isr = createIsr<number, string>({
      namespace: "rated",
      store: createMemoryStore(),
      ttlMs: 60_000,
      fetch: () => {
        calls++;
        if (calls === 3) throw new Error("origin down");
        return calls;
      },
    });
    const inspector = buildInspector({ engines: [isr], token: TOKEN, pollMs: 1_000 }, clocks);
    await isr.get("a", "a");
    await isr.get("b", "b");
    await expect(isr.get("c", "c")).rejects.toThrow("origin down");
    for (let i = 0; i < 20; i++) await isr.get("a", "a");
    clocks.advance(10_000);
    const snapshot = (await (await inspector.fetch(authorized("/api"))).json()) as {
      namespaces: {
        rates: {
          windowMs: number;
          coveredMs: number;
          perSecond: Record<string, number>;
          fetchDuration: { count: number };
        }[];
      }[];
    };
    const [minute] = snapshot.namespaces[0]?.rates ?? [];
    expect(minute).toMatchObject({ windowMs: 60_000, coveredMs: 10_000 });
    expect(minute?.perSecond).toMatchObject({ hits: 2, misses: 0.2, fetchErrors: 0.1 });
    expect(minute?.fetchDuration.count).toBe(3);
    inspector.close();
    await isr.get("d", "d");
    clocks.advance(1_000);
    const later = (await (await inspector.fetch(authorized("/api"))).json()) as typeof snapshot;
    // Closed: it no longer listens to the engine's fetches.
    expect(later.namespaces[0]?.rates[0]?.fetchDuration.count).toBe(3);
  });
});
