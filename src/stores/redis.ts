/**
 * `isr-plug/redis`: a store shared by a fleet of processes through Redis (ioredis `Redis`
 * or `Cluster`, passed in by you). See docs/fleet.md.
 */
export type { RedisClientLike } from "./redis/client.js";
export { jsonSerializer, type RedisSerializer } from "./redis/codec.js";
export { REDIS_STORE_DEFAULTS, type RedisStoreOptions } from "./redis/options.js";
export { createRedisStore, type RedisStore } from "./redis/store.js";
