import { Cluster, Redis } from "ioredis";
import { Redis as Ioredis6, Cluster as Ioredis6Cluster } from "ioredis6";
import { createClient, createCluster } from "redis";
import { createClient as createClient5, createCluster as createCluster5 } from "redis5";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createIsr, type StoreEntry } from "../../src/index.js";
import { encodeKey, namespacePrefix } from "../../src/key.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { LocalTier } from "../../src/stores/redis/local-tier.js";
import {
  createRedisStore,
  jsonSerializer,
  REDIS_STORE_DEFAULTS,
  type RedisSerializer,
  type RedisStoreOptions,
} from "../../src/stores/redis.js";
import { fakeClock, recordingLogger } from "../helpers.js";
import { describeRedis } from "./redis-server.js";
import { isSync, useRedisServer } from "./stores.js";

const fresh = (value: unknown, now: number): StoreEntry => ({
  value,
  storedAt: now,
  staleAt: now + 60_000,
  expiresAt: now + 120_000,
});

describe("createRedisStore options", () => {
  const client = new Redis({ lazyConnect: true });
  afterAll(() => client.disconnect());

  it("takes ioredis 5 and 6 Redis or Cluster and node-redis 5 and 6 clients or clusters by type, and checks the client by shape", () => {
    const rootNodes = [{ socket: { port: 1 } }];
    const typed: RedisStoreOptions[] = [
      { client },
      { client: new Cluster([], { lazyConnect: true }) },
      { client: new Ioredis6({ lazyConnect: true }) },
      { client: new Ioredis6Cluster([], { lazyConnect: true }) },
      { client: createClient() },
      { client: createCluster({ rootNodes }) },
      { client: createClient5() },
      { client: createCluster5({ rootNodes }) },
    ];
    expect(typed).toHaveLength(8);
    for (const { client: made } of typed.slice(2, 4)) (made as Ioredis6).disconnect();
    // Either client is named, whatever is wrong.
    const both =
      /"client" must be an ioredis Redis or Cluster client, or a node-redis client \(createClient or createCluster\)/;
    expect(() => createRedisStore({} as RedisStoreOptions)).toThrow(both);
    expect(() => createRedisStore({ client: { status: "ready" } } as unknown as RedisStoreOptions)).toThrow(
      /it has no get, call/,
    );
    const halfNodeRedis = { isOpen: false, sendCommand: async () => null };
    expect(() => createRedisStore({ client: halfNodeRedis } as unknown as RedisStoreOptions)).toThrow(both);
    expect(() => createRedisStore({ client: halfNodeRedis } as unknown as RedisStoreOptions)).toThrow(
      /it has no duplicate, connect, subscribe/,
    );
  });

  it("refuses a bad prefix, unknown names and bad numbers, naming the option", () => {
    const make = (extra: object) => () => createRedisStore({ client, ...extra } as RedisStoreOptions);
    expect(make({ prefix: "a{b" })).toThrow(/"prefix" must be a non-empty string without "\{" or "\}"/);
    expect(make({ prefix: "" })).toThrow(/"prefix"/);
    expect(make({ ttlMs: 5 })).toThrow('unknown redis store option "ttlMs"');
    expect(make({ leaseMs: 10 })).toThrow(/"leaseMs" must be at least 30/);
    expect(make({ commandTimeoutMs: 0 })).toThrow(/"commandTimeoutMs" must be a finite number/);
    expect(make({ breakerThreshold: 1.5 })).toThrow(/"breakerThreshold" must be a positive integer/);
    expect(make({ localMax: 0 })).toThrow(/"localMax"/);
    expect(make({ serializer: { serialize: JSON.stringify } })).toThrow(/"serializer"/);
    expect(make({ logger: console.log })).toThrow(/"logger"/);
    expect(make({ now: 5 })).toThrow(/"now" must be a function/);
  });

  it("has its defaults in one constant, with a command timeout well under 100 ms", () => {
    expect(REDIS_STORE_DEFAULTS).toEqual({
      prefix: "isr-plug:",
      localMax: 10_000,
      leaseMs: 5_000,
      commandTimeoutMs: 50,
      breakerThreshold: 3,
      breakerCooldownMs: 1_000,
      heartbeatMs: 500,
    });
  });
});

