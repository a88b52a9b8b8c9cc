import { createHash } from "node:crypto";
import {
  isReplyError,
  type LuaScript,
  type PubSubConnection,
  type PubSubEvents,
  type RedisConnection,
  type ScanTarget,
} from "./client.js";

type Args = readonly string[];

/** The part of a node-redis client (`createClient`, v5 or v6) the store uses. */
interface NodeRedisClient {
  readonly isOpen: boolean;
  /** A v5 cluster has none. */
  readonly isReady?: boolean;
  /** v6: the client's `keyPrefix` option. */
  readonly _keyPrefix?: string | Buffer;
  sendCommand(args: Args, options?: object): Promise<unknown>;
  duplicate(): NodeRedisClient;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** The part of a node-redis cluster (`createCluster`) the store uses. */
interface NodeRedisCluster extends Omit<NodeRedisClient, "sendCommand" | "duplicate"> {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean,
    args: Args,
    options?: object,
  ): Promise<unknown>;
  duplicate(): NodeRedisCluster;
  readonly masters: readonly object[];
  nodeClient(node: object): Promise<NodeRedisClient>;
}

const REQUIRED = [
  "sendCommand",
  "duplicate",
  "connect",
  "subscribe",
  "unsubscribe",
  "close",
  "destroy",
  "on",
  "off",
];

/** The methods a node-redis client should have and `client` lacks. */
export function missingNodeRedisMethods(client: Record<string, unknown>): string[] {
  return REQUIRED.filter((name) => typeof client[name] !== "function");
}

function noop(): void {}

function isCluster(client: NodeRedisClient | NodeRedisCluster): client is NodeRedisCluster {
  return typeof (client as NodeRedisCluster).nodeClient === "function";
}

/**
 * Sends raw commands (`sendCommand`): routed by their first key on a cluster. Replies are
 * read as strings: a client given a `typeMapping` (Buffers) is not supported. Passing
 * `{ typeMapping: {} }` per command would undo one, at a cost measured at 2-3x slower bursts.
 */
function sender(client: NodeRedisClient | NodeRedisCluster) {
  if (isCluster(client)) return (key: string | undefined, args: Args) => client.sendCommand(key, false, args);
  return (_key: string | undefined, args: Args) => client.sendCommand(args);
}

/**
 * Where a node-redis client stands, in ioredis's words (the store's vocabulary), from its
 * `isOpen`/`isReady` and the events it emitted since it was wrapped.
 */
class Status {
  readonly #client: NodeRedisClient | NodeRedisCluster;
  #phase: string;
  #everReady: boolean;
  readonly #listeners: [string, () => void][];

