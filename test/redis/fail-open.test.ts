import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createIsr, type StoreEntry } from "../../src/index.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { createRedisStore } from "../../src/stores/redis.js";
import { countingFetch, recordingLogger } from "../helpers.js";
import { describeRedis, freePort, type RedisServer, startRedis } from "./redis-server.js";
import { isSync, nothingSeen, storeFactory } from "./stores.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

const messages = (logger: ReturnType<typeof recordingLogger>, level: "warn" | "error", text: string) =>
  logger.at(level).filter((line) => line.message.includes(text));

/** ioredis's queue of commands waiting for a connection (private; read to prove it stays empty). */
const offlineQueueLength = (client: Redis) =>
  (client as unknown as { offlineQueue: { length: number } }).offlineQueue.length;

describeRedis("redis store fails open", () => {
  const stores = storeFactory();
  const servers: RedisServer[] = [];
  afterEach(async () => {
    await stores.closeAll();
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  it("is created at once while Redis is down, serves from the origin and the local tier, and recovers by itself", async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const prefix = stores.prefix();
    const { store, client } = await stores.open(port, { prefix, logger }, { retryStrategy: () => 50 }, false);
    expect(store.available).toBe(false);
    await vi.waitFor(() => expect(client.status).toBe("reconnecting"));

    const source = countingFetch((n) => `v${n}`);
    const isr = createIsr({ namespace: "data", fetch: source.fetch, store, logger });
    for (let i = 0; i < 20; i++) expect((await isr.get("k")).value).toBe("v1");
    expect(source.calls).toBe(1);
    expect(isSync(store.get("absent"))).toBe(true);
    await store.set("other", entryOf(1), 1_000);
    await expect(isr.invalidate("k")).rejects.toMatchObject({ code: "ISR_REDIS_UNAVAILABLE" });
    expect(offlineQueueLength(client)).toBe(0);
    expect(messages(logger, "error", "redis unavailable")).toHaveLength(1);

    servers.push(await startRedis({ port }));
    await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
    await isr.get("fresh-key");
    await vi.waitFor(async () => expect(await client.keys(`${prefix}*`)).toHaveLength(1));
    expect(messages(logger, "warn", "redis is back")).toHaveLength(1);
    expect(messages(logger, "error", "redis unavailable")).toHaveLength(1);
    await isr.close();
  });

  it("answers within the command timeout when Redis stalls, then the breaker skips Redis until it answers", async () => {
    const server = await startRedis();
    servers.push(server);
    const logger = recordingLogger();
    const { store } = await stores.open(server, { prefix: stores.prefix(), logger, breakerCooldownMs: 100 });
    const admin = new Redis(server.port, "127.0.0.1");
    // Long enough for three timed-out commands even on a loaded machine.
    await admin.call("CLIENT", "PAUSE", "1500", "ALL");
    for (let i = 0; i < 3; i++) expect(await store.get(`k${i}`)).toBeUndefined();
    expect(messages(logger, "error", "redis unavailable")).toHaveLength(1);
    // Open breaker: no Redis command, no promise.
    expect(isSync(store.get("k4"))).toBe(true);
    await store.set("k5", entryOf(5), 60_000);
    expect(store.available).toBe(false);
    await vi.waitFor(
      async () => {
        await store.get("probe");
        expect(store.available).toBe(true);
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(messages(logger, "warn", "redis is back")).toHaveLength(1);
    admin.disconnect();
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

describeRedis("redis store fails open (stalled Redis)", () => {
  const stores = storeFactory();
  let server: RedisServer | undefined;
  afterEach(async () => {
    await stores.closeAll();
    await server?.stop();
  });

  it("a miss waiting for another process's fetch stops waiting once the breaker opens", async () => {
    server = await startRedis();
    const { store, client } = await stores.open(server, {
      prefix: stores.prefix(),
      breakerCooldownMs: 60_000,
    });
    await client.set(new KeySpace(store.prefix).lease("k"), "another-process", "PX", 60_000);
    const waiting = store.coordinate("k", "miss", async () => entryOf("fetched here"), nothingSeen());
    const admin = new Redis(server.port, "127.0.0.1");
    await admin.call("CLIENT", "PAUSE", "1500", "ALL");
    // Other requests find Redis stalled and open the breaker; the waiter is told at once.
    for (let i = 0; i < 3; i++) await store.get(`other${i}`);
    expect(store.available).toBe(false);
    expect((await waiting)?.value).toBe("fetched here");
    admin.disconnect();
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
