import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRedisStore } from "../../src/stores/redis.js";
import { storeConformance } from "../../src/testing.js";
import { describeRedis, type RedisServer, sleep, startRedis } from "./redis-server.js";

describeRedis("redis store", () => {
  let server: RedisServer;
  let n = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  storeConformance(
    "redis store",
    async (clock) => {
      const client = new Redis(server.port, "127.0.0.1");
      const store = createRedisStore({ client, prefix: `suite${++n}:`, now: clock.now });
      await vi.waitFor(() => expect(store.available).toBe(true));
      return {
        store,
        // Redis and the local tier expire entries by real time.
        expire: sleep,
        timeScale: 3,
        clear: () => store.clear(),
        close: async () => {
          await store.close();
          await client.quit();
        },
      };
    },
    { describe, it },
  );
});
