/**
 * `isr-plug/redis`: a store shared by a fleet of processes through Redis (an ioredis `Redis`
 * or `Cluster`, or a node-redis client or cluster, passed in by you). See README "Running a fleet" and docs/fleet-protocol.md.
 */
export { IsrRedisTimeoutError, IsrRedisUnavailableError } from "../errors.js";
export type { RedisStore, RedisStoreStats } from "./redis/api.js";
export type { RedisClientLike } from "./redis/client.js";
export { jsonSerializer, type RedisSerializer } from "./redis/codec.js";
export { REDIS_STORE_DEFAULTS, type RedisStoreOptions } from "./redis/options.js";
export { createRedisStore } from "./redis/store.js";
export type { RedisWriteStats, WriteFailure } from "./redis/write-report.js";
