import type { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import type { StoreEntry } from "../../src/index.js";
import { createRedisStore } from "../../src/stores/redis.js";
import { connectClient } from "./clients.js";
import { describeRedis, type RedisServer, startRedis } from "./redis-server.js";

const entryOf = (value: unknown, now = Date.now()): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});
const noop = () => {};
const quiet = { debug: noop, info: noop, warn: noop, error: noop };

/** What the node-redis adapter does that the shared suites do not show. */
describeRedis("redis store on node-redis", () => {
  let server: RedisServer;
  let admin: Redis;
  const closing: (() => unknown)[] = [];
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.port, "127.0.0.1");
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  const clientCount = async () =>
    String(await admin.call("CLIENT", "LIST"))
      .trim()
      .split("\n").length;

  for (const kind of ["node-redis 6", "node-redis 5"] as const) {
    it(`closes the pub/sub connection it opened and leaves your client open (${kind})`, async () => {
      const { client, close } = connectClient(kind, server.port);
      closing.push(close);
      const ready = () => (client as unknown as { isReady: boolean }).isReady;
      await vi.waitFor(() => expect(ready()).toBe(true));
      const before = await clientCount();
      const events = ["ready", "connect", "reconnecting", "end"];
      const listening = () =>
        events.map((event) => (client as unknown as EventEmitter).listenerCount(event)).join();
      const listenedBefore = listening();
      const store = createRedisStore({ client, prefix: "close:", logger: quiet });
      await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
      expect(await clientCount()).toBe(before + 1);
      await store.close();
      await store.close();
      await vi.waitFor(async () => expect(await clientCount()).toBe(before));
      expect(ready()).toBe(true);
      // Nothing of the store stays attached to your client.
      expect(listening()).toBe(listenedBefore);
    });
  }

  it("adds the client's keyPrefix (node-redis 6) to every key, and SCAN finds them under it", async () => {
    const client = createClient({ keyPrefix: "app:", socket: { host: "127.0.0.1", port: server.port } });
    client.on("error", noop);
    await client.connect();
    closing.push(() => client.destroy());
    const store = createRedisStore({ client, prefix: "kp:", logger: quiet });
    closing.push(() => store.close());
    await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
    await store.set("k", entryOf(1), 60_000);
    expect(await admin.keys("app:kp:*")).toHaveLength(1);
    expect((await store.scanEntries({ storeKeyPrefix: "", limit: 10 })).entries).toHaveLength(1);
    await store.clear();
    expect(await admin.keys("app:kp:*")).toEqual([]);
  });

  it("waits for a client you connect after creating the store (node-redis leaves connecting to you)", async () => {
    const client = createClient({ socket: { host: "127.0.0.1", port: server.port } });
    client.on("error", noop);
    closing.push(() => client.destroy());
    const store = createRedisStore({ client, prefix: "late:", logger: quiet, commandTimeoutMs: 2_000 });
    closing.push(() => store.close());
    const read = store.get("k");
    await client.connect();
    expect(await read).toBeUndefined();
    await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
  });
});
