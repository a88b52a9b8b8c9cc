import { describe, expect, it, vi } from "vitest";
import { createIsr, type StoreEntry } from "../../src/index.js";
import { encodeKey, namespacePrefix } from "../../src/key.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { SCRIPT_COMMANDS } from "../../src/stores/redis/scripts.js";
import { countingFetch, deferred, fakeClock } from "../helpers.js";
import { describeRedis, sleep } from "./redis-server.js";
import { nothingSeen, type OpenStore, useRedisServer } from "./stores.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

/** A produce function as the engine passes it: fetch (held until `release`), store, answer. */
function gatedProduce(owner: OpenStore, key: string, value: unknown, fail = false) {
  const started = deferred<void>();
  const gate = deferred<void>();
  let calls = 0;
  const produce = async (): Promise<StoreEntry> => {
    calls += 1;
    started.resolve();
    await gate.promise;
    if (fail) throw new Error("origin down");
    const entry = entryOf(value);
    await owner.store.set(key, entry, 120_000);
    return entry;
  };
  return {
    produce,
    started: started.promise,
    release: () => gate.resolve(),
    get calls() {
      return calls;
    },
  };
}

describeRedis("redis fetch leases (fleet single-flight)", () => {
  const redis = useRedisServer();
  const { stores } = redis;

  const pair = async (options = {}) => {
    const prefix = stores.prefix();
    return [
      await stores.open(redis.server, { prefix, ...options }),
      await stores.open(redis.server, { prefix, ...options }),
    ];
  };

  it("leaves a refresh to the lease holder: resolves undefined at once, fetches nothing", async () => {
    const [a, b] = (await pair()) as [OpenStore, OpenStore];
    const owner = gatedProduce(a, "k", "a");
    const owned = a.store.coordinate("k", "miss", owner.produce, nothingSeen());
    await owner.started;
    const other = gatedProduce(b, "k", "b");
    expect(await b.store.coordinate("k", "refresh", other.produce, nothingSeen())).toBeUndefined();
    expect(other.calls).toBe(0);
    owner.release();
    expect((await owned)?.value).toBe("a");
  });

  it("makes a miss wait for the holder's entry instead of fetching", async () => {
    const [a, b] = (await pair()) as [OpenStore, OpenStore];
    const owner = gatedProduce(a, "k", "a");
    const owned = a.store.coordinate("k", "miss", owner.produce, nothingSeen());
    await owner.started;
    const other = gatedProduce(b, "k", "b");
    const waiting = b.store.coordinate("k", "miss", other.produce, nothingSeen());
    await sleep(50);
    owner.release();
    expect((await waiting)?.value).toBe("a");
    expect((await owned)?.value).toBe("a");
    expect(other.calls).toBe(0);
  });

  it("lets a waiter fetch at once when the holder's fetch fails", async () => {
    const [a, b] = (await pair()) as [OpenStore, OpenStore];
    const owner = gatedProduce(a, "k", "a", true);
    const owned = a.store.coordinate("k", "miss", owner.produce, nothingSeen());
    await owner.started;
    const other = gatedProduce(b, "k", "b");
    other.release();
    const waiting = b.store.coordinate("k", "miss", other.produce, nothingSeen());
    await sleep(20);
    owner.release();
    await expect(owned).rejects.toThrow("origin down");
    expect((await waiting)?.value).toBe("b");
    expect(other.calls).toBe(1);
  });

  it("takes over when the holder died: its lease expires and a waiter fetches", async () => {
    const [b] = (await pair({ leaseMs: 300 })) as [OpenStore];
    const keys = new KeySpace(b.store.prefix);
    await b.client.set(keys.lease("k"), "a-dead-process", "PX", 300);
    const other = gatedProduce(b, "k", "b");
    other.release();
    expect((await b.store.coordinate("k", "miss", other.produce, nothingSeen()))?.value).toBe("b");
    expect(other.calls).toBe(1);
  });

  it("renews the holder's lease while a long fetch runs, so nobody takes over", async () => {
    // Held for over three lease lifetimes; a lease of 300 ms leaves room for a loaded CI box.
    const [a, b] = (await pair({ leaseMs: 300, commandTimeoutMs: 1_000 })) as [OpenStore, OpenStore];
    const owner = gatedProduce(a, "k", "a");
    const owned = a.store.coordinate("k", "miss", owner.produce, nothingSeen());
    await owner.started;
    const other = gatedProduce(b, "k", "b");
    other.release();
    const waiting = b.store.coordinate("k", "miss", other.produce, nothingSeen());
    await sleep(1_000);
    expect(await a.client.pttl(new KeySpace(a.store.prefix).lease("k"))).toBeGreaterThan(0);
    owner.release();
    expect((await waiting)?.value).toBe("a");
    expect(other.calls).toBe(0);
    await owned;
  });

  it("fences off the write of a fetch that an invalidation overtook", async () => {
    const [a, b] = (await pair()) as [OpenStore, OpenStore];
    const owner = gatedProduce(a, "k", "before invalidation");
    const owned = a.store.coordinate("k", "miss", owner.produce, nothingSeen());
    await owner.started;
    await b.store.delete("k");
    owner.release();
    expect((await owned)?.value).toBe("before invalidation");
    expect(await a.client.get(new KeySpace(a.store.prefix).entry("k"))).toBeNull();
    expect(await a.store.get("k")).toBeUndefined();
    expect(await b.store.get("k")).toBeUndefined();
  });

  describe("with the engine", () => {
    it("revalidate fetches even when a fresh entry exists, on any process", async () => {
      const [a, b] = (await pair()) as [OpenStore, OpenStore];
      const source = countingFetch((n) => n);
      const onA = createIsr({ namespace: "data", fetch: source.fetch, store: a.store });
      const onB = createIsr({ namespace: "data", fetch: source.fetch, store: b.store });
      await onA.get("k");
      expect(await onB.revalidate("k")).toBe(2);
      await vi.waitFor(async () => expect((await onA.get("k")).value).toBe(2));
      expect(await onA.revalidate("k")).toBe(3);
      expect(source.calls).toBe(3);
      await Promise.all([onA.close(), onB.close()]);
    });

    it("a miss takes the entry another process stored between its read and its lease", async () => {
      const clock = fakeClock(Date.now());
      const [a, b] = (await pair({ now: clock.now })) as [OpenStore, OpenStore];
      const client = b.client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const name = SCRIPT_COMMANDS.acquire.name;
      const acquire = client[name] as (...args: unknown[]) => Promise<unknown>;
      const storeKey = encodeKey(namespacePrefix("data"), "k");
      client[name] = async (...args: unknown[]) => {
        await a.store.set(storeKey, entryOf("from a", clock.now()), 120_000);
        return acquire.apply(b.client, args);
      };
      const source = countingFetch(() => "from b");
      const onB = createIsr({ namespace: "data", fetch: source.fetch, store: b.store, now: clock.now });
      expect(await onB.get("k")).toMatchObject({ value: "from a", state: "miss" });
      expect(source.calls).toBe(0);
      await onB.close();
    });

    it("a stale key is refreshed by one process while the others serve stale", async () => {
      const clock = fakeClock(Date.now());
      const [a, b] = (await pair({ now: clock.now })) as [OpenStore, OpenStore];
      const gate = deferred<void>();
      let fetches = 0;
      const fetch = async () => {
        fetches += 1;
        if (fetches > 1) await gate.promise;
        return fetches;
      };
      const onA = createIsr({ namespace: "data", fetch, ttlMs: 1_000, store: a.store, now: clock.now });
      const onB = createIsr({ namespace: "data", fetch, ttlMs: 1_000, store: b.store, now: clock.now });
      await onA.get("k");
      clock.advance(1_000);
      const served = await Promise.all([...Array(20)].flatMap(() => [onA.get("k"), onB.get("k")]));
      expect(served.every((result) => result.state === "stale" && result.value === 1)).toBe(true);
      await sleep(50);
      gate.resolve();
      await vi.waitFor(async () => expect(await onB.get("k")).toMatchObject({ value: 2, state: "fresh" }));
      expect(fetches).toBe(2);
      await Promise.all([onA.close(), onB.close()]);
    });
  });
});
