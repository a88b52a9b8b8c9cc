import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRedisStore } from "../../src/stores/redis.js";
import { storeConformance } from "../../src/testing.js";
import { CLIENT_KINDS, connectClient } from "./clients.js";
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

  for (const kind of CLIENT_KINDS) {
    storeConformance(
      `redis store on ${kind}`,
      async (clock) => {
        const { client, close } = connectClient(kind, server.port);
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
            await close();
          },
        };
      },
      { describe, it },
    );
  }
});
