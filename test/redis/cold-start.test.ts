import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createIsr } from "../../src/index.js";
import { createRedisStore, type RedisStore } from "../../src/stores/redis.js";
import { deferred, recordingLogger } from "../helpers.js";
import { describeRedis, freePort, type RedisServer, startRedis } from "./redis-server.js";

/**
 * Issue 11, item 8: a process that just started (a serverless cold start) uses the fleet's
 * entries and leases from its very first request: a get made while the store's first
 * connection is being made waits for it (bounded by the command timeout).
 */
describeRedis("a store right after it is created", () => {
  let server: RedisServer;
  const opened: { store: RedisStore; client: Redis }[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map(({ store }) => store.close()));
    for (const { client } of opened) client.disconnect();
    await server?.stop();
  });

  /** A new process: a new client (not connected yet) and a store on it, nothing awaited. */
  const start = (prefix: string, port = server.port) => {
    const client = new Redis({ port, host: "127.0.0.1", retryStrategy: () => 50 });
    client.on("error", () => {});
    // A generous command timeout: a connection on a loaded 2-core box may take more than 50 ms.
    const store = createRedisStore({ client, prefix, commandTimeoutMs: 2_000, logger: recordingLogger() });
    opened.push({ store, client });
    return store;
  };

  it("4 processes stampeding a cold key right after they start make 1 fetch, and share it", async () => {
    const gate = deferred<void>();
    let fetches = 0;
    const fetch = async () => {
      fetches += 1;
      await gate.promise;
      return "value";
    };
    const engines = Array.from({ length: 4 }, () =>
      createIsr({ namespace: "cold", store: start("cold:"), fetch }),
    );
    const answers = Promise.all(engines.flatMap((isr) => Array.from({ length: 10 }, () => isr.get("k"))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    gate.resolve();
    expect((await answers).every((answer) => answer.value === "value")).toBe(true);
    expect(fetches).toBe(1);
    await Promise.all(engines.map((isr) => isr.close()));
  });

  it("a process that just started reads what the fleet stored instead of fetching it", async () => {
    const first = createIsr({ namespace: "warm", store: start("warm:"), fetch: () => "stored before" });
    await first.get("k");
    let fetches = 0;
    const late = createIsr({
      namespace: "warm",
      store: start("warm:"),
      fetch: () => {
        fetches += 1;
        return "fetched again";
      },
    });
    expect(await late.get("k")).toMatchObject({ value: "stored before" });
    expect(fetches).toBe(0);
    await Promise.all([first.close(), late.close()]);
  });

  it("ready() resolves true once the store is connected and in sync, false after timeoutMs when Redis is away", async () => {
    const store = start("ready:");
    expect(store.available).toBe(false);
    expect(await store.ready()).toBe(true);
    expect(store.available).toBe(true);
    expect(await store.ready({ timeoutMs: 0 })).toBe(true);
    const nowhere = start("ready:", await freePort());
    expect(await nowhere.ready({ timeoutMs: 100 })).toBe(false);
    const closing = nowhere.ready();
    await nowhere.close();
    expect(await closing).toBe(false);
    expect(() => store.ready({ timeoutMs: -1 })).toThrow(/"timeoutMs" must be a number >= 0/);
  });
});
