import { Redis, type RedisOptions } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, vi } from "vitest";
import {
  createRedisStore,
  type RedisClientLike,
  type RedisStore,
  type RedisStoreOptions,
} from "../../src/stores/redis.js";
import type { CoordinateContext } from "../../src/stores/store.js";
import { type ClientKind, type ClientOptions, connectClient } from "./clients.js";
import { type RedisServer, startRedis } from "./redis-server.js";

const noop = () => {};
const quiet = { debug: noop, info: noop, warn: noop, error: noop };

export interface OpenStore<C = Redis> {
  store: RedisStore;
  client: C;
}

type Connect<C, O> = (port: number, options: O) => { client: C & RedisClientLike; close(): Promise<void> };

/**
 * Opens stores (each with its own client, like separate processes) and closes them all in
 * `closeAll`, so every test can leave its connections behind safely.
 */
function factory<C, O>(connect: Connect<C, O>, defaults: O) {
  const opened: { open: OpenStore<C>; close(): Promise<void> }[] = [];
  let counter = 0;
  return {
    /** A prefix no other test uses. */
    prefix: () => `t${process.pid}.${++counter}:`,
    async open(
      server: RedisServer | number,
      options: Omit<RedisStoreOptions, "client"> = {},
      clientOptions: O = defaults,
      waitAvailable = true,
    ): Promise<OpenStore<C>> {
      const port = typeof server === "number" ? server : server.port;
      const { client, close } = connect(port, clientOptions);
      // Quiet by default: the fail-open paths log on purpose.
      const store = createRedisStore({ client, logger: quiet, ...options });
      opened.push({ open: { store, client }, close });
      if (waitAvailable) await vi.waitFor(() => expect(store.available).toBe(true), { timeout: 5_000 });
      return { store, client };
    },
    async closeAll(): Promise<void> {
      const all = opened.splice(0);
      await Promise.all(all.map(({ open }) => open.store.close()));
      await Promise.all(all.map(({ close }) => close()));
    },
  };
}

/** Stores on ioredis 5 clients, which tests also use to look into Redis. */
export function storeFactory() {
  return factory((port, clientOptions: RedisOptions) => {
    const client = new Redis({ port, host: "127.0.0.1", ...clientOptions });
    client.on("error", () => {});
    return { client, close: async () => client.disconnect() };
  }, {});
}

/** Stores on clients of `kind`: for the suites that run once per supported client. */
export function clientStoreFactory(kind: ClientKind) {
  return factory((port, options: ClientOptions) => connectClient(kind, port, options), {});
}

/** Whether a store answered synchronously (a fresh local hit) rather than with a promise. */
export function isSync(answer: unknown): boolean {
  return !(answer instanceof Promise);
}

/** The `coordinate` context of a request that saw no entry, from an engine that is not closing. */
export function nothingSeen(): CoordinateContext {
  return { signal: new AbortController().signal, seen: undefined };
}

/**
 * A throwaway redis-server for the suite it is called in, and a store factory whose stores are
 * closed after each test: the setup every Redis suite shares.
 */
export function useRedisServer(): {
  readonly server: RedisServer;
  readonly stores: ReturnType<typeof storeFactory>;
} {
  let server: RedisServer | undefined;
  const stores = storeFactory();
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(() => stores.closeAll());
  afterAll(() => server?.stop());
  return {
    get server(): RedisServer {
      if (server === undefined) throw new Error("the Redis server starts in beforeAll: use it inside a test");
      return server;
    },
    stores,
  };
}
