import { ioredisConnection, missingIoredisMethods } from "./ioredis.js";
import { missingNodeRedisMethods, nodeRedisConnection } from "./node-redis.js";

/** An ioredis `Redis` or `Cluster` (v5 or v6), as far as `createRedisStore` looks at it. */
export interface IoredisClientLike {
  /** ioredis connection status ("ready" when commands go through). */
  readonly status: string;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  duplicate(): unknown;
}

/** A node-redis client (`createClient`) or cluster (`createCluster`), v5 or v6. */
export interface NodeRedisClientLike {
  readonly isOpen: boolean;
  // Method syntax: a client's and a cluster's signatures differ, both are accepted.
  sendCommand(...args: never[]): Promise<unknown>;
  duplicate(...args: never[]): unknown;
}

/**
 * What `createRedisStore` accepts as `client`: whichever client you have. Checked by shape,
 * not `instanceof`, so two installed copies of a client both work.
 */
export type RedisClientLike = IoredisClientLike | NodeRedisClientLike;

/** A Lua script of the store (see scripts.ts), run by EVALSHA, falling back to EVAL. */
export interface LuaScript {
  /** Versioned command name (an ioredis client registers the script under it). */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

/** One server a key scan visits: the client's, or each master of a Cluster. */
export interface ScanTarget {
  /** `SCAN cursor MATCH pattern COUNT count`: the next cursor and the raw keys found. */
  scan(cursor: string, pattern: string, count: string): Promise<[string, string[]]>;
}

/** What the store hears from its pub/sub connection. */
export interface PubSubEvents {
  /** A (re)connection's handshake starts. */
  connect(): void;
  /** Commands go through (on node-redis, after it re-subscribed on its own). */
  ready(): void;
  /** The connection was lost (it reconnects on its own). */
  close(): void;
  message(text: string): void;
}

/** The store's own pub/sub connection (a duplicate of the user's client, which the store closes). */
export interface PubSubConnection {
  /** In ioredis's words: "ready", or "wait", "connecting", "connect", "reconnecting", "end"... */
  readonly status: string;
  /** Subscribes to the channel; resolves once Redis confirmed it. */
  subscribe(): Promise<void>;
  /** A round trip on this connection: its answer comes after every message published before it. */
  heartbeat(): Promise<void>;
  /** Says goodbye to Redis; no event is delivered after this is called. */
  quit(): Promise<void>;
  /** Drops the socket at once; no event is delivered after this. */
  disconnect(): void;
}

/**
 * The one seam between the store and a Redis client library: everything the store sends
 * goes through here, so nothing else in the store knows which client it was given. Keys are
 * the store's; an adapter adds the client's own key prefix, if any, and routes by key on a
 * Cluster. The user's client is never closed through this.
 */
export interface RedisConnection {
  /** In ioredis's words: "ready" when commands go through; "wait", "connecting", "connect" before the first connection. */
  readonly status: string;
  /** The prefix the client adds to every key (its `keyPrefix` option), "" for none: SCAN sees it. */
  readonly keyPrefix: string;
  /** Connects a client that waits for a first command (ioredis `lazyConnect`); node-redis clients are yours to connect. */
  start(): void;
  /** Calls `listener` whenever the client (re)connects and commands go through; returns the unsubscribe. */
  onReady(listener: () => void): () => void;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, pxMs: number): Promise<unknown>;
  unlink(key: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  ping(): Promise<unknown>;
  /** Registers the store's scripts, once, before any runs (ioredis: as commands of the client). */
  define(scripts: readonly LuaScript[]): void;
  /** Runs a script; `args` are its keys (the first `numberOfKeys`) then its arguments. */
  script(script: LuaScript, args: string[]): Promise<unknown>;
  /** The servers a key scan visits. */
  scanTargets(): Promise<ScanTarget[]>;
  /** Stops listening to the client (the store closed); the client itself stays open. */
  release(): void;
  /** Opens the store's pub/sub connection on `channel` (already connecting). */
  openSubscriber(channel: string, events: PubSubEvents): PubSubConnection;
}

/** A Redis error reply: Redis answered, so it says nothing about Redis being reachable. */
export function isReplyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // ioredis names its replies; node-redis's are instances of ErrorReply (and its subclasses).
  if (error.name === "ReplyError") return true;
  for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === "ErrorReply") return true;
  }
  return false;
}

const EXPECTED =
  'isr-plug: redis store "client" must be an ioredis Redis or Cluster client, or a node-redis client (createClient or createCluster)';

/** Checks the `client` option by shape and wraps it; a `TypeError` says what is missing. */
export function checkClient(client: unknown): RedisConnection {
  if (client === null || typeof client !== "object") {
    throw new TypeError(`${EXPECTED}, got ${client === null ? "null" : typeof client}`);
  }
  const record = client as Record<string, unknown>;
  if (typeof record.sendCommand === "function" && typeof record.isOpen === "boolean") {
    const missing = missingNodeRedisMethods(record);
    if (missing.length > 0) throw new TypeError(`${EXPECTED} (it has no ${missing.join(", ")} method)`);
    return nodeRedisConnection(client);
  }
  const missing = missingIoredisMethods(record);
  if (missing.length > 0 || typeof record.status !== "string") {
    const what = missing.length > 0 ? `no ${missing.join(", ")} method` : "no status";
    throw new TypeError(`${EXPECTED} (it has ${what})`);
  }
  return ioredisConnection(client);
}
