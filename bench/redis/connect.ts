import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { ROOT } from "../lib/child.js";
import { sleep } from "../lib/workload.js";

type RedisModule = typeof import("../../src/stores/redis.js");
export type RedisStore = ReturnType<RedisModule["createRedisStore"]>;

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** The Redis store lands while the bench is written: the scenario runs only once its source exists. */
export function redisStorePresent(): boolean {
  return existsSync(`${ROOT}src/stores/redis.ts`);
}

/** Why the Redis scenario cannot run here, or undefined when it can. */
export async function redisUnavailable(): Promise<string | undefined> {
  if (!redisStorePresent()) return "Redis store not present (src/stores/redis.ts)";
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `no Redis answering at ${REDIS_URL} (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    client.disconnect();
  }
}

export interface Connected {
  store: RedisStore;
  close(): Promise<void>;
}

/**
 * A Redis store on its own client, under `prefix`. Resolves once the store is available
 * (its pub/sub is listening): only then does a fresh local copy answer synchronously.
 */
export async function connectRedisStore(prefix: string, localMax: number): Promise<Connected> {
  // A computed specifier: nothing imports the store unless this scenario runs.
  const specifier = "../../src/stores/redis.js";
  const { createRedisStore } = (await import(specifier)) as RedisModule;
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const store = createRedisStore({ client, prefix, localMax });
  for (let waited = 0; !store.available; waited += 10) {
    if (waited > 5000) throw new Error(`the Redis store was not available after 5 s (${REDIS_URL})`);
    await sleep(10);
  }
  return {
    store,
    async close() {
      await store.close();
      await client.quit();
    },
  };
}

/** A prefix no other run shares, so runs never read each other's entries. */
export function runPrefix(): string {
  return `isr-bench:${process.pid}:${Date.now().toString(36)}:`;
}

/** Deletes every key a run left under `prefix` (entries expire anyway; this keeps Redis tidy). */
export async function dropPrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await client.quit();
  }
}
