import { Redis, type RedisOptions } from "ioredis";
import { expect, vi } from "vitest";
import { createRedisStore, type RedisStore, type RedisStoreOptions } from "../../src/stores/redis.js";
import type { CoordinateContext } from "../../src/stores/store.js";
import type { RedisServer } from "./redis-server.js";

const noop = () => {};
const quiet = { debug: noop, info: noop, warn: noop, error: noop };

export interface OpenStore {
  store: RedisStore;
  client: Redis;
}

/**
 * Opens stores (each with its own client, like separate processes) and closes them all in
 * `closeAll`, so every test can leave its connections behind safely.
 */
export function storeFactory() {
  const opened: OpenStore[] = [];
  let counter = 0;
  return {
    /** A prefix no other test uses. */
    prefix: () => `t${process.pid}.${++counter}:`,
    async open(
      server: RedisServer | number,
      options: Omit<RedisStoreOptions, "client"> = {},
      clientOptions: RedisOptions = {},
      waitAvailable = true,
    ): Promise<OpenStore> {
      const port = typeof server === "number" ? server : server.port;
      const client = new Redis({ port, host: "127.0.0.1", ...clientOptions });
      client.on("error", () => {});
      // Quiet by default: the fail-open paths log on purpose.
      const store = createRedisStore({ client, logger: quiet, ...options });
      opened.push({ store, client });
      if (waitAvailable) await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
      return { store, client };
    },
    async closeAll(): Promise<void> {
      const all = opened.splice(0);
      await Promise.all(all.map(({ store }) => store.close()));
      for (const { client } of all) client.disconnect();
    },
  };
}

/** Whether a store answered synchronously (a fresh local hit) rather than with a promise. */
export function isSync(answer: unknown): boolean {
  return !(answer instanceof Promise);
}

/** The `coordinate` context of a request that saw no entry, from an engine that is not closing. */
export function nothingSeen(): CoordinateContext {
  return { signal: new AbortController().signal, seen: undefined };
}
