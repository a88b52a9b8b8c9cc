import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createIsr, type StoreEntry } from "../../src/index.js";
import { createRedisStore, type RedisStore } from "../../src/stores/redis.js";
import { countingFetch, deferred } from "../helpers.js";
import { CLIENT_KINDS, connectClient } from "./clients.js";
import { describeRedis, type RedisServer, startRedis } from "./redis-server.js";
import { nothingSeen } from "./stores.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

/**
 * A one-node Redis Cluster still refuses a command or script whose keys hash to different
 * slots (CROSSSLOT), so this checks the hash tags and the scripts as a real Cluster would.
 */
for (const kind of CLIENT_KINDS) {
  describeRedis(`redis store on a Redis Cluster (${kind})`, () => {
    let server: RedisServer;
    /** Looks into the one node (it holds every slot). */
    let admin: Redis;
    const opened: { store: RedisStore; close(): Promise<void> }[] = [];
    const open = async (prefix: string, heartbeatMs?: number) => {
      const { client, close } = connectClient(kind, server.port, { cluster: true });
      const noop = () => {};
      const store = createRedisStore({
        client,
        prefix,
        logger: { debug: noop, info: noop, warn: noop, error: noop },
        ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
      });
      opened.push({ store, close });
      await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
      return { store };
    };
    beforeAll(async () => {
      server = await startRedis({ cluster: true });
      admin = new Redis(server.port, "127.0.0.1");
    });
    afterEach(async () => {
      for (const { store, close } of opened.splice(0)) {
        await store.close();
        await close();
      }
    });
    afterAll(async () => {
      admin?.disconnect();
      await server?.stop();
    });

    it("stores, leases, announces and clears without CROSSSLOT errors", async () => {
      const a = await open("c1:");
      const b = await open("c1:");
      for (const key of ["plain", "a{b}c", "}{"]) {
        await a.store.set(key, entryOf(key), 60_000);
        expect((await b.store.get(key))?.value).toBe(key);
      }
      const gate = deferred<void>();
      const owner = a.store.coordinate(
        "k",
        "miss",
        async () => {
          await gate.promise;
          const entry = entryOf("owner");
          await a.store.set("k", entry, 60_000);
          return entry;
        },
        nothingSeen(),
      );
      await vi.waitFor(async () => expect(await admin.exists("c1:{k}:lease")).toBe(1));
      expect(
        await b.store.coordinate("k", "refresh", async () => entryOf("b"), nothingSeen()),
      ).toBeUndefined();
      const waiting = b.store.coordinate("k", "miss", async () => entryOf("b"), nothingSeen());
      gate.resolve();
      expect((await waiting)?.value).toBe("owner");
      await owner;
      await a.store.delete("plain");
      await vi.waitFor(async () => expect(await b.store.get("plain")).toBeUndefined());
      await a.store.clear();
      expect(await admin.keys("c1:*")).toEqual([]);
    });

    it("serves an engine shared by two processes: one fetch for a cold key", async () => {
      const a = await open("c2:");
      const b = await open("c2:");
      const source = countingFetch(async (n) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return n;
      });
      const onA = createIsr({ namespace: "data", fetch: source.fetch, store: a.store });
      const onB = createIsr({ namespace: "data", fetch: source.fetch, store: b.store });
      const results = await Promise.all([...Array(20)].flatMap(() => [onA.get("k"), onB.get("k")]));
      expect(results.every((result) => result.value === 1)).toBe(true);
      expect(source.calls).toBe(1);
      await Promise.all([onA.close(), onB.close()]);
    });

    it("stays in sync past the heard-within bound: heartbeats go through the Cluster's subscriber", async () => {
      const { store } = await open("c3:", 50);
      // Past the bound, only answered heartbeats keep (or bring back) the store in sync.
      await new Promise((resolve) => setTimeout(resolve, 3 * store.heardWithinMs));
      await vi.waitFor(() => expect(store.stats().inSync).toBe(true));
      await store.set("k", entryOf("v"), 60_000);
      expect((store.get("k") as StoreEntry).value).toBe("v");
    });
  });
}
