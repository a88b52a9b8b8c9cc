import { OptionCheck, optionNames } from "../../check.js";
import { coarseNow } from "../../clock.js";
import type { Logger } from "../../log.js";
import { DEFAULT_MEMORY_MAX } from "../memory.js";
import { checkClient, type RedisClientLike, type RedisConnection } from "./client.js";
import { jsonSerializer, type RedisSerializer } from "./codec.js";
import { checkPrefix } from "./keys.js";

/** Defaults of `createRedisStore`, one constant shared by code, docs and tests. */
export const REDIS_STORE_DEFAULTS = Object.freeze({
  /** Start of every key and of the pub/sub channel the store uses. */
  prefix: "isr-plug:",
  /** Entries kept in the local memory tier of each process. */
  localMax: DEFAULT_MEMORY_MAX,
  /** How long a fetch lease lasts without renewal; renewed every third of it while the fetch runs. */
  leaseMs: 5_000,
  /** Bound on every Redis command; a slower answer counts as a failure and the request goes on without it. */
  commandTimeoutMs: 50,
  /** Consecutive failures (timeouts, lost connection) that open the circuit breaker. */
  breakerThreshold: 3,
  /** How long an open breaker skips Redis before one command probes it again. */
  breakerCooldownMs: 1_000,
  /**
   * How often the pub/sub connection proves it is alive. An invalidation reaches every live
   * process, or that process stops trusting its local copies, within 4 heartbeats (2 s).
   */
  heartbeatMs: 500,
});

/** The heard-within bound, in heartbeats: see `heartbeatMs`. */
export const HEARD_WITHIN_HEARTBEATS = 4;

/** Options of `createRedisStore`. */
export interface RedisStoreOptions {
  /**
   * Your client: an ioredis (v5, v6) `Redis` or `Cluster`, or a node-redis (v5, v6) client
   * or cluster (connected by you). The store uses it for commands and never closes it; it
   * creates one extra connection (`client.duplicate()`) for pub/sub, which `store.close()` closes.
   */
  client: RedisClientLike;
  /**
   * Start of every key and of the channel, so several applications can share one Redis.
   * No `{` or `}` (they would break Redis Cluster hash tags).
   * @default "isr-plug:"
   */
  prefix?: string;
  /**
   * Entries kept in this process's local memory tier, least recently used evicted.
   * @default 10_000
   */
  localMax?: number;
  /** Optional bound on the local tier's size (see `createMemoryStore`'s `maxBytes`). @default none */
  localMaxBytes?: number;
  /**
   * Lifetime of the lease that makes one process of the fleet fetch a key, in ms. The owner
   * renews it every `leaseMs / 3` while its fetch runs; if the owner dies, another process
   * takes over at most `leaseMs` later.
   * @default 5_000
   */
  leaseMs?: number;
  /**
   * Bound on every Redis command, in ms. A slower answer counts as a failure: the request
   * is served from the local tier or the origin instead.
   * @default 50
   */
  commandTimeoutMs?: number;
  /** Consecutive failures that open the circuit breaker (Redis is then skipped). @default 3 */
  breakerThreshold?: number;
  /** How long an open breaker skips Redis before one command probes it, in ms. @default 1_000 */
  breakerCooldownMs?: number;
  /**
   * How often the store proves its pub/sub connection alive, in ms (it renews its
   * subscription and waits for the answer). An invalidation reaches every live process, or
   * that process stops trusting its local copies, within 4 × `heartbeatMs`; a connection
   * silent for 2 × `heartbeatMs` is replaced.
   * @default 500
   */
  heartbeatMs?: number;
  /**
   * Turns what is stored (an object holding the value and the entry's non-numeric fields)
   * into a string and back. @default JSON, parsed without `__proto__` keys
   */
  serializer?: RedisSerializer;
  /** pino-compatible logger. @default warnings and errors to the console, prefixed `[isr-plug]` */
  logger?: Logger;
  /**
   * The clock entries are stamped with, in ms: pass the engine's `now` if you gave it one.
   * @default Date.now, read at most once per millisecond (the engine's default clock)
   */
  now?: () => number;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedRedisOptions {
  client: RedisConnection;
  prefix: string;
  localMax: number;
  localMaxBytes: number | undefined;
  leaseMs: number;
  commandTimeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  heartbeatMs: number;
  serializer: RedisSerializer;
  logger: Logger | undefined;
  now: () => number;
}

const OPTION_NAMES = optionNames<RedisStoreOptions>({
  client: true,
  prefix: true,
  localMax: true,
  localMaxBytes: true,
  leaseMs: true,
  commandTimeoutMs: true,
  breakerThreshold: true,
  breakerCooldownMs: true,
  heartbeatMs: true,
  serializer: true,
  logger: true,
  now: true,
});

const check = new OptionCheck("isr-plug: redis store", "isr-plug: unknown redis store option");

/** Validates the options; a `TypeError` names the first bad one. */
export function resolveRedisOptions(options: RedisStoreOptions): ResolvedRedisOptions {
  check.object(options, OPTION_NAMES);
  const client = checkClient(options.client);
  const prefix = checkPrefix(options.prefix ?? REDIS_STORE_DEFAULTS.prefix);
  const localMax = check.integer("localMax", options.localMax, REDIS_STORE_DEFAULTS.localMax);
  const localMaxBytes =
    options.localMaxBytes === undefined
      ? undefined
      : check.integer("localMaxBytes", options.localMaxBytes, 0);
  const leaseMs = check.integer("leaseMs", options.leaseMs, REDIS_STORE_DEFAULTS.leaseMs);
  if (leaseMs < 30) check.fail("leaseMs", "at least 30 (it is renewed every third of it)", leaseMs);
  const commandTimeoutMs =
    check.positiveDuration("commandTimeoutMs", options.commandTimeoutMs) ??
    REDIS_STORE_DEFAULTS.commandTimeoutMs;
  const breakerThreshold = check.integer(
    "breakerThreshold",
    options.breakerThreshold,
    REDIS_STORE_DEFAULTS.breakerThreshold,
  );
  const breakerCooldownMs =
    check.positiveDuration("breakerCooldownMs", options.breakerCooldownMs) ??
    REDIS_STORE_DEFAULTS.breakerCooldownMs;
  const heartbeatMs =
    check.positiveDuration("heartbeatMs", options.heartbeatMs) ?? REDIS_STORE_DEFAULTS.heartbeatMs;
  if (heartbeatMs < 10) check.fail("heartbeatMs", "at least 10", heartbeatMs);
  const serializer = options.serializer ?? jsonSerializer;
  check.methods("serializer", serializer, ["serialize", "deserialize"]);
  const { logger, now } = options;
  check.logger(logger);
  check.function("now", now);
  return {
    client,
    prefix,
    localMax,
    localMaxBytes,
    leaseMs,
    commandTimeoutMs,
    breakerThreshold,
    breakerCooldownMs,
    heartbeatMs,
    serializer,
    logger,
    now: now ?? coarseNow,
  };
}
