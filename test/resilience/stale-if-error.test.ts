import { afterEach, describe, expect, it, vi } from "vitest";
import { createIsr, createMemoryStore, DEFAULTS, IsrTimeoutError } from "../../src/index.js";
import { countingFetch, deferred, fakeClock, recordingLogger } from "../helpers.js";

afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const clock = fakeClock();
  return { clock, store: createMemoryStore({ now: clock.now }), logger: recordingLogger() };
}

describe("staleIfErrorMs", () => {
  it("is off by default: a too-stale value is never served, the fetch's error is", async () => {
    expect(DEFAULTS.staleIfErrorMs).toBe(0);
    const { clock, store } = setup();
    const boom = new Error("down");
    const source = countingFetch((n) => (n === 1 ? "good" : Promise.reject(boom)));
    const isr = createIsr<string>({ fetch: source.fetch, ttlMs: 10, staleTtlMs: 10, store, now: clock.now });
    await isr.get("k");
    clock.advance(20);
    await expect(isr.get("k")).rejects.toBe(boom);
  });

  it("serves the last good value after the stale window when the origin fails, with the error", async () => {
    const { clock, store, logger } = setup();
    const boom = new Error("down");
    const source = countingFetch((n) => (n === 1 ? "good" : Promise.reject(boom)));
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      staleTtlMs: 10,
      staleIfErrorMs: 100,
      store,
      logger,
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(20); // too stale, inside the error window
    expect(await isr.get("k")).toEqual({ value: "good", state: "stale", ageMs: 20, error: boom });
    expect(logger.at("warn").map((l) => l.message)).toEqual([
      "[isr-plug] fetch failed or is slow; serving the last good value",
    ]);
    clock.advance(99); // age 119 < 120
    expect(await isr.get("k")).toMatchObject({ value: "good", error: boom });
    clock.advance(1); // age 120: the window is over
    await expect(isr.get("k")).rejects.toBe(boom);
  });

  it("fetches first: a working origin replaces the old value as a normal miss", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => `v${n}`);
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      staleTtlMs: 10,
      staleIfErrorMs: 100,
      store,
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(50);
    expect(await isr.get("k")).toEqual({ value: "v2", state: "miss", ageMs: 0 });
  });

  it("asks the store to keep the entry for the whole error window", async () => {
    const clock = fakeClock();
    const inner = createMemoryStore({ now: clock.now });
    const writes: { ttlMs: number; staleIfErrorUntil: number | undefined; storedAt: number }[] = [];
    const store = {
      get: inner.get,
      delete: inner.delete,
      set: (key: string, entry: Parameters<typeof inner.set>[1], ttlMs: number) => {
        writes.push({ ttlMs, staleIfErrorUntil: entry.staleIfErrorUntil, storedAt: entry.storedAt });
        inner.set(key, entry, ttlMs);
      },
    };
    const isr = createIsr<string>({
      fetch: () => "v",
      ttlMs: 10,
      staleTtlMs: 10,
      staleIfErrorMs: 100,
      store,
      now: clock.now,
    });
    await isr.get("k");
    expect(writes).toEqual([{ ttlMs: 120, staleIfErrorUntil: clock.now() + 120, storedAt: clock.now() }]);
    clock.advance(119);
    expect(inner.size).toBe(1);
  });

  it("serves a timed-out fetch's fallback too (hard timeout inside the window)", async () => {
    vi.useFakeTimers();
    const { clock, store } = setup();
    const source = countingFetch((n) => (n === 1 ? Promise.resolve("good") : new Promise<string>(() => {})));
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      staleTtlMs: 0,
      staleIfErrorMs: 1_000,
      timeoutMs: 50,
      store,
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    const pending = isr.get("k");
    await vi.advanceTimersByTimeAsync(50);
    const result = await pending;
    expect(result.value).toBe("good");
    expect(result.error).toBeInstanceOf(IsrTimeoutError);
    expect((result.error as IsrTimeoutError).soft).toBe(false);
  });
});

describe("softTimeoutMs", () => {
  it("serves the older value after the soft deadline; the fetch finishes in the background and updates the cache", async () => {
    vi.useFakeTimers();
    const { clock, store } = setup();
    const slow = deferred<string>();
    const source = countingFetch((n) => (n === 1 ? Promise.resolve("old") : slow.promise));
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      staleTtlMs: 0,
      staleIfErrorMs: 10_000,
      softTimeoutMs: 100,
      timeoutMs: 5_000,
      store,
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    const pending = isr.get("k");
    await vi.advanceTimersByTimeAsync(99);
    let settled = false;
    pending.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const served = await pending;
    expect(served.value).toBe("old");
    expect(served.state).toBe("stale");
    expect(served.error).toBeInstanceOf(IsrTimeoutError);
    expect((served.error as IsrTimeoutError).soft).toBe(true);
    slow.resolve("new");
    await vi.advanceTimersByTimeAsync(0);
    expect(await isr.get("k")).toMatchObject({ value: "new", state: "fresh" });
    expect(source.calls).toBe(2);
  });

  it("does not delay a fast fetch, and a cold key with nothing older still waits for its fetch", async () => {
    vi.useFakeTimers();
    const { clock, store } = setup();
    const slow = deferred<string>();
    const isr = createIsr<string>({
      fetch: () => slow.promise,
      staleIfErrorMs: 10_000,
      softTimeoutMs: 100,
      store,
      now: clock.now,
    });
    const cold = isr.get("k");
    await vi.advanceTimersByTimeAsync(1_000);
    slow.resolve("only now");
    expect(await cold).toMatchObject({ value: "only now", state: "miss" });
    expect((await cold).error).toBeUndefined();
  });

  it("needs staleIfErrorMs and must be below timeoutMs", () => {
    expect(() => createIsr({ fetch: () => 1, softTimeoutMs: 100 })).toThrow(
      'isr-plug: "softTimeoutMs" needs "staleIfErrorMs" > 0',
    );
    expect(() =>
      createIsr({ fetch: () => 1, softTimeoutMs: 100, staleIfErrorMs: 1, timeoutMs: 100 }),
    ).toThrow('isr-plug: "softTimeoutMs" must be below "timeoutMs" (100), got 100');
  });
});

describe("timeoutMs aborts for real", () => {
  it("the fetch's signal aborts at the hard deadline, so an abortable origin call stops", async () => {
    vi.useFakeTimers();
    const { clock, store } = setup();
    let aborted = 0;
    const isr = createIsr<string>({
      fetch: (_e, { signal }) =>
        new Promise<string>((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted += 1;
            reject(signal.reason);
          });
        }),
      timeoutMs: 30,
      store,
      now: clock.now,
    });
    const outcome = isr.get("k").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(30);
    expect(await outcome).toBeInstanceOf(IsrTimeoutError);
    expect(aborted).toBe(1);
  });
});
