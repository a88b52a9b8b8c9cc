import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createIsr,
  createMemoryStore,
  DEFAULTS,
  IsrClosedError,
  IsrFetchError,
  IsrTimeoutError,
} from "../src/index.js";
import { countingFetch, deferred, fakeClock, flush, recordingLogger } from "./helpers.js";

function setup(options: { ttlMs?: number; staleTtlMs?: number } = {}) {
  const clock = fakeClock();
  const store = createMemoryStore({ now: clock.now });
  const logger = recordingLogger();
  return { clock, store, logger, ...options };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("defaults", () => {
  it("are the seed's: 1 minute fresh, 1 hour stale after it; an unnamed engine gets a namespace of its own", () => {
    expect(DEFAULTS).toMatchObject({ ttlMs: 60_000, staleTtlMs: 3_600_000, namespace: "isr_plug_cache" });
    const { clock, store } = setup();
    const isr = createIsr({ fetch: () => 1, store, now: clock.now });
    const other = createIsr({ fetch: () => 2, store, now: clock.now });
    expect(isr.namespace).toMatch(/^isr_plug_cache#\d+$/);
    expect(other.namespace).toMatch(/^isr_plug_cache#\d+$/);
    expect(other.namespace).not.toBe(isr.namespace);
  });

  it("apply the default windows: fresh < 60 s, stale < 60 s + 1 h, then too stale", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, store, now: clock.now });
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "miss" });
    clock.advance(59_999);
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "fresh", ageMs: 59_999 });
    clock.advance(1);
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "stale", ageMs: 60_000 });
    await flush();
    expect(source.calls).toBe(2);
    // The refresh stored value 2 at t = 60 000; too stale at 60 000 + 3 660 000.
    clock.advance(3_660_000);
    expect(await isr.get("k")).toMatchObject({ value: 3, state: "miss", ageMs: 0 });
  });
});

describe("freshness state machine", () => {
  it("is fresh while age < ttlMs, stale while age < ttlMs + staleTtlMs, then a miss", async () => {
    const { clock, store } = setup();
    const gate = { value: "v1" };
    const isr = createIsr<string>({
      fetch: () => gate.value,
      ttlMs: 1_000,
      staleTtlMs: 5_000,
      store,
      now: clock.now,
    });

    expect(await isr.get("k")).toEqual({ value: "v1", state: "miss", ageMs: 0 });
    clock.advance(999);
    expect(await isr.get("k")).toEqual({ value: "v1", state: "fresh", ageMs: 999 });

    gate.value = "v2";
    clock.advance(1); // age 1000 = ttlMs: stale
    expect(await isr.get("k")).toEqual({ value: "v1", state: "stale", ageMs: 1_000 });
    await flush();
    // The background refresh stored v2 at age 0.
    expect(await isr.get("k")).toEqual({ value: "v2", state: "fresh", ageMs: 0 });

    clock.advance(5_999); // age 5999 < 6000: still stale
    gate.value = "v3";
    const stale = await isr.get("k");
    expect(stale).toMatchObject({ value: "v2", state: "stale", ageMs: 5_999 });
    await flush();

    clock.advance(6_000); // the refreshed v3 is now exactly ttl + stale old: too stale
    gate.value = "v4";
    expect(await isr.get("k")).toEqual({ value: "v4", state: "miss", ageMs: 0 });
  });

  it("measures age from when the value was stored, not when the fetch started", async () => {
    const { clock, store } = setup();
    const pending = deferred<string>();
    const isr = createIsr<string>({
      fetch: () => pending.promise,
      ttlMs: 1_000,
      staleTtlMs: 1_000,
      store,
      now: clock.now,
    });
    const first = isr.get("k");
    clock.advance(800);
    pending.resolve("slow");
    expect(await first).toMatchObject({ state: "miss", ageMs: 0 });
    clock.advance(999);
    expect(await isr.get("k")).toMatchObject({ state: "fresh", ageMs: 999 });
  });

  it("with staleTtlMs 0 never serves stale: past ttlMs is a synchronous miss", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, ttlMs: 100, staleTtlMs: 0, store, now: clock.now });
    await isr.get("k");
    clock.advance(100);
    expect(await isr.get("k")).toMatchObject({ value: 2, state: "miss" });
  });

  it("with ttlMs 0 serves every hit stale and refreshes in the background", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, ttlMs: 0, staleTtlMs: 1_000, store, now: clock.now });
    await isr.get("k");
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "stale" });
    await flush();
    expect(await isr.get("k")).toMatchObject({ value: 2, state: "stale" });
  });

  it("accepts Infinity: a value that never goes stale", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, ttlMs: Number.POSITIVE_INFINITY, store, now: clock.now });
    await isr.get("k");
    clock.advance(10 * 365 * 24 * 3_600_000);
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "fresh" });
    expect(source.calls).toBe(1);
  });

  it("never reports a negative age when the clock steps back", async () => {
    const { clock, store } = setup();
    const isr = createIsr({ fetch: () => 1, store, now: clock.now });
    await isr.get("k");
    clock.advance(-5_000);
    expect(await isr.get("k")).toMatchObject({ state: "fresh", ageMs: 0 });
  });
});

