import type { LuaScript, RedisConnection } from "./client.js";

/**
 * The fleet's Lua scripts (see docs/fleet-protocol.md), each with a typed wrapper: named
 * fields in, a parsed reply out, so no call site orders 8 strings by hand. Each change is
 * atomic with its announcement, and leases and fences are checked and changed in one step.
 *
 * Lua strings are written with String.raw so `\n` reaches Lua as an escape, not a line
 * break. A stored entry starts with a header line `i1 <nonce> <keepUntil> name=number ...`
 * (see codec.ts) that the scripts read. Scripts that read TIME call replicate_commands first
 * (required before a write on Redis 5 and 6; a no-op since Redis 7).
 */
const LUA = {
  // KEYS: entry, lease, fence. ARGV: token, leaseMs, now, field ("" = take the lease without
  // looking at the entry), nonce of an entry not to accept, fenceMs.
  // Answers {1, entry, fence...} (a usable entry written by someone else), {2, nonce,
  // fence...} (lease taken by us) or {3, nonce, pttl, fence...} (another process holds it).
  // fence... = version, nonce, time: a process that may write without the lease reads the
  // key's fence here (creating it if need be); an invalidation changes it.
  acquire: String.raw`
redis.replicate_commands()
local e = redis.call('GET', KEYS[1])
local n = ''
if e then
  n = string.match(e, '^i1 (%S+)') or ''
  if ARGV[4] ~= '' and n ~= ARGV[5] then
    local t = tonumber(string.match(e, '^[^\n]* ' .. ARGV[4] .. '=(%S+)') or '')
    if t and t > tonumber(ARGV[3]) then
      return {1, e}
    end
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, n} end
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
local v = redis.call('GET', KEYS[3])
if not v then
  v = now
  redis.call('SET', KEYS[3], v, 'PX', ARGV[6])
else
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
end
return {3, n, redis.call('PTTL', KEYS[2]), v, n, now}`,
  // KEYS: entry, lease, fence. ARGV: frame, px ("" = no expiry), token ("" = no lease),
  // fence version ("" = none), fence nonce, fence time, fenceMs, storedAt, channel, message.
  // With a token: lands only while the lease is ours (an invalidation deletes it). With a
  // fence: lands only if no invalidation changed the fence since it was read, nobody else
  // wrote the entry meanwhile, and the fence is younger than fenceMs (a command replayed late).
  // With neither (a direct set): never replaces an entry stored later (storedAt).
  // Answers 1 (stored), 0 (lease lost), 2 (fence moved or gone), 3 (another entry is there).
  write: String.raw`
redis.replicate_commands()
if ARGV[3] ~= '' then
  if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
elseif ARGV[4] ~= '' then
  if redis.call('GET', KEYS[3]) ~= ARGV[4] then return 2 end
  local t = redis.call('TIME')
  local age = (tonumber(t[1]) * 1000000 + tonumber(t[2])) - tonumber(ARGV[6])
  if age > tonumber(ARGV[7]) * 1000 then return 2 end
  local e = redis.call('GET', KEYS[1])
  if e and (string.match(e, '^i1 (%S+)') or '') ~= ARGV[5] then return 3 end
else
  local e = redis.call('GET', KEYS[1])
  if e then
    local s = tonumber(string.match(e, '^[^\n]* storedAt=(%S+)') or '')
    if s and s > tonumber(ARGV[8]) then return 3 end
  end
end
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
redis.call('PUBLISH', ARGV[9], ARGV[10])
return 1`,
  // KEYS: entry, lease, fence. ARGV: channel, message. Deleting the lease fences off a leased
  // fetch that started before; moving the fence (if one is there) fences off the others. The
  // deletes come first and the fence move may fail (a full Redis): the invalidation still
  // happens, and a full Redis takes no write anyway.
  drop: `
redis.replicate_commands()
redis.call('DEL', KEYS[1], KEYS[2])
local v = redis.call('GET', KEYS[3])
if v then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local next = math.max(now, tonumber(v) + 1)
  redis.pcall('SET', KEYS[3], string.format('%.0f', next), 'KEEPTTL')
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`,
  // KEYS: tag log, floors, sequence, epoch. ARGV: member (JSON [namespace, tag, mode]), most
  // records, channel, message head (the announcement up to its sequence number), floor (the
  // highest number the sender has heard). Gives the invalidation the fleet's next number,
  // above the floor; keeps each member's latest number; beyond the bound the oldest are
  // folded into their namespace's floor for that mode, so a trim never forgets one. A
  // missing sequence (a Redis that lost its data) starts again from the server's TIME in µs,
  // under a new epoch (so every process knows to read the whole record again).
  tag: `
redis.replicate_commands()
local floor = tonumber(ARGV[5])
local current = tonumber(redis.call('GET', KEYS[3]) or '')
if not current then
  local t = redis.call('TIME')
  local seed = tonumber(t[1]) * 1000000 + tonumber(t[2])
  current = math.max(seed, floor)
  redis.call('SET', KEYS[3], string.format('%.0f', current))
  redis.call('SET', KEYS[4], string.format('%.0f', seed))
elseif current < floor then
  redis.call('SET', KEYS[3], string.format('%.0f', floor))
end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if extra > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], extra)
  for i = 1, #popped, 2 do
    local member = cjson.decode(popped[i])
    local field = cjson.encode({member[1], member[3]})
    local kept = redis.call('HGET', KEYS[2], field)
    if (not kept) or tonumber(kept) < tonumber(popped[i + 1]) then
      redis.call('HSET', KEYS[2], field, popped[i + 1])
    end
  end
end
local text = string.format('%.0f', seq)
redis.call('PUBLISH', ARGV[3], ARGV[4] .. text .. '}}')
return text`,
  // KEYS: tag log, floors, sequence, epoch. ARGV: from (exclusive), the epoch last seen.
  // Reads the record at one instant: the sequence ("" when missing), the epoch, the members
  // numbered above from (all of them if the epoch changed: the sequence was started again),
  // the floors.
  sync: `
local seq = redis.call('GET', KEYS[3])
local epoch = redis.call('GET', KEYS[4]) or ''
local from = '(' .. ARGV[1]
if (not seq) or epoch ~= ARGV[2] then from = '-inf' end
return {seq or '', epoch, redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES'), redis.call('HGETALL', KEYS[2])}`,
  // KEYS: sequence, epoch. ARGV: floor. Raises the sequence to the floor if it is below (a
  // Redis that lost its data, or numbers this process gave while Redis was away). Answers
  // {value, epoch}.
  rebase: `
redis.replicate_commands()
local current = tonumber(redis.call('GET', KEYS[1]) or '')
local floor = tonumber(ARGV[1])
if not current then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])), 'NX')
end
if (not current) or current < floor then
  redis.call('SET', KEYS[1], string.format('%.0f', floor))
  current = floor
end
return {string.format('%.0f', current), redis.call('GET', KEYS[2]) or ''}`,
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

/**
 * The commands the scripts are registered as on the client. Versioned names: another copy
 * of isr-plug sharing the client keeps its own scripts. A name changes with its script's
 * arguments or answers.
 */
export const SCRIPT_COMMANDS = {
  acquire: { name: "isrPlug3Acquire", numberOfKeys: 3 },
  write: { name: "isrPlug3Write", numberOfKeys: 3 },
  drop: { name: "isrPlug3Drop", numberOfKeys: 3 },
  tag: { name: "isrPlug3Tag", numberOfKeys: 4 },
  sync: { name: "isrPlug3Sync", numberOfKeys: 4 },
  rebase: { name: "isrPlug3Rebase", numberOfKeys: 2 },
  renew: { name: "isrPlug1Renew", numberOfKeys: 1 },
  release: { name: "isrPlug1Release", numberOfKeys: 1 },
} as const;

type ScriptName = keyof typeof SCRIPT_COMMANDS;

/**
 * What a write without the lease is checked against: the key's fence as the fetch started.
 * `version` changes with every invalidation of the key; `nonce` is the entry then in Redis
 * ("" for none); `time` is Redis's clock then, in µs, so a write replayed late is refused.
 */
export interface Fence {
  readonly version: string;
  readonly nonce: string;
  readonly time: string;
}

export interface AcquireArgs {
  entry: string;
  lease: string;
  fence: string;
  token: string;
  leaseMs: number;
  /** The caller's clock, compared with `field` of the stored entry. */
  now: number;
  /** Which time of the stored entry must lie ahead for it to be taken instead of fetching ("" = never). */
  field: "" | "staleAt" | "expiresAt";
  /** Nonce of an entry not to take (the one the request saw). */
  exclude: string;
  fenceMs: number;
}

export type AcquireReply =
  | { kind: "usable"; entry: string }
  | { kind: "taken"; nonce: string }
  | { kind: "held"; nonce: string; pttl: number; fence: Fence };

export interface WriteArgs {
  entry: string;
  lease: string;
  fence: string;
  frame: string;
  /** Expiry in ms; undefined for none. */
  px: number | undefined;
  /** The lease this write goes through, if any. */
  token: string | undefined;
  /** Without a lease: the fence read before the fetch. */
  fenced: Fence | undefined;
  fenceMs: number;
  storedAt: number;
  channel: string;
  message: string;
}

export type WriteReply = "stored" | "lease-lost" | "fence-moved" | "overtaken";

export interface DropArgs {
  entry: string;
  lease: string;
  fence: string;
  channel: string;
  message: string;
}

export interface TagArgs extends TagRecordKeys {
  /** JSON [namespace, tag, mode]. */
  member: string;
  mostRecords: number;
  channel: string;
  /** The announcement's JSON up to its sequence number, which the script appends. */
  head: string;
  /** The highest number the sender has heard: the invalidation gets a higher one. */
  floor: number;
}

export interface TagRecordKeys {
  log: string;
  floors: string;
  seq: string;
  /** Changes whenever the sequence starts again (Redis lost it). */
  epoch: string;
}

export interface SyncReply {
  /** The fleet's sequence, undefined when Redis has none. */
  seq: number | undefined;
  /** The sequence's epoch ("" when missing). */
  epoch: string;
  /** Members numbered above `from` (or all) and their numbers, flat: [member, number, member, number, ...]. */
  log: string[];
  /** Floor fields and their numbers, flat. */
  floors: string[];
}

const WRITE_REPLIES: Record<number, WriteReply> = {
  1: "stored",
  0: "lease-lost",
  2: "fence-moved",
  3: "overtaken",
};

const SCRIPTS = Object.fromEntries(
  (Object.keys(SCRIPT_COMMANDS) as ScriptName[]).map((name) => [
    name,
    { ...SCRIPT_COMMANDS[name], lua: LUA[name] },
  ]),
) as Record<ScriptName, LuaScript>;

/** The store's scripts, run through the connection (by EVALSHA, falling back to EVAL). */
export class Scripts {
  readonly #client: RedisConnection;

  constructor(client: RedisConnection) {
    this.#client = client;
    client.define(Object.values(SCRIPTS));
  }

  #run(name: ScriptName, args: (string | number)[]): Promise<unknown> {
    return this.#client.script(SCRIPTS[name], args.map(String));
  }

  async acquire(a: AcquireArgs): Promise<AcquireReply> {
    const reply = (await this.#run("acquire", [
      a.entry,
      a.lease,
      a.fence,
      a.token,
      a.leaseMs,
      a.now,
      a.field,
      a.exclude,
      a.fenceMs,
    ])) as unknown[];
    const [kind, detail] = reply as [number, string];
    if (kind === 1) return { kind: "usable", entry: detail };
    if (kind === 2) return { kind: "taken", nonce: detail };
    const [, , pttl, version, nonce, time] = reply as [number, string, number, string, string, string];
    return { kind: "held", nonce: detail, pttl, fence: { version, nonce, time } };
  }

  async write(a: WriteArgs): Promise<WriteReply> {
    const answer = await this.#run("write", [
      a.entry,
      a.lease,
      a.fence,
      a.frame,
      a.px === undefined ? "" : Math.ceil(a.px),
      a.token ?? "",
      a.fenced?.version ?? "",
      a.fenced?.nonce ?? "",
      a.fenced?.time ?? "",
      a.fenceMs,
      a.storedAt,
      a.channel,
      a.message,
    ]);
    const reply = WRITE_REPLIES[answer as number];
    if (reply === undefined)
      throw new TypeError(`unexpected answer from the write script: ${String(answer)}`);
    return reply;
  }

  drop(a: DropArgs): Promise<unknown> {
    return this.#run("drop", [a.entry, a.lease, a.fence, a.channel, a.message]);
  }

  /** Resolves the invalidation's sequence number. */
  async tag(a: TagArgs): Promise<number> {
    const text = await this.#run("tag", [
      a.log,
      a.floors,
      a.seq,
      a.epoch,
      a.member,
      a.mostRecords,
      a.channel,
      a.head,
      a.floor,
    ]);
    return toSeq(text);
  }

  /** Reads the records numbered above `from` (all of them if the epoch is not `epoch`), and the floors. */
  async sync(keys: TagRecordKeys, from: number, epoch: string): Promise<SyncReply> {
    const [seq, current, log, floors] = (await this.#run("sync", [
      keys.log,
      keys.floors,
      keys.seq,
      keys.epoch,
      from,
      epoch,
    ])) as [string, string, string[], string[]];
    return { seq: seq === "" ? undefined : toSeq(seq), epoch: current, log, floors };
  }

  /** Raises the fleet's sequence to at least `floor`; resolves its value and epoch. */
  async rebase(keys: TagRecordKeys, floor: number): Promise<{ seq: number; epoch: string }> {
    const [seq, epoch] = (await this.#run("rebase", [keys.seq, keys.epoch, floor])) as [string, string];
    return { seq: toSeq(seq), epoch };
  }

  renew(lease: string, token: string, leaseMs: number): Promise<unknown> {
    return this.#run("renew", [lease, token, leaseMs]);
  }

  release(lease: string, token: string, channel: string, message: string): Promise<unknown> {
    return this.#run("release", [lease, token, channel, message]);
  }
}

/** A sequence number from Redis (sent as text: it passes 2^31); anything else is an error. */
function toSeq(text: unknown): number {
  const seq = Number(text);
  if (!Number.isSafeInteger(seq)) throw new TypeError(`bad sequence number ${String(text)}`);
  return seq;
}
