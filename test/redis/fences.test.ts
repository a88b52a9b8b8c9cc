import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createIsr, type StoreEntry } from "../../src/index.js";
import { encodeKey, namespacePrefix } from "../../src/key.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { deferred } from "../helpers.js";
import { FaultProxy } from "./fault-proxy.js";
import { restartEmpty } from "./faults.js";
import { describeRedis, type RedisServer, startRedis } from "./redis-server.js";
import { nothingSeen, type OpenStore, storeFactory } from "./stores.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

/** A produce as the engine passes it, held until `release`; it fails instead if `fail`. */
function heldProduce(owner: OpenStore, key: string, value: unknown, fail = false) {
  const started = deferred<void>();
  const gate = deferred<void>();
  return {
    produce: async (): Promise<StoreEntry> => {
      started.resolve();
      await gate.promise;
      if (fail) throw new Error("origin down");
      const entry = entryOf(value);
      await owner.store.set(key, entry, 120_000);
      return entry;
    },
    started: started.promise,
    release: () => gate.resolve(),
  };
}

/**
 * Issue 11, item 3: an invalidation wins over every fetch that started before it, with or
 * without a lease. Leased fetches are fenced by their lease (see leases.test.ts); these are
 * the others.
 */
describeRedis("writes fenced against invalidations", () => {
  let server: RedisServer;
  const stores = storeFactory();
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await stores.closeAll();
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });
  afterAll(() => server?.stop());

  it("a fetch that could not ask Redis as it started (a stall) never lands in Redis after an invalidation", async () => {
    const prefix = stores.prefix();
    const faults = await FaultProxy.start(server.port);
    proxies.push(faults);
    const a = await stores.open(server, { prefix, commandTimeoutMs: 1_000 });
    // B's command timeout stays 50 ms: the stall below must make its acquire time out.
    const b = await stores.open(faults.port, { prefix });
    const gate = deferred<void>();
    const started = deferred<void>();
    let fetches = 0;
    const make = (store: OpenStore["store"], held: boolean) =>
      createIsr<string>({
        namespace: "data",
        store,
        fetch: async () => {
          fetches += 1;
          if (held) {
            started.resolve();
            await gate.promise;
          }
          return `fetch ${fetches}`;
        },
      });
    const onA = make(a.store, false);
    const onB = make(b.store, true);
    // Redis does not answer B as its fetch starts: B fetches without a lease.
    faults.set("command", "stall", "open");
    const served = onB.get("k");
    await started.promise;
    faults.set("command", "pass");
    await onA.invalidate("k");
    gate.resolve();
    // B's waiting request gets the value it fetched; nobody else ever sees it.
    expect(await served).toMatchObject({ value: "fetch 1", state: "miss" });
    const entryKey = new KeySpace(prefix).entry(encodeKey(namespacePrefix("data"), "k"));
    expect(await a.client.get(entryKey)).toBeNull();
    expect(await onA.get("k")).toMatchObject({ value: "fetch 2", state: "miss" });
    // B does not keep it either (it heard the invalidation while fetching). Whether B then reads
    // A's value or fetches its own depends on its breaker, which the stall may have opened.
    expect((await onB.get("k")).value).not.toBe("fetch 1");
    await Promise.all([onA.close(), onB.close()]);
  });

  it("a waiter that fetches after the holder failed writes only if no invalidation moved the key's fence meanwhile", async () => {
    const prefix = stores.prefix();
    const keys = new KeySpace(prefix);
    const generous = { prefix, commandTimeoutMs: 1_000 };
    const a = await stores.open(server, generous);
    const b = await stores.open(server, generous);
    const c = await stores.open(server, generous);
    for (const invalidated of [true, false]) {
      const key = invalidated ? "k1" : "k2";
      const holder = heldProduce(a, key, "a", true);
      const held = a.store.coordinate(key, "miss", holder.produce, nothingSeen());
      await holder.started;
      const waiter = heldProduce(b, key, "b");
      const waiting = b.store.coordinate(key, "miss", waiter.produce, nothingSeen());
      // The waiter has read the key's fence.
      await vi.waitFor(async () => expect(await a.client.exists(keys.fence(key))).toBe(1));
      holder.release();
      await expect(held).rejects.toThrow("origin down");
      await waiter.started;
      if (invalidated) await c.store.delete(key);
      waiter.release();
      expect((await waiting)?.value).toBe("b");
      const stored = await a.client.get(keys.entry(key));
      if (invalidated) expect(stored).toBeNull();
      else expect(stored).toMatch(/\n\{"value":"b"\}$/);
    }
    expect(b.store.stats().writes).toMatchObject({ refused: 1, stored: 1 });
  });

  it("a fence lost with Redis's data (a restart) refuses the write it guarded", async () => {
    const own = await startRedis();
    try {
      const prefix = stores.prefix();
      const keys = new KeySpace(prefix);
      const a = await stores.open(own, { prefix, commandTimeoutMs: 1_000 });
      const b = await stores.open(own, { prefix, commandTimeoutMs: 1_000 });
      const holder = heldProduce(a, "k", "a", true);
      const held = a.store.coordinate("k", "miss", holder.produce, nothingSeen());
      await holder.started;
      const waiter = heldProduce(b, "k", "b");
      const waiting = b.store.coordinate("k", "miss", waiter.produce, nothingSeen());
      await vi.waitFor(async () => expect(await a.client.exists(keys.fence("k"))).toBe(1));
      holder.release();
      await expect(held).rejects.toThrow("origin down");
      await waiter.started;
      await restartEmpty(own);
      await vi.waitFor(() => expect(b.store.available).toBe(true), { timeout: 5_000 });
      waiter.release();
      expect((await waiting)?.value).toBe("b");
      expect(await b.client.get(keys.entry("k"))).toBeNull();
    } finally {
      await stores.closeAll();
      await own.stop();
    }
  });
});
