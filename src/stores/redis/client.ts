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
  duplicate(): RedisConnection;
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

/**
 * The Lua scripts, so that each change is atomic with its announcement and leases are
 * checked and changed in one step. Lua strings are written with String.raw so `\n` reaches
 * Lua as an escape, not as a line break. A stored entry starts with a header line
 * `i1 <nonce> <keepUntil> name=number ...` (see codec.ts) that the scripts read.
 */
const LUA = {
  // KEYS: entry, lease. ARGV: token, leaseMs, now, field to compare ("" = take the lease
  // without looking at the entry), nonce of an entry not to accept.
  // Answers {1, entry} (a usable entry written by someone else), {2, nonce} (lease taken
  // by us) or {3, nonce, pttl} (another process holds the lease).
  acquire: String.raw`
local e = redis.call('GET', KEYS[1])
local n = ''
if e then
  n = string.match(e, '^i1 (%S+)') or ''
  if ARGV[4] ~= '' and n ~= ARGV[5] then
    local t = tonumber(string.match(e, '^[^\n]* ' .. ARGV[4] .. '=(%S+)') or '')
    if t and t > tonumber(ARGV[3]) then return {1, e} end
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, n} end
return {3, n, redis.call('PTTL', KEYS[2])}`,
  // KEYS: entry, lease. ARGV: frame, px ("" = no expiry), token ("" = written without a
  // lease), storedAt, channel, message. A leased write lands only while the lease is still
  // ours (an invalidation deletes it); a write without one never replaces a newer entry
  // (a command replayed by ioredis after a reconnect may arrive late).
  write: String.raw`
if ARGV[3] ~= '' then
  if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
else
  local e = redis.call('GET', KEYS[1])
  if e then
    local s = tonumber(string.match(e, '^[^\n]* storedAt=(%S+)') or '')
    if s and s > tonumber(ARGV[4]) then return 0 end
  end
end
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`,
  // KEYS: entry, lease. ARGV: channel, message. Dropping the lease too fences off a fetch
  // that started before the invalidation: its write will not land.
  drop: `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`,
  // KEYS: tag log, floors, sequence. ARGV: member (JSON [namespace, tag, mode]), most
  // records, channel, message head (the JSON announcement up to its sequence number).
  // Gives the invalidation the fleet's next sequence number, keeps each member's latest
  // number; beyond the bound the oldest are folded into their namespace's floor for that
  // mode, so a trim never forgets an invalidation. A missing sequence (a Redis that lost its
  // data) starts again from the server's TIME in microseconds, above any number it gave before.
  tag: `
if redis.call('EXISTS', KEYS[3]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[3], string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])))
end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if extra > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], extra)
  for i = 1, #popped, 2 do
    local member = cjson.decode(popped[i])
    local field = cjson.encode({member[1], member[3]})
    local current = redis.call('HGET', KEYS[2], field)
    if (not current) or tonumber(current) < tonumber(popped[i + 1]) then
      redis.call('HSET', KEYS[2], field, popped[i + 1])
    end
  end
end
local text = string.format('%.0f', seq)
redis.call('PUBLISH', ARGV[3], ARGV[4] .. text .. '}}')
return text`,
  // KEYS: lease. ARGV: token, leaseMs.
  renew: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
  // KEYS: lease. ARGV: token, channel, message. Compare-and-delete: only the owner releases.
  release: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`,
} as const;

// Versioned names: another copy of isr-plug sharing the client keeps its own scripts.
const COMMANDS = {
  acquire: { name: "isrPlug1Acquire", numberOfKeys: 2 },
  write: { name: "isrPlug1Write", numberOfKeys: 2 },
  drop: { name: "isrPlug1Drop", numberOfKeys: 2 },
  tag: { name: "isrPlug2Tag", numberOfKeys: 3 },
  renew: { name: "isrPlug1Renew", numberOfKeys: 1 },
  release: { name: "isrPlug1Release", numberOfKeys: 1 },
} as const;

type ScriptName = keyof typeof COMMANDS;
type ScriptCall = (...args: string[]) => Promise<unknown>;

/** The store's scripts, registered on the client once (ioredis then runs them by EVALSHA). */
export class Scripts {
  readonly #client: RedisConnection;

  constructor(client: RedisConnection) {
    this.#client = client;
    for (const name of Object.keys(COMMANDS) as ScriptName[]) {
      const { name: command, numberOfKeys } = COMMANDS[name];
      client.defineCommand(command, { numberOfKeys, lua: LUA[name] });
    }
  }

  #run(name: ScriptName, args: string[]): Promise<unknown> {
    const call = (this.#client as unknown as Record<string, ScriptCall>)[COMMANDS[name].name] as ScriptCall;
    return call.apply(this.#client, args);
  }

  acquire(
    entry: string,
    lease: string,
    token: string,
    leaseMs: number,
    now: number,
    field: string,
    exclude: string,
  ) {
    return this.#run("acquire", [entry, lease, token, String(leaseMs), String(now), field, exclude]);
  }

  write(
    entry: string,
    lease: string,
    frame: string,
    px: string,
    token: string,
    storedAt: number,
    channel: string,
    message: string,
  ) {
    return this.#run("write", [entry, lease, frame, px, token, String(storedAt), channel, message]);
  }

  drop(entry: string, lease: string, channel: string, message: string) {
    return this.#run("drop", [entry, lease, channel, message]);
  }

  /** Resolves the invalidation's sequence number (as text: it may pass 2^31). */
  tag(log: string, floors: string, seq: string, member: string, most: number, channel: string, head: string) {
    return this.#run("tag", [log, floors, seq, member, String(most), channel, head]);
  }

  renew(lease: string, token: string, leaseMs: number) {
    return this.#run("renew", [lease, token, String(leaseMs)]);
  }

  release(lease: string, token: string, channel: string, message: string) {
    return this.#run("release", [lease, token, channel, message]);
  }
}