  constructor(client: NodeRedisClient | NodeRedisCluster) {
    this.#client = client;
    this.#everReady = client.isReady === true;
    // Not open: not connected yet (yours to connect), or closed.
    this.#phase = this.#everReady ? "ready" : client.isOpen ? "connecting" : "wait";
    this.#listeners = isCluster(client)
      ? [
          // A cluster says "connect" once it knows its slots: commands go through from then on.
          ["connect", () => this.#set("ready")],
          ["disconnect", () => this.#set("end")],
        ]
      : [
          ["connect", () => this.#set("connect")],
          ["ready", () => this.#set("ready")],
          ["reconnecting", () => this.#set("reconnecting")],
          ["end", () => this.#set("end")],
        ];
    for (const [event, listener] of this.#listeners) client.on(event, listener);
  }

  #set(phase: string): void {
    this.#phase = phase;
    if (phase === "ready") this.#everReady = true;
  }

  get value(): string {
    const client = this.#client;
    // A v5 cluster tells no readiness: open, and connected since its last "connect".
    if (client.isReady ?? (client.isOpen && this.#phase === "ready")) return "ready";
    if (!client.isOpen) return this.#phase === "wait" ? "wait" : "end";
    // Open, not ready: a handshake under way, or a connection lost (node-redis reconnects).
    if (this.#phase === "connect" || this.#phase === "reconnecting") return this.#phase;
    return this.#everReady ? "reconnecting" : "connecting";
  }

  detach(): void {
    for (const [event, listener] of this.#listeners) this.#client.off(event, listener);
  }
}

/** Wraps a node-redis client or cluster; scripts run by EVALSHA, falling back to EVAL. */
export function nodeRedisConnection(client: unknown): RedisConnection {
  return new NodeRedisConnection(client as NodeRedisClient | NodeRedisCluster);
}

class NodeRedisConnection implements RedisConnection {
  readonly #client: NodeRedisClient | NodeRedisCluster;
  readonly #status: Status;
  readonly #send: (key: string | undefined, args: Args) => Promise<unknown>;
  readonly #prefix: string;
  readonly #shas = new Map<string, string>();
  /** Scripts sent with EVAL once already: EVALSHA from then on (as ioredis does). */
  readonly #loaded = new Set<string>();

  constructor(client: NodeRedisClient | NodeRedisCluster) {
    this.#client = client;
    this.#status = new Status(client);
    this.#send = sender(client);
    this.#prefix = client._keyPrefix === undefined ? "" : String(client._keyPrefix);
  }

  get status(): string {
    return this.#status.value;
  }

  get keyPrefix(): string {
    return this.#prefix;
  }

  start(): void {
    // Connecting is the user's: node-redis refuses a second connect().
  }

  onReady(listener: () => void): () => void {
    // A cluster says "connect" once its slots are known: commands go through from then on.
    const event = isCluster(this.#client) ? "connect" : "ready";
    this.#client.on(event, listener);
    return () => this.#client.off(event, listener);
  }

  /** `sendCommand` does not add the client's key prefix: added here. */
  #key(key: string): string {
    return this.#prefix + key;
  }

  get(key: string): Promise<string | null> {
    const k = this.#key(key);
    return this.#send(k, ["GET", k]) as Promise<string | null>;
  }

  set(key: string, value: string, pxMs: number): Promise<unknown> {
    const k = this.#key(key);
    return this.#send(k, ["SET", k, value, "PX", String(pxMs)]);
  }

  unlink(key: string): Promise<unknown> {
    const k = this.#key(key);
    return this.#send(k, ["UNLINK", k]);
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.#send(channel, ["PUBLISH", channel, message]);
  }

  ping(): Promise<unknown> {
    return this.#send(undefined, ["PING"]);
  }

  define(): void {
    // Nothing to register: `script` sends EVAL, then EVALSHA.
  }

  async script(script: LuaScript, args: string[]): Promise<unknown> {
    const keys = args.slice(0, script.numberOfKeys).map((key) => this.#key(key));
    const rest = [String(script.numberOfKeys), ...keys, ...args.slice(script.numberOfKeys)];
    const evaluate = () => this.#send(keys[0], ["EVAL", script.lua, ...rest]);
    if (!this.#loaded.has(script.name)) {
      this.#loaded.add(script.name);
      return evaluate();
    }
    let sha = this.#shas.get(script.name);
    if (sha === undefined) {
      sha = createHash("sha1").update(script.lua).digest("hex");
      this.#shas.set(script.name, sha);
    }
    try {
      return await this.#send(keys[0], ["EVALSHA", sha, ...rest]);
    } catch (error) {
      // Not cached on that server (it restarted, or another node of a cluster): EVAL caches it.
      if (!(isReplyError(error) && (error as Error).message.startsWith("NOSCRIPT"))) throw error;
      return evaluate();
    }
  }

  async scanTargets(): Promise<ScanTarget[]> {
    const client = this.#client;
    const nodes = isCluster(client)
      ? await Promise.all(client.masters.map((m) => client.nodeClient(m)))
      : [client];
    return nodes.map((node) => ({
      scan: (cursor, pattern, count) =>
        node.sendCommand(["SCAN", cursor, "MATCH", pattern, "COUNT", count]) as Promise<[string, string[]]>,
    }));
  }

  release(): void {
    this.#status.detach();
  }

  openSubscriber(channel: string, events: PubSubEvents): PubSubConnection {
    const connection = this.#client.duplicate();
    const status = new Status(connection);
    const cluster = isCluster(connection);
    const listeners: [string, () => void][] = cluster
      ? [
          ["connect", events.ready],
          ["disconnect", events.close],
        ]
      : [
          ["connect", events.connect],
          ["ready", events.ready],
          ["reconnecting", events.close],
          ["end", events.close],
        ];
    let attached = true;
    // node-redis throws an "error" event nobody listens to; the connection state is what matters here.
    connection.on("error", noop);
    for (const [event, listener] of listeners) connection.on(event, listener);
    const detach = () => {
      attached = false;
      status.detach();
      for (const [event, listener] of listeners) connection.off(event, listener);
    };
    const onMessage = (text: string) => {
      if (attached) events.message(text);
    };
    connection.connect().catch(noop);
    // The heartbeat: leaving a channel this connection never joined. Redis answers on this
    // very connection, after every message published before it, and nothing changes; node-redis
    // sends no SUBSCRIBE for a channel it is subscribed to already, so that cannot be it.
    const beat = `${channel}~heartbeat`;
    return {
      get status() {
        return status.value;
      },
      // node-redis re-subscribes on its own before "ready": this only sends SUBSCRIBE the first time.
      subscribe: () => connection.subscribe(channel, onMessage),
      heartbeat: () => connection.unsubscribe(beat),
      quit: async () => {
        detach();
        if (connection.isOpen) await connection.close();
      },
      disconnect: () => {
        detach();
        // node-redis 5 throws when it is closed already (v6 does not).
        try {
          connection.destroy();
        } catch {}
      },
    };
  }
}
