import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { StoreEntry } from "../../src/index.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { createRedisStore } from "../../src/stores/redis.js";
import { recordingLogger } from "../helpers.js";
import { describeRedis, freePort, type RedisServer, startRedis } from "./redis-server.js";
import { nothingSeen, storeFactory } from "./stores.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

/** ioredis's queue of commands waiting for a connection (private; read to prove it stays empty). */
const offlineQueueLength = (client: Redis) =>
  (client as unknown as { offlineQueue: { length: number } }).offlineQueue.length;

/** What is ioredis's own; the rest of fail-open runs on every client (fail-open-clients.test.ts). */
describeRedis("redis store fails open on ioredis", () => {
  const stores = storeFactory();
  const servers: RedisServer[] = [];
  afterEach(async () => {
    await stores.closeAll();
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  it("sends nothing to ioredis's offline queue while disconnected; a waiting miss does not outlive the connection", async () => {
    const server = await startRedis();
    servers.push(server);
    const { store, client } = await stores.open(server, { prefix: stores.prefix(), leaseMs: 60_000 });
    // Another process holds the lease for a minute: the miss below waits for it.
    await client.set(new KeySpace(store.prefix).lease("k"), "another-process", "PX", 60_000);
    let produced = 0;
    const produce = async () => {
      produced += 1;
      return entryOf("fetched here");
    };
    const waiting = store.coordinate("k", "miss", produce, nothingSeen());
    await server.kill();
    // Woken by the lost connection, not by the lease's end a minute from now.
    expect((await waiting)?.value).toBe("fetched here");
    expect(produced).toBe(1);
    // Only a command already on its way when the socket closed can be there (ioredis replays it).
    const queued = offlineQueueLength(client);
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.get(`key${i}`)));
    await store.set("x", entryOf(1), 1_000);
    await store.coordinate("y", "miss", produce, nothingSeen());
    expect(offlineQueueLength(client)).toBe(queued);
  });
});

describe("redis store with a closed client", () => {
  it("serves from the local tier when the user closed the client", async () => {
    const client = new Redis({ port: await freePort(), lazyConnect: true });
    client.disconnect();
    const store = createRedisStore({ client, logger: recordingLogger() });
    await store.set("k", entryOf(1), 1_000);
    expect((store.get("k") as StoreEntry).value).toBe(1);
    await store.close();
  });
});
