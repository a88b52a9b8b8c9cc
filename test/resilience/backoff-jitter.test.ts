import { afterEach, describe, expect, it, vi } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { encodeKey, namespacePrefix } from "../../src/key.js";
import { countingFetch, fakeClock, flush, recordingLogger } from "../helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function failingAfterFirst() {
  let healthy = false;
  const source = countingFetch((n) =>
    n === 1 || healthy ? `v${n}` : Promise.reject(new Error(`fail ${n}`)),
  );
  return {
    source,
    heal() {
      healthy = true;
    },
  };
}

describe("errorBackoff", () => {
  it("is off by default: every stale request after a failure may try again (the seed's behaviour)", async () => {
    const clock = fakeClock();
    const { source } = failingAfterFirst();
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    for (let i = 0; i < 3; i++) {
      await isr.get("k");
      await flush();
    }
    expect(source.calls).toBe(4);
  });

  it("waits an exponentially growing, jittered interval between refresh attempts, reset by a success", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5); // jitter: 3/4 of the interval
    const clock = fakeClock();
    const { source, heal } = failingAfterFirst();
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      errorBackoff: { minMs: 1_000, maxMs: 4_000 },
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    const attemptsAfter = async (advanceMs: number) => {
      clock.advance(advanceMs);
      const before = source.calls;
      expect(await isr.get("k")).toMatchObject({ value: "v1", state: "stale" });
      await flush();
      return source.calls - before;
    };
    expect(await attemptsAfter(0)).toBe(1); // failure 1 → wait 750 ms (1 000 · 3/4)
    expect(await attemptsAfter(749)).toBe(0);
    expect(await attemptsAfter(1)).toBe(1); // failure 2 → wait 1 500
    expect(await attemptsAfter(1_499)).toBe(0);
    expect(await attemptsAfter(1)).toBe(1); // failure 3 → wait 3 000
    expect(await attemptsAfter(2_999)).toBe(0);
    expect(await attemptsAfter(1)).toBe(1); // failure 4 → capped: 4 000 · 3/4
    expect(await attemptsAfter(2_999)).toBe(0);
    heal();
    expect(await attemptsAfter(1)).toBe(1); // success resets
    expect(await isr.get("k")).toMatchObject({ value: "v6", state: "fresh" });
  });

  it("jitters between half and all of the interval", async () => {
    const clock = fakeClock();
    const randoms = [0, 0.999];
    vi.spyOn(Math, "random").mockImplementation(() => randoms.shift() ?? 0);
    const { source } = failingAfterFirst();
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      errorBackoff: { minMs: 1_000, maxMs: 10_000 },
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    await isr.get("k"); // failure 1, random 0 → 500 ms
    await flush();
    clock.advance(500);
    await isr.get("k"); // failure 2, random .999 → ~2 000 ms
    await flush();
    expect(source.calls).toBe(3);
    clock.advance(1_990);
    await isr.get("k");
    await flush();
    expect(source.calls).toBe(3);
    clock.advance(10);
    await isr.get("k");
    await flush();
    expect(source.calls).toBe(4);
  });

  it("with stale-if-error, a request in the error window is served the old value without hitting the origin", async () => {
    vi.spyOn(Math, "random").mockReturnValue(1);
    const clock = fakeClock();
    const { source } = failingAfterFirst();
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      staleTtlMs: 0,
      staleIfErrorMs: 60_000,
      errorBackoff: true,
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    const first = await isr.get("k");
    expect(first).toMatchObject({ value: "v1", state: "stale" });
    expect(String(first.error)).toBe("Error: fail 2");
    const during = await Promise.all([isr.get("k"), isr.get("k")]);
    expect(during.map((r) => String(r.error))).toEqual(["Error: fail 2", "Error: fail 2"]);
    expect(source.calls).toBe(2);
    clock.advance(1_000); // errorBackoff: true → minMs 1 000
    await isr.get("k");
    expect(source.calls).toBe(3);
  });

  it("a cold key with nothing to serve still fetches (single-flight), and revalidate ignores the backoff", async () => {
    const clock = fakeClock();
    const source = countingFetch<string>(() => Promise.reject(new Error("down")));
    const isr = createIsr<string>({
      fetch: source.fetch,
      errorBackoff: true,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await expect(isr.get("k")).rejects.toThrow("down");
    await expect(isr.get("k")).rejects.toThrow("down");
    await expect(isr.revalidate("k")).rejects.toThrow("down");
    expect(source.calls).toBe(3);
  });

  it("validates its bounds", () => {
    expect(() => createIsr({ fetch: () => 1, errorBackoff: { minMs: 0 } })).toThrow(
      '"errorBackoff.minMs" must be',
    );
    expect(() => createIsr({ fetch: () => 1, errorBackoff: { minMs: 10, maxMs: 5 } })).toThrow(
      '"errorBackoff.maxMs" must be >= errorBackoff.minMs (10), got 5',
    );
    expect(() => createIsr({ fetch: () => 1, errorBackoff: { base: 1 } as never })).toThrow(
      'unknown option "errorBackoff.base"',
    );
    expect(() => createIsr({ fetch: () => 1, errorBackoff: "yes" as never })).toThrow(
      '"errorBackoff" must be a boolean',
    );
  });
});

describe("ttlJitterMs", () => {
  it("shortens each value's fresh window by a random amount below the jitter", async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    const randoms = [0, 0.5, 0.999];
    vi.spyOn(Math, "random").mockImplementation(() => randoms.shift() ?? 0);
    const isr = createIsr<string, string>({
      fetch: (k) => k,
      ttlMs: 1_000,
      ttlJitterMs: 200,
      store,
      now: clock.now,
    });
    await Promise.all(["a", "b", "c"].map((k) => isr.get(k, k)));
    const freshFor = (k: string) => {
      const entry = store.get(encodeKey(namespacePrefix(isr.namespace), k));
      return entry === undefined ? undefined : entry.staleAt - entry.storedAt;
    };
    expect(["a", "b", "c"].map(freshFor)).toEqual([1_000, 900, 801]);
    clock.advance(801);
    expect((await isr.get("c", "c")).state).toBe("stale");
    expect((await isr.get("b", "b")).state).toBe("fresh");
  });

  it("spreads expiry: 1 000 keys stored together do not all go stale at the same moment", async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    const isr = createIsr<number, number>({
      fetch: (n) => n,
      ttlMs: 10_000,
      ttlJitterMs: 5_000,
      store,
      now: clock.now,
    });
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => isr.get(`k${i}`, i)));
    clock.advance(7_500);
    const states = await Promise.all(Array.from({ length: 1_000 }, (_, i) => isr.get(`k${i}`, i)));
    const stale = states.filter((r) => r.state === "stale").length;
    expect(stale).toBeGreaterThan(300);
    expect(stale).toBeLessThan(700);
  });

  it("must be finite and at most ttlMs", () => {
    expect(() => createIsr({ fetch: () => 1, ttlMs: 100, ttlJitterMs: 101 })).toThrow(
      '"ttlJitterMs" must be finite and at most "ttlMs" (100), got 101',
    );
  });
});