describe("single-flight", () => {
  it("200 concurrent cold gets share exactly one fetch and all get its value", async () => {
    const { clock, store } = setup();
    const pending = deferred<string>();
    const source = countingFetch(() => pending.promise);
    const isr = createIsr<string>({ fetch: source.fetch, store, now: clock.now });
    const gets = Array.from({ length: 200 }, () => isr.get("cold"));
    await flush();
    pending.resolve("value");
    const results = await Promise.all(gets);
    expect(source.calls).toBe(1);
    expect(results.every((r) => r.value === "value" && r.state === "miss")).toBe(true);
  });

  it("200 concurrent stale gets start exactly one refresh and none waits for it", async () => {
    const { clock, store } = setup();
    let refresh: ReturnType<typeof deferred<string>> | undefined;
    const source = countingFetch((n) => {
      if (n === 1) return "old";
      refresh = deferred<string>();
      return refresh.promise;
    });
    const isr = createIsr<string>({ fetch: source.fetch, ttlMs: 1_000, store, now: clock.now });
    await isr.get("hot");
    clock.advance(1_000);
    // All 200 resolve while the refresh is still pending: nobody waits for it.
    const results = await Promise.all(Array.from({ length: 200 }, () => isr.get("hot")));
    expect(results.every((r) => r.value === "old" && r.state === "stale")).toBe(true);
    await flush();
    expect(source.calls).toBe(2);
    refresh?.resolve("new");
    await flush();
    expect(await isr.get("hot")).toMatchObject({ value: "new", state: "fresh" });
    expect(source.calls).toBe(2);
  });

  it("a cold get that arrives while a refresh runs joins that refresh", async () => {
    const { clock, store } = setup();
    const pending = deferred<number>();
    const source = countingFetch((n) => (n === 1 ? 1 : pending.promise));
    const isr = createIsr<number>({ fetch: source.fetch, ttlMs: 10, staleTtlMs: 10, store, now: clock.now });
    await isr.get("k");
    clock.advance(10);
    await isr.get("k"); // stale: refresh starts
    clock.advance(10); // now too stale
    const miss = isr.get("k");
    pending.resolve(2);
    expect(await miss).toMatchObject({ value: 2, state: "miss" });
    expect(source.calls).toBe(2);
  });

  it("keeps different keys apart: one fetch per key", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => n);
    const isr = createIsr<number, string>({ fetch: source.fetch, store, now: clock.now });
    await Promise.all(["a", "b", "a", "c", "b"].map((k) => isr.get(k, k)));
    expect(source.calls).toBe(3);
  });

  it("frees the key after a failure, so the next get fetches again", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => {
      if (n === 1) throw new Error("down");
      return n;
    });
    const isr = createIsr({ fetch: source.fetch, store, now: clock.now });
    await expect(isr.get("k")).rejects.toThrow("down");
    expect(await isr.get("k")).toMatchObject({ value: 2, state: "miss" });
  });
});

