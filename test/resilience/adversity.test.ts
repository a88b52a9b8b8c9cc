import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type CacheKey,
  createIsr,
  createMemoryStore,
  type Isr,
  IsrClosedError,
  IsrDeadlockError,
  IsrFetchError,
  IsrKeyRejectedError,
  IsrOverloadedError,
} from "../../src/index.js";
import { countingFetch, deferred, fakeClock, flush, recordingLogger } from "../helpers.js";

/**
 * The engine's promises, tried the way an attacker or an unlucky deployment would: bad keys,
 * several engines on one store, clocks that step back, bursts, fetches that ignore their
 * signal or never settle, and close() racing requests. Each case once served wrong data or hung.
 */

afterEach(() => {
  vi.useRealTimers();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe("keys", () => {
  const badKeys: [string, unknown][] = [
    ["undefined", undefined],
    ["null", null],
    ["an object", { id: 1 }],
    ["a function", () => "k"],
    ["NaN", Number.NaN],
    ["a number", 5],
    ["a boolean", true],
    ["a symbol", Symbol("k")],
    ["a String object", new String("k")],
    ["a nested array", ["a", ["b"]]],
    ["an array with NaN", ["a", Number.NaN]],
    ["an array with Infinity", [Number.POSITIVE_INFINITY]],
    ["an array with an object", [{}]],
    ["an array with undefined", [undefined]],
    ["an array with null", [null]],
  ];

  it.each(badKeys)(
    "%s is a TypeError in get, revalidate and invalidate, and touches nothing",
    async (_, bad) => {
      const store = createMemoryStore();
      const source = countingFetch(() => "v");
      // A fresh engine: no string key seen yet (the case that once encoded `undefined` as "").
      const isr = createIsr<string>({ fetch: source.fetch, store, namespace: "a" });
      const key = bad as CacheKey;
      await expect(isr.get(key)).rejects.toBeInstanceOf(TypeError);
      await expect(isr.revalidate(key)).rejects.toBeInstanceOf(TypeError);
      await expect(isr.invalidate(key)).rejects.toBeInstanceOf(TypeError);
      expect(source.calls).toBe(0);
      expect(store.size).toBe(0);
    },
  );

  it("a bad key after a string key is still refused: the last-key shortcut never answers for it", async () => {
    const isr = createIsr<string>({ fetch: () => "v", store: createMemoryStore(), namespace: "a" });
    await isr.get("k");
    await expect(isr.get(undefined as unknown as CacheKey)).rejects.toBeInstanceOf(TypeError);
  });

  it('"" and [] are keys, distinct from each other and from another namespace\'s', async () => {
    const store = createMemoryStore();
    const a = createIsr<string, string>({ fetch: (x) => `a:${x}`, store, namespace: "a" });
    const b = createIsr<string, string>({ fetch: (x) => `b:${x}`, store, namespace: "b" });
    expect((await a.get("", "empty string")).value).toBe("a:empty string");
    expect((await a.get([], "empty array")).value).toBe("a:empty array");
    expect((await b.get("", "empty string")).value).toBe("b:empty string");
    expect(await a.get("", "again")).toMatchObject({ value: "a:empty string", state: "fresh" });
    expect(await a.get([], "again")).toMatchObject({ value: "a:empty array", state: "fresh" });
  });
});

describe("engines on one store", () => {
  it("two engines that did not name a namespace never see each other's values (default store)", async () => {
    const settings = createIsr<string>({ fetch: () => "settings" });
    const flags = createIsr<string>({ fetch: () => "flags" });
    expect((await settings.get("k")).value).toBe("settings");
    expect(await flags.get("k")).toMatchObject({ value: "flags", state: "miss" });
    expect(settings.store).toBe(flags.store);
    expect(settings.namespace).not.toBe(flags.namespace);
  });

  it("engines that name the same namespace on one store share entries, on purpose", async () => {
    const store = createMemoryStore();
    const first = createIsr<string>({ fetch: () => "first", store, namespace: "settings" });
    const second = createIsr<string>({ fetch: () => "second", store, namespace: "settings" });
    await first.get("k");
    expect(await second.get("k")).toMatchObject({ value: "first", state: "fresh" });
  });

  it("a store shared by several processes needs an explicit namespace", () => {
    const memory = createMemoryStore();
    const shared = {
      get: (key: string) => memory.get(key),
      set: memory.set.bind(memory),
      delete: memory.delete.bind(memory),
      coordinate: async () => undefined,
    };
    expect(() => createIsr({ fetch: () => 1, store: shared })).toThrow(/"namespace" is required/);
    expect(() => createIsr({ fetch: () => 1, store: shared, namespace: "n" })).not.toThrow();
  });
});

describe("refusals under a flood", () => {
  it("hand every request an error of its own: one handler's changes never reach another request", async () => {
    const store = createMemoryStore();
    const isr = createIsr<string, string>({ fetch: (k) => k, maxKeys: 1, maxKeyLength: 40, store });
    await isr.get("admitted", "admitted");
    const first = await isr.get("x", "x").catch((e: unknown) => e);
    const second = await isr.get("y", "y").catch((e: unknown) => e);
    const long = await isr.get("z".repeat(100), "z").catch((e: unknown) => e);
    const longer = await isr.get("w".repeat(100), "w").catch((e: unknown) => e);
    for (const error of [first, second, long, longer]) expect(error).toBeInstanceOf(IsrKeyRejectedError);
    expect(first).not.toBe(second);
    expect(long).not.toBe(longer);
    (first as { status?: number }).status = 429;
    (long as { status?: number }).status = 414;
    expect((second as { status?: number }).status).toBeUndefined();
    expect((longer as { status?: number }).status).toBeUndefined();
  });

  it("and so do overload refusals", async () => {
    const gate = deferred<string>();
    const isr = createIsr<string, string>({
      fetch: () => gate.promise,
      maxConcurrentFetches: 1,
      maxQueuedFetches: 0,
      store: createMemoryStore(),
    });
    const running = isr.get("a", "a");
    const first = await isr.get("b", "b").catch((e: unknown) => e);
    const second = await isr.get("c", "c").catch((e: unknown) => e);
    expect(first).toBeInstanceOf(IsrOverloadedError);
    expect(second).toBeInstanceOf(IsrOverloadedError);
    expect(first).not.toBe(second);
    gate.resolve("v");
    await running;
  });
});

describe("tag invalidations and time", () => {
  it("a burst of 3,000 invalidations leaves entry times real: a 1 s value is stale 1.5 s later", async () => {
    const clock = fakeClock(1_000_000);
    const isr = createIsr<string>({
      fetch: () => "v",
      tags: () => ["t"],
      ttlMs: 1_000,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    for (let i = 0; i < 3_000; i++) await isr.invalidateTag(`burst-${i % 50}`);
    expect(await isr.get("k")).toMatchObject({ state: "miss" });
    clock.advance(1_500);
    expect(await isr.get("k")).toMatchObject({ value: "v", state: "stale", ageMs: 1_500 });
  });

  it("an invalidation made while the wall clock stepped back 5 s still invalidates (injected clock)", async () => {
    const clock = fakeClock(1_000_000);
    const source = countingFetch((n) => `v${n}`);
    const isr = createIsr<string>({
      fetch: source.fetch,
      tags: () => ["t"],
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await isr.get("k");
    clock.set(995_000);
    await isr.invalidateTag("t");
    expect(await isr.get("k")).toMatchObject({ value: "v2", state: "miss" });
    clock.set(990_000);
    await isr.invalidateTag("t", { mode: "soft" });
    expect(await isr.get("k")).toMatchObject({ value: "v2", state: "stale" });
  });

  it("and with the default clock, when the system time steps back (fake timers)", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000_000);
    const isr = createIsr<string>({ fetch: () => "v", tags: () => ["t"], store: createMemoryStore() });
    await isr.get("k");
    vi.setSystemTime(1_000_000_000 - 5_000);
    await isr.invalidateTag("t");
    expect((await isr.get("k")).state).toBe("miss");
  });

  it("a wall clock stepping back does not stretch an error backoff past maxMs (injected clock)", async () => {
    const clock = fakeClock(1_000_000);
    let fail = false;
    const source = countingFetch(() => (fail ? Promise.reject(new Error("down")) : "v"));
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10,
      errorBackoff: { minMs: 1_000, maxMs: 1_000 },
      store: createMemoryStore({ now: clock.now }),
      logger: quiet,
      now: clock.now,
    });
    await isr.get("k");
    fail = true;
    clock.advance(100_000);
    await isr.get("k"); // stale: refresh fails, backoff up to 1 s
    await flush();
    expect(source.calls).toBe(2);
    clock.set(clock.now() - 5_000); // NTP steps the clock back (the entry is still stale there)
    await isr.get("k"); // still inside the backoff: no fetch
    await flush();
    expect(source.calls).toBe(2);
    clock.advance(1_000); // one second of real time passes: the backoff (at most maxMs) is over
    await isr.get("k");
    await flush();
    expect(source.calls).toBe(3);
  });

  it("and with the default clock (fake timers: Date steps back, performance.now goes on)", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000_000);
    let fail = false;
    const source = countingFetch(() => (fail ? Promise.reject(new Error("down")) : "v"));
    const isr = createIsr<string>({
      fetch: source.fetch,
      ttlMs: 10_000,
      errorBackoff: { minMs: 1_000, maxMs: 1_000 },
      store: createMemoryStore(),
      logger: quiet,
    });
    await isr.get("k");
    fail = true;
    await vi.advanceTimersByTimeAsync(10_000);
    await isr.get("k");
    await vi.advanceTimersByTimeAsync(0);
    expect(source.calls).toBe(2);
    vi.setSystemTime(Date.now() - 5_000);
    await vi.advanceTimersByTimeAsync(5_001); // back where the stale window was, 5 s later
    await isr.get("k");
    await vi.advanceTimersByTimeAsync(0);
    expect(source.calls).toBe(3);
  });
});

