import { Redis as Ioredis5, Cluster as Ioredis5Cluster } from "ioredis";
import { Redis as Ioredis6, Cluster as Ioredis6Cluster } from "ioredis6";
import { createClient as createNodeRedis6, createCluster as createNodeRedis6Cluster } from "redis";
import { createClient as createNodeRedis5, createCluster as createNodeRedis5Cluster } from "redis5";
import type { RedisClientLike } from "../../src/stores/redis.js";

/** The clients the Redis store supports; each parametrized suite runs once per kind. */
export const CLIENT_KINDS = ["ioredis 5", "ioredis 6", "node-redis 6", "node-redis 5"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** A client made for a test: what the store is given, and how the test closes it (the store never does). */
export interface TestClient {
  client: RedisClientLike;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Delay between reconnection attempts, in ms. */
  retryMs?: number;
  /** A Redis Cluster (of one node here): the client discovers the others. */
  cluster?: boolean;
}

const noop = () => {};

interface NodeRedisLike {
  readonly isOpen: boolean;
  on(event: "error", listener: () => void): unknown;
  connect(): Promise<unknown>;
  destroy(): void;
}

function ioredis(client: Ioredis5 | Ioredis5Cluster | Ioredis6 | Ioredis6Cluster): TestClient {
  (client as Ioredis5).on("error", noop);
  return { client, close: async () => client.disconnect() };
}

function nodeRedis(client: NodeRedisLike & RedisClientLike): TestClient {
  client.on("error", noop);
  // node-redis clients are connected by their owner, not by the store.
  client.connect().catch(noop);
  return {
    client,
    close: async () => {
      if (client.isOpen) client.destroy();
    },
  };
}

/** Connects a client of `kind` to 127.0.0.1:`port`; does not wait for the connection. */
export function connectClient(kind: ClientKind, port: number, options: ClientOptions = {}): TestClient {
  const { retryMs, cluster = false } = options;
  const host = "127.0.0.1";
  // Typed one by one: each proves the option's type accepts that client as it is.
  const retry = retryMs === undefined ? {} : { retryStrategy: () => retryMs };
  const clusterRetry = { clusterRetryStrategy: () => retryMs ?? 100 };
  const socket = { host, port, ...(retryMs === undefined ? {} : { reconnectStrategy: () => retryMs }) };
  switch (kind) {
    case "ioredis 5":
      return ioredis(
        cluster
          ? new Ioredis5Cluster([{ host, port }], clusterRetry)
          : new Ioredis5({ port, host, ...retry }),
      );
    case "ioredis 6":
      return ioredis(
        cluster
          ? new Ioredis6Cluster([{ host, port }], clusterRetry)
          : new Ioredis6({ port, host, ...retry }),
      );
    case "node-redis 6":
      return nodeRedis(
        cluster ? createNodeRedis6Cluster({ rootNodes: [{ socket }] }) : createNodeRedis6({ socket }),
      );
    case "node-redis 5":
      return nodeRedis(
        cluster ? createNodeRedis5Cluster({ rootNodes: [{ socket }] }) : createNodeRedis5({ socket }),
      );
  }
}