describe("fetch", () => {
  it("receives the extracted data and { key, signal } with the key as cacheKey gave it", async () => {
    const { clock, store } = setup();
    const seen: unknown[] = [];
    const isr = createIsr<string, { tenant: string }>({
      fetch: (extracted, ctx) => {
        seen.push(extracted, ctx.key, ctx.signal instanceof AbortSignal, ctx.signal.aborted);
        return `settings of ${extracted.tenant}`;
      },
      store,
      now: clock.now,
    });
    const result = await isr.get(["settings", "acme", 7], { tenant: "acme" });
    expect(result.value).toBe("settings of acme");
    expect(seen).toEqual([{ tenant: "acme" }, ["settings", "acme", 7], true, false]);
  });

  it("a failed synchronous fetch rejects with the fetch's own error and caches nothing", async () => {
    const { clock, store } = setup();
    const boom = new Error("database timeout");
    const source = countingFetch<number>(() => Promise.reject(boom));
    const isr = createIsr<number>({ fetch: source.fetch, store, now: clock.now });
    await expect(isr.get("k")).rejects.toBe(boom);
    await expect(isr.get("k")).rejects.toBe(boom);
    expect(source.calls).toBe(2);
    expect(store.size).toBe(0);
  });

  it("a fetch that throws synchronously is a rejection, not a throw", async () => {
    const { clock, store } = setup();
    const boom = new TypeError("bad");
    const isr = createIsr({
      fetch: () => {
        throw boom;
      },
      store,
      now: clock.now,
    });
    const pending = isr.get("k");
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBe(boom);
  });

  it("undefined is not a value: IsrFetchError, nothing cached; null is cached", async () => {
    const { clock, store } = setup();
    const answers: (string | null | undefined)[] = [undefined, null];
    const source = countingFetch((n) => answers[n - 1]);
    const isr = createIsr<string | null | undefined>({ fetch: source.fetch, store, now: clock.now });
    const error = await isr.get("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsrFetchError);
    expect((error as IsrFetchError).code).toBe("ISR_FETCH");
    expect(store.size).toBe(0);
    expect(await isr.get("k")).toMatchObject({ value: null, state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: null, state: "fresh" });
    expect(source.calls).toBe(2);
  });
});

describe("timeoutMs", () => {
  it("rejects a slow fetch with IsrTimeoutError, aborts its signal and caches nothing", async () => {
    vi.useFakeTimers();
    const { clock, store } = setup();
    let signal: AbortSignal | undefined;
    const late = deferred<string>();
    const isr = createIsr<string>({
      fetch: (_e, ctx) => {
        signal = ctx.signal;
        return late.promise;
      },
      timeoutMs: 500,
      store,
      now: clock.now,
    });
    const pending = isr.get("k");
    const outcome = pending.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(499);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(IsrTimeoutError);
    expect((error as IsrTimeoutError).timeoutMs).toBe(500);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    late.resolve("too late");
    await vi.advanceTimersByTimeAsync(0);
    expect(store.size).toBe(0);
  });

  it("lets a fetch faster than the timeout through and clears its timer", async () => {
    vi.useFakeTimers();
    const { clock, store } = setup();
    const isr = createIsr({ fetch: async () => "quick", timeoutMs: 500, store, now: clock.now });
    expect(await isr.get("k")).toMatchObject({ value: "quick" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("also bounds background refreshes, so a hung refresh does not block later ones", async () => {
    vi.useFakeTimers();
    const { clock, store, logger } = setup();
    const source = countingFetch((n) =>
      n === 1 ? Promise.resolve("v1") : n === 2 ? new Promise<string>(() => {}) : Promise.resolve("v3"),
    );
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      timeoutMs: 100,
      store,
      logger,
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    expect(await isr.get("k")).toMatchObject({ value: "v1", state: "stale" });
    await vi.advanceTimersByTimeAsync(100);
    expect(logger.at("warn").map((l) => l.fields.err)).toEqual([expect.any(IsrTimeoutError)]);
    expect(await isr.get("k")).toMatchObject({ value: "v1", state: "stale" });
    await vi.advanceTimersByTimeAsync(0);
    expect(await isr.get("k")).toMatchObject({ value: "v3", state: "fresh" });
    expect(source.calls).toBe(3);
  });
});

describe("background refresh failures", () => {
  it("keep the stale value, are logged as warnings, and never reject anything", async () => {
    const { clock, store, logger } = setup();
    const boom = new Error("origin down");
    const source = countingFetch((n) => (n === 1 ? "good" : Promise.reject(boom)));
    const isr = createIsr<string>({ fetch: source.fetch, ttlMs: 10, store, logger, now: clock.now });
    await isr.get("k");
    clock.advance(10);
    expect(await isr.get("k")).toMatchObject({ value: "good", state: "stale" });
    await flush();
    const warns = logger.at("warn");
    expect(warns).toHaveLength(1);
    expect(warns[0]?.message).toBe("[isr-plug] background refresh failed; the stale value is kept");
    expect(warns[0]?.fields).toMatchObject({ key: "k", namespace: isr.namespace, err: boom });
    // Still stale, and the next stale hit tries again.
    expect(await isr.get("k")).toMatchObject({ value: "good", state: "stale" });
    await flush();
    expect(source.calls).toBe(3);
  });
});

describe("invalidate", () => {
  it("drops the entry: the next get is a miss", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, store, now: clock.now });
    await isr.get("k");
    await isr.invalidate("k");
    expect(await isr.get("k")).toMatchObject({ value: 2, state: "miss" });
  });

  it("does not let a fetch in flight store what was invalidated; its waiters still get it", async () => {
    const { clock, store } = setup();
    const first = deferred<string>();
    const source = countingFetch((n) => (n === 1 ? first.promise : "after"));
    const isr = createIsr<string>({ fetch: source.fetch, store, now: clock.now });
    const waiting = isr.get("k");
    await flush();
    await isr.invalidate("k");
    first.resolve("before");
    expect(await waiting).toMatchObject({ value: "before", state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: "after", state: "miss" });
    expect(source.calls).toBe(2);
  });

  it("only touches its own key and namespace", async () => {
    const { clock, store } = setup();
    const a = createIsr({ fetch: () => "a", namespace: "a", store, now: clock.now });
    const b = createIsr({ fetch: () => "b", namespace: "b", store, now: clock.now });
    await a.get("k");
    await a.get("other");
    await b.get("k");
    await a.invalidate("k");
    expect((await a.get("other")).state).toBe("fresh");
    expect((await b.get("k")).state).toBe("fresh");
    expect((await a.get("k")).state).toBe("miss");
  });
});

describe("revalidate", () => {
  it("fetches now, stores and resolves with the new value", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => `v${n}`);
    const isr = createIsr<string, string>({ fetch: source.fetch, store, now: clock.now });
    await isr.get("k", "x");
    clock.advance(5);
    expect(await isr.revalidate("k", "x")).toBe("v2");
    expect(await isr.get("k", "x")).toMatchObject({ value: "v2", state: "fresh", ageMs: 0 });
  });

  it("is single-flight with gets and other revalidates of the key", async () => {
    const { clock, store } = setup();
    const pending = deferred<string>();
    const source = countingFetch(() => pending.promise);
    const isr = createIsr<string>({ fetch: source.fetch, store, now: clock.now });
    const all = [isr.revalidate("k"), isr.get("k"), isr.revalidate("k")];
    pending.resolve("one");
    const [r1, g, r2] = await Promise.all(all);
    expect([r1, (g as { value: string }).value, r2]).toEqual(["one", "one", "one"]);
    expect(source.calls).toBe(1);
  });

  it("rejects with the fetch's error and keeps the previous value", async () => {
    const { clock, store } = setup();
    const boom = new Error("nope");
    const source = countingFetch((n) => (n === 1 ? "kept" : Promise.reject(boom)));
    const isr = createIsr<string>({ fetch: source.fetch, store, now: clock.now });
    await isr.get("k");
    await expect(isr.revalidate("k")).rejects.toBe(boom);
    expect(await isr.get("k")).toMatchObject({ value: "kept", state: "fresh" });
  });
});

