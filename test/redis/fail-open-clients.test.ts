import { Redis } from "ioredis";
import { afterEach, expect, it, vi } from "vitest";
import { createIsr, type StoreEntry } from "../../src/index.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { createRedisStore } from "../../src/stores/redis.js";
import { countingFetch, recordingLogger } from "../helpers.js";
import { CLIENT_KINDS, connectClient } from "./clients.js";
import { describeRedis, freePort, type RedisServer, startRedis } from "./redis-server.js";
import { clientStoreFactory, isSync, nothingSeen } from "./stores.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

/** ioredis's queue of commands waiting for a connection (private; read to prove it stays empty). */
const offlineQueueLength = (client: unknown) =>
  (client as { offlineQueue: { length: number } }).offlineQueue.length;
const isIoredis = (kind: string) => kind.startsWith("ioredis");

const messages = (logger: ReturnType<typeof recordingLogger>, level: "warn" | "error", text: string) =>
  logger.at(level).filter((line) => line.message.includes(text));

/**
 * Fail-open, on every supported client: what the store does with Redis down, stalled, killed
 * or the client closed does not depend on the client. On ioredis, its offline queue stays
 * empty too (fail-open.test.ts checks it under more load).
 */
for (const kind of CLIENT_KINDS) {
  describeRedis(`redis store fails open (${kind})`, () => {
    const stores = clientStoreFactory(kind);
    const servers: RedisServer[] = [];
    const admins: Redis[] = [];
    const admin = (server: RedisServer) => {
      const client = new Redis(server.port, "127.0.0.1");
      admins.push(client);
      return client;
    };
    afterEach(async () => {
      await stores.closeAll();
      for (const client of admins.splice(0)) client.disconnect();
      await Promise.all(servers.splice(0).map((server) => server.stop()));
    });

    it("is created at once while Redis is down, serves from the origin and the local tier, and recovers by itself", async () => {
      const port = await freePort();
      const logger = recordingLogger();
      const prefix = stores.prefix();
      const { store, client } = await stores.open(port, { prefix, logger }, { retryMs: 50 }, false);
      expect(store.available).toBe(false);
      if (isIoredis(kind))
        await vi.waitFor(() => expect((client as { status: string }).status).toBe("reconnecting"));
      const source = countingFetch((n) => `v${n}`);
      const isr = createIsr({ namespace: "data", fetch: source.fetch, store, logger });
      for (let i = 0; i < 20; i++) expect((await isr.get("k")).value).toBe("v1");
      expect(source.calls).toBe(1);
      expect(isSync(store.get("absent"))).toBe(true);
      await store.set("other", entryOf(1), 1_000);
      await expect(isr.invalidate("k")).rejects.toMatchObject({ code: "ISR_REDIS_UNAVAILABLE" });
      if (isIoredis(kind)) expect(offlineQueueLength(client)).toBe(0);
      expect(messages(logger, "error", "redis unavailable")).toHaveLength(1);

      const server = await startRedis({ port });
      servers.push(server);
      await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
      await isr.get("fresh-key");
      const inspect = admin(server);
      await vi.waitFor(async () => expect(await inspect.keys(`${prefix}*`)).toHaveLength(1));
      expect(messages(logger, "warn", "redis is back")).toHaveLength(1);
      expect(messages(logger, "error", "redis unavailable")).toHaveLength(1);
      await isr.close();
    });

    it("answers within the command timeout when Redis stalls; a waiting miss stops waiting once the breaker opens", async () => {
      const server = await startRedis();
      servers.push(server);
      const logger = recordingLogger();
      const { store } = await stores.open(server, {
        prefix: stores.prefix(),
        logger,
        breakerCooldownMs: 100,
      });
      const inspect = admin(server);
      await inspect.set(new KeySpace(store.prefix).lease("k"), "another-process", "PX", 60_000);
      const waiting = store.coordinate("k", "miss", async () => entryOf("fetched here"), nothingSeen());
      // Long enough for three timed-out commands even on a loaded machine.
      await inspect.call("CLIENT", "PAUSE", "1500", "ALL");
      for (let i = 0; i < 3; i++) expect(await store.get(`k${i}`)).toBeUndefined();
      expect(messages(logger, "error", "redis unavailable")).toHaveLength(1);
      // Open breaker: no Redis command, no promise; the waiter was told at once.
      expect(isSync(store.get("k4"))).toBe(true);
      await store.set("k5", entryOf(5), 60_000);
      expect(store.available).toBe(false);
      expect((await waiting)?.value).toBe("fetched here");
      await vi.waitFor(
        async () => {
          await store.get("probe");
          expect(store.available).toBe(true);
        },
        { timeout: 5_000, interval: 50 },
      );
      expect(messages(logger, "warn", "redis is back")).toHaveLength(1);
    });

    it("a miss waiting for another process's lease is woken by the lost connection when Redis is killed", async () => {
      const server = await startRedis();
      servers.push(server);
      const { store } = await stores.open(server, { prefix: stores.prefix(), leaseMs: 60_000 });
      await admin(server).set(new KeySpace(store.prefix).lease("k"), "another-process", "PX", 60_000);
      let produced = 0;
      const waiting = store.coordinate(
        "k",
        "miss",
        async () => {
          produced += 1;
          return entryOf("fetched here");
        },
        nothingSeen(),
      );
      await server.kill();
      // Woken by the lost connection, not by the lease's end a minute from now.
      expect((await waiting)?.value).toBe("fetched here");
      expect(produced).toBe(1);
    });

    it("serves from the local tier when the user closed the client, and never closes it itself", async () => {
      const server = await startRedis();
      servers.push(server);
      const { client, close } = connectClient(kind, server.port);
      const store = createRedisStore({ client, logger: recordingLogger() });
      await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
      await store.close();
      // The store is closed; the user's client still answers.
      const reopened = createRedisStore({ client, prefix: "again:", logger: recordingLogger() });
      await vi.waitFor(() => expect(reopened.available).toBe(true), { timeout: 5_000 });
      await close();
      await vi.waitFor(() => expect(reopened.available).toBe(false));
      await reopened.set("k", entryOf(1), 1_000);
      expect((reopened.get("k") as StoreEntry).value).toBe(1);
      await reopened.close();
    });
  });
}
