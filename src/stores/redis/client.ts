/**
 * What `createRedisStore` needs of the user's client: an ioredis `Redis` or `Cluster`.
 * Checked by shape, not `instanceof`, so two installed copies of ioredis both work.
 */
export interface RedisClientLike {
  /** ioredis connection status ("ready" when commands go through). */
  readonly status: string;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  duplicate(): RedisClientLike;
}

/** The wider surface the store uses once `checkClient` has seen the methods. */
export interface RedisConnection {
  readonly status: string;
  readonly options?: { keyPrefix?: string };
  get(key: string): Promise<string | null>;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  /** A `Redis` takes options to override; a `Cluster` takes startup nodes first (not used here). */
  duplicate(override?: { autoResubscribe?: boolean }): RedisConnection;
  connect(): Promise<void>;
  subscribe(channel: string): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  /** Cluster only: the nodes of a role. */
  nodes?(role: "master"): RedisConnection[];
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

/** Checks the `client` option by shape; a `TypeError` says what is missing. */
export function checkClient(client: unknown): RedisConnection {
  if (client === null || typeof client !== "object") {
    throw new TypeError(
      `isr-plug: redis store "client" must be an ioredis Redis or Cluster client, got ${client === null ? "null" : typeof client}`,
    );
  }
  const record = client as Record<string, unknown>;
  const missing = REQUIRED.filter((name) => typeof record[name] !== "function");
  if (missing.length > 0 || typeof record.status !== "string") {
    const what = missing.length > 0 ? `no ${missing.join(", ")} method` : "no status";
    throw new TypeError(
      `isr-plug: redis store "client" must be an ioredis Redis or Cluster client (it has ${what})`,
    );
  }
  return client as RedisConnection;
}
