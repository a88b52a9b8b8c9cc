import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import type { StoreEntry } from "../../src/index.js";
import { CLIENT_KINDS } from "./clients.js";
import { FaultProxy } from "./fault-proxy.js";
import { describeRedis, type RedisServer, startRedis } from "./redis-server.js";
import { clientStoreFactory, isSync } from "./stores.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

/** Issue 11, item 9: an announcement of the entry a process already holds keeps its copy. */
for (const kind of CLIENT_KINDS) {
  describeRedis(`announcements of entries already held (${kind})`, () => {
    let server: RedisServer;
    const stores = clientStoreFactory(kind);
    let faults: FaultProxy | undefined;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterEach(async () => {
      await stores.closeAll();
      await faults?.close();
    });
    afterAll(() => server?.stop());

    it("a process that read an entry before its announcement arrived keeps its copy; a newer one still drops it", async () => {
      const prefix = stores.prefix();
      faults = await FaultProxy.start(server.port);
      const a = await stores.open(server, { prefix, commandTimeoutMs: 1_000 });
      // A long heartbeat: the pub/sub connection is held back below without being replaced.
      const b = await stores.open(faults.port, { prefix, heartbeatMs: 5_000, commandTimeoutMs: 1_000 });
      await a.store.set("marker", entryOf("m1"), 60_000);
      expect((await b.store.get("marker"))?.value).toBe("m1");
      expect(isSync(b.store.get("marker"))).toBe(true);
      // B's pub/sub connection is held back: B reads the new entry before hearing of it.
      faults.set("pubsub", "stall");
      await a.store.set("k", entryOf("v"), 60_000);
      await a.store.set("marker", entryOf("m2"), 60_000);
      expect((await b.store.get("k"))?.value).toBe("v");
      expect(isSync(b.store.get("k"))).toBe(true);
      faults.set("pubsub", "pass");
      // Announcements arrive in order: once the marker's is heard, so is the one of k.
      await vi.waitFor(() => expect(isSync(b.store.get("marker"))).toBe(false));
      const held = b.store.get("k");
      expect(isSync(held)).toBe(true);
      expect((held as StoreEntry).value).toBe("v");
      // A newer entry is announced: that one still replaces the copy.
      await a.store.set("k", entryOf("v2"), 60_000);
      await vi.waitFor(() => expect(isSync(b.store.get("k"))).toBe(false));
      expect((await b.store.get("k"))?.value).toBe("v2");
    });
  });
}
