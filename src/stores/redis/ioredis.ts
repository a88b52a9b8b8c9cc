import type { LuaScript, PubSubConnection, PubSubEvents, RedisConnection, ScanTarget } from "./client.js";

/** The part of an ioredis `Redis` or `Cluster` (v5 or v6) the store uses. */
interface Ioredis {
  readonly status: string;
  readonly options?: { keyPrefix?: string };
  get(key: string): Promise<string | null>;
  call(command: string, ...args: string[]): Promise<unknown>;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  /** A `Redis` takes options to override; a `Cluster` takes startup nodes first (not used here). */
  duplicate(override?: { autoResubscribe?: boolean }): Ioredis;
  connect(): Promise<void>;
  subscribe(channel: string): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  /** Cluster only: the nodes of a role. */
  nodes?(role: "master"): Ioredis[];
}

const REQUIRED = [
  "get",
  "call",
  "defineCommand",
  "duplicate",
  "subscribe",
  "quit",
  "disconnect",
  "on",
  "removeListener",
];

/** The methods an ioredis client should have and `client` lacks. */
export function missingIoredisMethods(client: Record<string, unknown>): string[] {
  return REQUIRED.filter((name) => typeof client[name] !== "function");
}

function noop(): void {}

/** Wraps an ioredis `Redis` or `Cluster`; scripts run as commands it registers (EVALSHA, then EVAL). */
export function ioredisConnection(client: unknown): RedisConnection {
  return new IoredisConnection(client as Ioredis);
}

class IoredisConnection implements RedisConnection {
  readonly #client: Ioredis;

  constructor(client: Ioredis) {
    this.#client = client;
  }

  get status(): string {
    return this.#client.status;
  }

  get keyPrefix(): string {
    return this.#client.options?.keyPrefix ?? "";
  }

  start(): void {
    if (this.#client.status === "wait") this.#client.connect().catch(noop);
  }

  onReady(listener: () => void): () => void {
    this.#client.on("ready", listener);
    return () => this.#client.removeListener("ready", listener);
  }

  get(key: string): Promise<string | null> {
    return this.#client.get(key);
  }

  set(key: string, value: string, pxMs: number): Promise<unknown> {
    return this.#client.call("set", key, value, "PX", String(pxMs));
  }

  unlink(key: string): Promise<unknown> {
    return this.#client.call("unlink", key);
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.#client.call("publish", channel, message);
  }

  ping(): Promise<unknown> {
    return this.#client.call("PING");
  }

  define(scripts: readonly LuaScript[]): void {
    for (const { name, numberOfKeys, lua } of scripts)
      this.#client.defineCommand(name, { numberOfKeys, lua });
  }

  /** Runs a script as the command `define` registered: EVALSHA, or EVAL the first time on a connection. */
  script(script: LuaScript, args: string[]): Promise<unknown> {
    const client = this.#client;
    const call = (client as unknown as Record<string, (...args: string[]) => Promise<unknown>>)[
      script.name
    ] as (...args: string[]) => Promise<unknown>;
    return call.apply(client, args);
  }

  async scanTargets(): Promise<ScanTarget[]> {
    const client = this.#client;
    const nodes = typeof client.nodes === "function" ? client.nodes("master") : [client];
    return nodes.map((node) => ({
      scan: (cursor, pattern, count) =>
        node.call("scan", cursor, "MATCH", pattern, "COUNT", count) as Promise<[string, string[]]>,
    }));
  }

  release(): void {
    // Listens to nothing of its own (the link removes its "ready" listener).
  }

  openSubscriber(channel: string, events: PubSubEvents): PubSubConnection {
    // The store subscribes on every "ready" itself. ioredis's own re-subscription after a
    // reconnection leaves its promise unhandled: a connection lost again before the answer
    // would crash the process (an unhandled rejection). A Cluster re-subscribes on a
    // connection of its own, and handles it.
    const client = this.#client;
    const connection =
      typeof client.nodes === "function" ? client.duplicate() : client.duplicate({ autoResubscribe: false });
    const onMessage = (from: string, text: string) => {
      if (from === channel) events.message(text);
    };
    const listeners: [string, (...args: never[]) => void][] = [
      ["connect", events.connect],
      ["ready", events.ready],
      ["close", events.close],
      ["message", onMessage as (...args: never[]) => void],
    ];
    // ioredis prints unhandled "error" events; the connection state is what matters here.
    connection.on("error", noop);
    for (const [event, listener] of listeners) connection.on(event, listener);
    const detach = () => {
      for (const [event, listener] of listeners) connection.removeListener(event, listener);
    };
    if (connection.status === "wait") connection.connect().catch(noop);
    // Subscribing again to the channel is the heartbeat: answered on this very connection
    // (also on a Cluster), after every message published before it.
    const subscribe = () => connection.subscribe(channel).then(noop);
    return {
      get status() {
        return connection.status;
      },
      subscribe,
      heartbeat: subscribe,
      quit: () => {
        detach();
        return connection.quit().then(noop);
      },
      disconnect: () => {
        detach();
        connection.disconnect();
      },
    };
  }
}