describe("close", () => {
  it("aborts the signals of in-flight fetches and waits for them to settle", async () => {
    const { clock, store } = setup();
    let settled = false;
    let signal: AbortSignal | undefined;
    const isr = createIsr<string>({
      fetch: (_e, ctx) => {
        signal = ctx.signal;
        return new Promise<string>((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () =>
            setTimeout(() => {
              settled = true;
              reject(ctx.signal.reason);
            }, 5),
          );
        });
      },
      store,
      now: clock.now,
    });
    const pending = isr.get("k").catch((e: unknown) => e);
    await flush();
    await isr.close();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(IsrClosedError);
    expect(settled).toBe(true);
    expect(await pending).toBeInstanceOf(IsrClosedError);
  });

  it("afterwards serves cached values, starts no refresh, and rejects misses and revalidates", async () => {
    const { clock, store } = setup();
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, ttlMs: 10, store, now: clock.now });
    await isr.get("k");
    await isr.close();
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "fresh" });
    clock.advance(10);
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "stale" });
    await flush();
    expect(source.calls).toBe(1);
    await expect(isr.get("other")).rejects.toBeInstanceOf(IsrClosedError);
    await expect(isr.revalidate("k")).rejects.toBeInstanceOf(IsrClosedError);
    await isr.close(); // idempotent
  });
});