describe("bounds hold on the origin", () => {
  it("maxConcurrentFetches holds while fetches that ignore their signal outlive timeoutMs", async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    const isr = createIsr<string, string>({
      fetch: (key) => {
        running += 1;
        most = Math.max(most, running);
        // A driver without abort support: ends on its own time, whatever the signal says.
        return new Promise((resolve) =>
          setTimeout(() => {
            running -= 1;
            resolve(key);
          }, 200),
        );
      },
      maxConcurrentFetches: 2,
      timeoutMs: 30,
      store: createMemoryStore(),
      logger: quiet,
    });
    const answers = Array.from({ length: 8 }, (_, i) => isr.get(`k${i}`, `k${i}`).catch((e: unknown) => e));
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(answers);
    expect(most).toBe(2);
    expect(running).toBe(0);
  });

  it("a key keeps its place under maxKeys while a slow first fetch of another key outlives a minute", async () => {
    const clock = fakeClock(1_000_000);
    const slow = deferred<string>();
    const calls: string[] = [];
    const isr = createIsr<string, string>({
      fetch: (key) => {
        calls.push(key);
        return key === "slow" ? slow.promise : `${key}@${calls.length}`;
      },
      maxKeys: 2,
      ttlMs: 1_000,
      staleTtlMs: 600_000,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await isr.get("hot", "hot");
    const pending = isr.get("slow", "slow");
    clock.advance(120_000);
    await expect(isr.get("new", "new")).rejects.toBeInstanceOf(IsrKeyRejectedError);
    slow.resolve("slow value");
    await pending;
    // hot is stale now: its refresh runs, and revalidate is allowed.
    expect((await isr.get("hot", "hot")).state).toBe("stale");
    await flush();
    expect(calls.filter((k) => k === "hot")).toHaveLength(2);
    expect(await isr.revalidate("hot", "hot")).toBe(`hot@${calls.length}`);
  });
});

describe("failures without a reason", () => {
  it.each([
    ["Promise.reject()", () => Promise.reject()],
    [
      "throw undefined",
      () => {
        throw undefined;
      },
    ],
    ["Promise.reject(null)", () => Promise.reject(null)],
  ])(
    "%s is an IsrFetchError, counted by the backoff and reported with the stale-if-error value",
    async (_, failing) => {
      const clock = fakeClock(1_000_000);
      let fail = false;
      const source = countingFetch(() => (fail ? failing() : "good"));
      const isr = createIsr<string>({
        fetch: source.fetch as () => Promise<string>,
        ttlMs: 10,
        staleTtlMs: 10,
        staleIfErrorMs: 1_000,
        errorBackoff: { minMs: 500, maxMs: 500 },
        store: createMemoryStore({ now: clock.now }),
        logger: quiet,
        now: clock.now,
      });
      await isr.get("k");
      fail = true;
      clock.advance(30);
      const served = await isr.get("k");
      expect(served).toMatchObject({ value: "good", state: "stale" });
      expect(served.error).toBeInstanceOf(IsrFetchError);
      const again = await isr.get("k");
      expect(again.error).toBeInstanceOf(IsrFetchError);
      expect(source.calls).toBe(2); // the second request waited out the backoff with the old value
    },
  );

  it("a miss that fails without a reason rejects with an IsrFetchError", async () => {
    const isr = createIsr<string>({ fetch: () => Promise.reject(), store: createMemoryStore() });
    await expect(isr.get("k")).rejects.toBeInstanceOf(IsrFetchError);
  });
});

describe("close()", () => {
  it("resolves within closeTimeoutMs when a fetch ignores its signal, logging the keys it abandoned", async () => {
    const logger = recordingLogger();
    const isr = createIsr<string>({
      fetch: () => new Promise<string>(() => {}),
      closeTimeoutMs: 50,
      store: createMemoryStore(),
      logger,
    });
    const pending = isr.get("hung").catch((e: unknown) => e);
    await flush();
    await isr.close();
    const warning = logger.at("warn").find((line) => line.message.includes("abandoned"));
    expect(warning?.fields).toMatchObject({ keys: ["hung"], count: 1 });
    void pending;
  });

  it("a get made in the same tick before close() never calls fetch", async () => {
    const source = countingFetch(() => "v");
    const isr = createIsr<string>({ fetch: source.fetch, store: createMemoryStore() });
    const pending = isr.get("k");
    await isr.close();
    await expect(pending).rejects.toBeInstanceOf(IsrClosedError);
    expect(source.calls).toBe(0);
  });

  it("a value that arrives after close() began is served to its waiters but never stored", async () => {
    const store = createMemoryStore();
    const gate = deferred<string>();
    const isr = createIsr<string>({ fetch: () => gate.promise, closeTimeoutMs: 1_000, store });
    const pending = isr.get("k");
    await flush();
    const closing = isr.close();
    gate.resolve("late");
    expect((await pending).value).toBe("late");
    await closing;
    expect(store.size).toBe(0);
  });

  it("is idempotent: every call resolves once the first is done", async () => {
    const isr = createIsr<string>({ fetch: () => "v", store: createMemoryStore() });
    const first = isr.close();
    expect(isr.close()).toBe(first);
    await first;
  });
});

describe("deadlines keep a script alive until they settle what they bound", () => {
  it("a script awaiting a hung fetch with timeoutMs gets the timeout, not an unsettled exit", () => {
    const root = new URL("../..", import.meta.url).pathname;
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { createIsr } from "isr-plug";
         const isr = createIsr({ fetch: () => new Promise(() => {}), timeoutMs: 50, logger: { debug() {}, info() {}, warn() {}, error() {} } });
         try { await isr.get("k"); } catch (error) { console.log(error.code); }`,
      ],
      { cwd: root, encoding: "utf8" },
    );
    expect(out.trim()).toBe("ISR_TIMEOUT");
  });
});

describe("a fetch that gets its own key", () => {
  it("rejects with IsrDeadlockError instead of waiting forever", async () => {
    const isr: Isr<string> = createIsr<string>({
      fetch: async (): Promise<string> => `wrapped ${(await isr.get("k")).value}`,
      store: createMemoryStore(),
    });
    await expect(isr.get("k")).rejects.toBeInstanceOf(IsrDeadlockError);
  });

  it("and so does revalidate from inside the fetch", async () => {
    const isr: Isr<string> = createIsr<string>({
      fetch: async (): Promise<string> => isr.revalidate("k"),
      store: createMemoryStore(),
    });
    await expect(isr.get("k")).rejects.toBeInstanceOf(IsrDeadlockError);
  });
});
