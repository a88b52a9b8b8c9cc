import { afterEach, describe, expect, it, vi } from "vitest";
import { coarseNow, coarseUptime } from "../src/clock.js";
import { createIsr, createMemoryStore } from "../src/index.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("the default clock", () => {
  it("reads Date.now at most once per millisecond, and moves on after", async () => {
    const first = coarseNow();
    expect(Math.abs(first - Date.now())).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(coarseNow()).toBeGreaterThan(first);
  });

  it("the coarse uptime clock reads performance.now at most once per millisecond, and moves on after", async () => {
    // After a pause, the next reading is fresh and the one right after it is the same reading.
    await new Promise((r) => setTimeout(r, 5));
    const first = coarseUptime();
    expect(Math.abs(first - performance.now())).toBeLessThanOrEqual(1);
    expect(coarseUptime()).toBe(first);
    await new Promise((r) => setTimeout(r, 5));
    expect(coarseUptime()).toBeGreaterThan(first);
  });

  it("sees faked time at once (fake timers replace Date.now)", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const isr = createIsr<number>({ fetch: () => 1, ttlMs: 1_000, store: createMemoryStore() });
    await isr.get("k");
    vi.setSystemTime(1_000_999);
    expect((await isr.get("k")).state).toBe("fresh");
    vi.setSystemTime(1_001_000); // no timer has run: the faked clock is read directly
    expect((await isr.get("k")).state).toBe("stale");
  });
});

describe("get's answers", () => {
  it("have exactly value, state and ageMs; repeated fresh hits in one millisecond share a frozen one", async () => {
    const clock = { now: () => 5_000 };
    const isr = createIsr<{ n: number }>({
      fetch: () => ({ n: 1 }),
      store: createMemoryStore(),
      now: clock.now,
    });
    const miss = await isr.get("k");
    const hits = await Promise.all([isr.get("k"), isr.get("k"), isr.get("k")]);
    for (const answer of [miss, ...hits])
      expect(Object.keys(answer).sort()).toEqual(["ageMs", "state", "value"]);
    expect(hits.map((h) => h.state)).toEqual(["fresh", "fresh", "fresh"]);
    expect(hits[1]).toBe(hits[2]);
    expect(Object.isFrozen(hits[1])).toBe(true);
  });
});