describe("store failures", () => {
  it("fail open to the origin, logged once, and recover", async () => {
    const { clock, logger } = setup();
    const inner = createMemoryStore();
    let broken = true;
    const store = {
      get: (key: string) => {
        if (broken) throw new Error("store down");
        return inner.get(key);
      },
      set: async (key: string, entry: Parameters<typeof inner.set>[1], ttl: number) => {
        if (broken) throw new Error("store down");
        inner.set(key, entry, ttl);
      },
      delete: (key: string) => inner.delete(key),
    };
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, store, logger, now: clock.now });
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: 2, state: "miss" });
    expect(logger.at("error")).toHaveLength(1);
    expect(logger.at("error")[0]?.message).toContain("store failed");
    broken = false;
    expect(await isr.get("k")).toMatchObject({ value: 3, state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: 3, state: "fresh" });
    expect(logger.at("warn").map((l) => l.message)).toEqual(["[isr-plug] store recovered"]);
  });

  it("an async store works the same way", async () => {
    const { clock } = setup();
    const inner = createMemoryStore();
    const store = {
      get: async (key: string) => inner.get(key),
      set: async (key: string, entry: Parameters<typeof inner.set>[1], ttl: number) =>
        inner.set(key, entry, ttl),
      delete: async (key: string) => inner.delete(key),
    };
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, ttlMs: 10, store, now: clock.now });
    const cold = await Promise.all(Array.from({ length: 50 }, () => isr.get("k")));
    expect(source.calls).toBe(1);
    expect(cold.every((r) => r.value === 1)).toBe(true);
    expect(await isr.get("k")).toMatchObject({ state: "fresh" });
    clock.advance(10);
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "stale" });
    await flush();
    expect(await isr.get("k")).toMatchObject({ value: 2, state: "fresh" });
  });
});

describe("logging", () => {
  it("reports hits, stale serves, misses and refreshes at debug, prefixed [isr-plug]", async () => {
    const { clock, store, logger } = setup();
    const isr = createIsr({ fetch: () => 1, ttlMs: 10, store, logger, now: clock.now });
    await isr.get("k");
    await isr.get("k");
    clock.advance(10);
    await isr.get("k");
    await flush();
    await isr.invalidate("k");
    expect(logger.at("debug").map((l) => l.message)).toEqual([
      "[isr-plug] miss, fetching",
      "[isr-plug] fresh hit",
      "[isr-plug] stale hit",
      "[isr-plug] refreshed in background",
      "[isr-plug] invalidated",
    ]);
    expect(logger.at("warn")).toEqual([]);
  });

  it("skips debug work when a pino-style logger says debug is off", async () => {
    const { clock, store } = setup();
    const debug = vi.fn();
    const logger = {
      debug,
      info: vi.fn(),
      warn: vi.fn(),
      error: vi.fn(),
      level: "info",
      isLevelEnabled(this: { level: string }, level: string) {
        return level !== "debug" || this.level === "debug";
      },
    };
    const isr = createIsr({ fetch: () => 1, store, logger, now: clock.now });
    await isr.get("k");
    await isr.get("k");
    expect(debug).not.toHaveBeenCalled();
    logger.level = "debug";
    await isr.get("k");
    expect(debug).toHaveBeenCalledTimes(1);
  });

  it("by default writes warnings to the console with the [isr-plug] prefix and nothing at debug", async () => {
    const { clock, store } = setup();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const debug = vi.spyOn(console, "debug").mockImplementation(() => {});
    const source = countingFetch((n) => (n === 1 ? 1 : Promise.reject(new Error("down"))));
    const isr = createIsr({ fetch: source.fetch, ttlMs: 10, store, now: clock.now });
    await isr.get("k");
    await isr.get("k");
    clock.advance(10);
    await isr.get("k");
    await flush();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toBe("[isr-plug] background refresh failed; the stale value is kept");
    expect(log).not.toHaveBeenCalled();
    expect(debug).not.toHaveBeenCalled();
    warn.mockRestore();
    log.mockRestore();
    debug.mockRestore();
  });
});
