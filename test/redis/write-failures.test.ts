import { expect, it, vi } from "vitest";
import { createIsr } from "../../src/index.js";
import type { WriteFailure } from "../../src/stores/redis.js";
import { fillMemory } from "./faults.js";
import { openProcess } from "./fleet-process.js";
import { describeRedis } from "./redis-server.js";
import { useRedisServer } from "./stores.js";

/**
 * Issue 11, item 7: a Redis that refuses writes (`maxmemory` with `noeviction`) still answers
 * reads, so nothing else notices it. Its refusals are reported: logged once per change of
 * state, emitted, counted, and the store is not `available` meanwhile.
 */
describeRedis("writes Redis refuses", () => {
  const redis = useRedisServer();
  const { stores } = redis;

  it("are reported once per change of state, emitted one by one, counted, and make the store unavailable until Redis takes writes again", async () => {
    const prefix = stores.prefix();
    const a = await openProcess(stores, redis.server.port, { prefix });
    const b = await openProcess(stores, redis.server.port, { prefix });
    const failures: WriteFailure[] = [];
    a.store.on("writeFailed", (failure) => failures.push(failure));
    const restore = await fillMemory(redis.server);
    try {
      // Neither the lease nor the value can be written: each process fetches and keeps its own.
      for (const path of ["/x", "/y", "/z"]) {
        expect((await a.isr.get(path, path)).state).toBe("miss");
        expect((await b.isr.get(path, path)).state).toBe("miss");
      }
      expect(a.fetches + b.fetches).toBe(6);
      expect(a.logged("error", "redis refuses writes")).toBe(1);
      expect(failures.length).toBeGreaterThanOrEqual(3);
      expect(String((failures[0] as WriteFailure).error)).toMatch(/OOM/);
      expect(a.store.stats().writes.failed).toBe(failures.length);
      expect(a.store.available).toBe(false);
      // Served from each process's own copy meanwhile.
      expect((await a.isr.get("/x", "/x")).state).toBe("fresh");
      // An invalidation still goes through (it frees memory, it does not take any).
      await b.isr.invalidate("/x");
      await vi.waitFor(async () => expect((await a.isr.get("/x", "/x")).state).toBe("miss"));
    } finally {
      await restore();
    }
    const path = "/after";
    expect((await a.isr.get(path, path)).state).toBe("miss");
    expect(a.logged("warn", "redis takes writes again")).toBe(1);
    expect(a.store.stats().writes.stored).toBeGreaterThan(0);
    await vi.waitFor(() => expect(a.store.available).toBe(true));
    // Shared again: the other process reads it instead of fetching.
    const before = b.fetches;
    expect((await b.isr.get(path, path)).state).toBe("fresh");
    expect(b.fetches).toBe(before);
    expect(a.logged("error", "redis refuses writes")).toBe(1);
  });

  it("a listener that throws is logged and breaks nothing", async () => {
    const prefix = stores.prefix();
    const a = await openProcess(stores, redis.server.port, { prefix });
    a.store.on("writeFailed", () => {
      throw new Error("listener bug");
    });
    const isr = createIsr({ fetch: () => 1, store: a.store, namespace: "other" });
    const restore = await fillMemory(redis.server);
    try {
      expect(await isr.get("k")).toMatchObject({ value: 1, state: "miss" });
      expect(a.logged("error", "writeFailed listener threw")).toBeGreaterThan(0);
    } finally {
      await restore();
      await isr.close();
    }
  });
});