describe("redis key space", () => {
  it("puts one key's entry and lease in one hash tag, whatever braces the key holds", () => {
    const keys = new KeySpace("app:");
    for (const key of ["plain", "a{b}c", "}{", "%7D", "{x}"]) {
      const entry = keys.entry(key);
      const lease = keys.lease(key);
      const tag = (name: string) =>
        name.slice(name.indexOf("{") + 1, name.indexOf("}", name.indexOf("{") + 1));
      expect(tag(entry)).toBe(tag(lease));
      expect(entry).toMatch(/^app:\{[^{}]+\}$/);
    }
    expect(keys.entry("a{b}")).not.toBe(keys.entry("a%7Bb%7D"));
    expect(keys.pattern("x*")).toBe("x\\*app:{*");
  });
});

describe("redis local tier", () => {
  it("does not keep an answer whose key changed while it was in flight", () => {
    const tier = new LocalTier(10, undefined);
    const before = tier.begin("k");
    const other = tier.begin("other");
    tier.drop("k");
    expect(tier.end("k", before)).toBe(false);
    expect(tier.end("other", other)).toBe(true);
    const afterward = tier.begin("k");
    tier.dropAll();
    expect(tier.end("k", afterward)).toBe(false);
  });
});

describeRedis("redis store", () => {
  const redis = useRedisServer();
  const { stores } = redis;

  describe("two tiers", () => {
    it("answers a fresh local hit synchronously, without a Redis round trip", async () => {
      const clock = fakeClock();
      const { store, client } = await stores.open(redis.server, { prefix: stores.prefix(), now: clock.now });
      await store.set("k", fresh("v", clock.now()), 120_000);
      const reads = vi.spyOn(client, "get");
      const answer = store.get("k");
      expect(isSync(answer)).toBe(true);
      expect((answer as StoreEntry).value).toBe("v");
      expect(reads).not.toHaveBeenCalled();
      clock.advance(60_000); // stale now: Redis is asked, as another process may have refreshed it
      expect(isSync(store.get("k"))).toBe(false);
      expect(reads).toHaveBeenCalledTimes(1);
    });

    it("reads Redis on a local miss, once for many concurrent gets, then keeps a local copy", async () => {
      const clock = fakeClock();
      const prefix = stores.prefix();
      const a = await stores.open(redis.server, { prefix, now: clock.now });
      const b = await stores.open(redis.server, { prefix, now: clock.now });
      await a.store.set("k", fresh("from a", clock.now()), 120_000);
      const reads = vi.spyOn(b.client, "get");
      const answers = await Promise.all(Array.from({ length: 50 }, () => b.store.get("k")));
      expect(answers.every((entry) => entry?.value === "from a")).toBe(true);
      expect(reads).toHaveBeenCalledTimes(1);
      expect(isSync(b.store.get("k"))).toBe(true);
    });

    it("drops other processes' local copies on invalidate and on every new value", async () => {
      const clock = fakeClock();
      const prefix = stores.prefix();
      const a = await stores.open(redis.server, { prefix, now: clock.now });
      const b = await stores.open(redis.server, { prefix, now: clock.now });
      await a.store.set("k", fresh(1, clock.now()), 120_000);
      await b.store.get("k");
      expect((b.store.get("k") as StoreEntry).value).toBe(1);
      await a.store.set("k", fresh(2, clock.now()), 120_000);
      await vi.waitFor(() => expect(isSync(b.store.get("k"))).toBe(false));
      expect((await b.store.get("k"))?.value).toBe(2);
      await a.store.delete("k");
      await vi.waitFor(async () => expect(await b.store.get("k")).toBeUndefined());
    });

    it("after losing its pub/sub connection, stops trusting local copies and drops them", async () => {
      const clock = fakeClock();
      const logger = recordingLogger();
      const prefix = stores.prefix();
      const b = await stores.open(redis.server, { prefix, now: clock.now, logger });
      await b.store.set("k", fresh("old", clock.now()), 120_000);
      // A change whose announcement this process never hears (written behind its back).
      const entry = `i1 other.1 Infinity storedAt=${clock.now()} staleAt=${clock.now() + 60_000} expiresAt=${clock.now() + 120_000}\n{"value":"new"}`;
      await b.client.set(new KeySpace(prefix).entry("k"), entry);
      expect((b.store.get("k") as StoreEntry).value).toBe("old");
      await b.client.call("CLIENT", "KILL", "TYPE", "pubsub");
      await vi.waitFor(async () => expect((await b.store.get("k"))?.value).toBe("new"));
      await vi.waitFor(() => expect(b.store.available).toBe(true));
      expect(logger.at("error")).toEqual([]);
    });

    it("keeps the local tier bounded by localMax", async () => {
      const clock = fakeClock();
      const { store, client } = await stores.open(redis.server, {
        prefix: stores.prefix(),
        now: clock.now,
        localMax: 5,
      });
      for (let i = 0; i < 20; i++) await store.set(`k${i}`, fresh(i, clock.now()), 120_000);
      const reads = vi.spyOn(client, "get");
      for (let i = 0; i < 20; i++) expect((await store.get(`k${i}`))?.value).toBe(i);
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(15);
    });
  });

  describe("writes", () => {
    it("a write without a lease never replaces a newer entry (ioredis may replay a command late)", async () => {
      const prefix = stores.prefix();
      const a = await stores.open(redis.server, { prefix });
      const b = await stores.open(redis.server, { prefix });
      await a.store.set("k", fresh("newer", 2_000), 120_000);
      await b.store.set("k", fresh("older", 1_000), 120_000);
      expect((await b.store.get("k"))?.value).toBe("newer");
      expect((await a.store.get("k"))?.value).toBe("newer");
    });
  });

  describe("serialization", () => {
    it("drops __proto__ and constructor.prototype keys of stored data", async () => {
      const { store, client } = await stores.open(redis.server, { prefix: stores.prefix() });
      const keys = new KeySpace(store.prefix);
      const body =
        '{"value":{"a":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}';
      await client.set(keys.entry("k"), `i1 n1 Infinity storedAt=0 staleAt=1 expiresAt=Infinity\n${body}`);
      const entry = await store.get("k");
      const value = entry?.value as Record<string, unknown>;
      expect(value).toEqual({ a: 1 });
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.hasOwn(value, "__proto__")).toBe(false);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it("treats malformed data as a logged miss, and the next fetch overwrites it", async () => {
      const logger = recordingLogger();
      const { store, client } = await stores.open(redis.server, { prefix: stores.prefix(), logger });
      const keys = new KeySpace(store.prefix);
      const isr = createIsr({ fetch: () => "fetched", store, namespace: "n", logger });
      const garbage = ["garbage", "i1 x 0 storedAt=1 staleAt=2 expiresAt=3\n{not json", "i1 x 0\n{}"];
      for (const [i, text] of garbage.entries()) {
        const redisKey = keys.entry(encodeKey(namespacePrefix("n"), `k${i}`));
        await client.set(redisKey, text);
        expect(await isr.get(`k${i}`)).toMatchObject({ value: "fetched", state: "miss" });
        expect(await client.get(redisKey)).toMatch(/^i1 \S+ \S+ .*\n\{"value":"fetched"\}$/);
      }
      expect(
        logger.at("warn").filter((line) => line.message.includes("malformed entry in redis")),
      ).toHaveLength(3);
      await isr.close();
    });

    it("serves a value it cannot serialize, logs a clear error, and shares nothing", async () => {
      const logger = recordingLogger();
      const prefix = stores.prefix();
      const { store, client } = await stores.open(redis.server, { prefix, logger });
      const isr = createIsr({ namespace: "data", fetch: () => ({ big: 10n }), store, logger });
      expect(await isr.get("k")).toMatchObject({ value: { big: 10n }, state: "miss" });
      const errors = logger.at("error");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toBe(
        "[isr-plug] value cannot be serialized; it is served and kept in this process only, not shared through redis",
      );
      expect(await client.keys(`${prefix}*`)).toEqual([]);
      expect(await isr.get("k")).toMatchObject({ state: "fresh" });
      await isr.close();
      expect(() => jsonSerializer.serialize({ value: () => 1 })).toThrow("a function has no JSON form");
      expect(() => jsonSerializer.serialize({ value: { self: null as unknown } })).not.toThrow();
    });

    it("uses a pluggable serializer", async () => {
      const base64: RedisSerializer = {
        serialize: (record) => Buffer.from(jsonSerializer.serialize(record)).toString("base64"),
        deserialize: (text) => jsonSerializer.deserialize(Buffer.from(text, "base64").toString()),
      };
      const prefix = stores.prefix();
      const a = await stores.open(redis.server, { prefix, serializer: base64 });
      const b = await stores.open(redis.server, { prefix, serializer: base64 });
      await a.store.set("k", fresh({ deep: ["x"] }, Date.now()), 60_000);
      const [raw] = await a.client.mget(new KeySpace(prefix).entry("k"));
      expect(raw?.split("\n")[1]).toBe(Buffer.from('{"value":{"deep":["x"]}}').toString("base64"));
      expect((await b.store.get("k"))?.value).toEqual({ deep: ["x"] });
    });
  });

  describe("keys and clear", () => {
    it("clears only its own prefix, with SCAN and UNLINK, and tells the fleet", async () => {
      const prefix = stores.prefix();
      const a = await stores.open(redis.server, { prefix });
      const b = await stores.open(redis.server, { prefix });
      const other = await stores.open(redis.server, { prefix: `${prefix}other:` });
      await a.client.set("unrelated", "1");
      for (let i = 0; i < 700; i++) await a.store.set(`k${i}`, fresh(i, Date.now()), 60_000);
      await other.store.set("k", fresh("kept", Date.now()), 60_000);
      await b.store.get("k1");
      const commands = vi.spyOn(a.client, "call");
      await a.store.clear();
      expect(commands.mock.calls.map(([name]) => name)).not.toContain("keys");
      expect(await a.client.keys(`${prefix}{*`)).toEqual([]);
      expect(await a.client.get("unrelated")).toBe("1");
      expect((await other.store.get("k"))?.value).toBe("kept");
      await vi.waitFor(async () => expect(await b.store.get("k1")).toBeUndefined());
      await a.client.del("unrelated");
    });

    it("works under an ioredis keyPrefix", async () => {
      const prefix = stores.prefix();
      const { store, client } = await stores.open(redis.server, { prefix }, { keyPrefix: "app:" });
      await store.set("k", fresh(1, Date.now()), 60_000);
      const raw = new Redis(redis.server.port, "127.0.0.1");
      expect(await raw.keys(`app:${prefix}*`)).toHaveLength(1);
      await store.clear();
      expect(await raw.keys(`app:${prefix}*`)).toEqual([]);
      raw.disconnect();
      expect(client.status).toBe("ready");
    });
  });

  describe("close", () => {
    it("closes the pub/sub connection it opened and leaves your client open", async () => {
      const { store, client } = await stores.open(redis.server, { prefix: stores.prefix() });
      const before = String(await client.call("CLIENT", "LIST"))
        .trim()
        .split("\n").length;
      await store.close();
      await store.close();
      const after = String(await client.call("CLIENT", "LIST"))
        .trim()
        .split("\n").length;
      expect(after).toBe(before - 1);
      expect(await client.ping()).toBe("PONG");
      await store.set("k", fresh(1, Date.now()), 1_000);
      expect((await store.get("k"))?.value).toBe(1);
      await expect(store.delete("k")).rejects.toMatchObject({ code: "ISR_REDIS_UNAVAILABLE" });
    });
  });
});
