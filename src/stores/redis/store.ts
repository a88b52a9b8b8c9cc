import { randomUUID } from "node:crypto";
import { IsrRedisUnavailableError } from "../../errors.js";
import { Log } from "../../log.js";
import type { CoordinateContext, FetchPurpose, Store, StoreEntry, TagChannel } from "../store.js";
import type { RedisConnection } from "./client.js";
import { decodeEntry, encodeEntry, nonceOf } from "./codec.js";
import { KeySpace } from "./keys.js";
import { Leases, type WritePermit } from "./leases.js";
import { bounded, isReplyError, RedisLink } from "./link.js";
import { type Copy, LocalTier, type Ticket } from "./local-tier.js";
import { decodeMessage, encodeMessage } from "./messages.js";
import {
  HEARD_WITHIN_HEARTBEATS,
  type RedisStoreOptions,
  type ResolvedRedisOptions,
  resolveRedisOptions,
} from "./options.js";
import { Scripts, type WriteReply } from "./scripts.js";
import { Subscriber } from "./subscriber.js";
import { FleetSync } from "./sync.js";
import { RedisTags } from "./tags.js";
import { type RedisWriteStats, type WriteFailure, WriteReport } from "./write-report.js";

/** What `RedisStore.stats()` returns. */
export interface RedisStoreStats {
  writes: RedisWriteStats;
  /** Copies held in this process's local tier. */
  localEntries: number;
  /** As `available`. */
  available: boolean;
  /** Subscribed, caught up with the fleet, and confirmed within the heard-within bound. */
  inSync: boolean;
}

/** A store shared by a fleet of processes through Redis, with a local memory tier in front. */
export interface RedisStore extends Store {
  /** Fresh local copies answer synchronously; anything else reads Redis (never rejects). */
  get(key: string): StoreEntry | undefined | Promise<StoreEntry | undefined>;
  /** Stores in Redis and locally and tells the fleet; never rejects (a failure is reported). */
  set(key: string, entry: StoreEntry, ttlMs: number): Promise<void>;
  /** Drops the entry here, in Redis and in every process; rejects if Redis could not be told. */
  delete(key: string): Promise<void>;
  coordinate(
    key: string,
    purpose: FetchPurpose,
    produce: () => Promise<StoreEntry>,
    context: CoordinateContext,
  ): Promise<StoreEntry | undefined>;
  /** Deletes every key of this prefix (SCAN + UNLINK, never KEYS or FLUSHALL) and tells the fleet. */
  clear(): Promise<void>;
  /** Stops timers and closes the pub/sub connection it opened; your client stays open. */
  close(): Promise<void>;
  /** Resolves `true` once `available`, `false` if `timeoutMs` pass first or the store closes. */
  ready(options?: { timeoutMs?: number }): Promise<boolean>;
  stats(): RedisStoreStats;
  /** Calls `listener` for each write Redis refuses with an error (a full memory). Returns an unsubscribe. */
  on(event: "writeFailed", listener: (failure: WriteFailure) => void): () => void;
  /** Tag invalidations, recorded in Redis and announced to the fleet. */
  readonly tags: TagChannel;
  /** True while Redis answers, takes writes, and this process is in sync with the fleet. */
  readonly available: boolean;
  /** The heard-within bound: 4 × `heartbeatMs`. */
  readonly heardWithinMs: number;
  readonly prefix: string;
}

const SCAN_COUNT = "500";
/** How long a lost pub/sub connection waits before it is reported on its own (see #onDeaf). */
const DEAF_GRACE_MS = 250;
/** How long a fence is good for: a fetch without the lease that runs longer is not shared. */
const FENCE_MS = 60_000;
/** Bound on a read of the tag record: the first one may carry its 10 000 members. */
const SYNC_TIMEOUT_MS = 1_000;

/** A fetch this process runs for a key, and what its write may go through. */
interface Fetching {
  permit: WritePermit;
  /** Opened as the fetch starts: an announced change of the key meanwhile keeps its value out of the local tier. */
  ticket: Ticket;
  startedAt: number;
}

function unavailable(what: string, cause?: unknown): IsrRedisUnavailableError {
  return new IsrRedisUnavailableError(
    `isr-plug: redis is unavailable; ${what}`,
    cause === undefined ? undefined : { cause },
  );
}

class FleetStore implements RedisStore {
  readonly prefix: string;
  readonly heardWithinMs: number;
  readonly tags: RedisTags;
  readonly #options: ResolvedRedisOptions;
  readonly #client: RedisConnection;
  readonly #log: Log;
  readonly #keys: KeySpace;
  readonly #scripts: Scripts;
  readonly #link: RedisLink;
  readonly #local: LocalTier;
  readonly #writes: WriteReport;
  readonly #leases: Leases;
  readonly #sync: FleetSync;
  readonly #subscriber: Subscriber;
  readonly #id = randomUUID();
  /** Redis reads in flight, shared by concurrent gets of one key. */
  readonly #reads = new Map<string, Promise<StoreEntry | undefined>>();
  /** Nonce of each entry this store handed out, so `coordinate` knows which one a request saw. */
  readonly #nonces = new WeakMap<StoreEntry, string>();
  readonly #fetching = new Map<string, Fetching[]>();
  readonly #readyWaiters = new Set<() => void>();
  #counter = 0;
  #heardBefore = false;
  /** Whether a pub/sub-only outage was reported (a whole-Redis outage is the link's to report). */
  #deafReported = false;
  #closed = false;

  constructor(options: ResolvedRedisOptions) {
    this.#options = options;
    this.#client = options.client;
    this.prefix = options.prefix;
    this.heardWithinMs = HEARD_WITHIN_HEARTBEATS * options.heartbeatMs;
    this.#log = new Log(options.logger);
    this.#keys = new KeySpace(options.prefix);
    this.#scripts = new Scripts(this.#client);
    this.#link = new RedisLink(
      this.#client,
      {
        ...options,
        // A miss waiting for another process's fetch stops waiting and fetches itself.
        onDown: () => this.#leases.wakeAll("resync"),
        onUp: () => {
          this.#sync.linkUp();
          this.#changed();
        },
      },
      this.#log,
    );
    this.#local = new LocalTier(options.localMax, options.localMaxBytes);
    this.#writes = new WriteReport(
      this.#log,
      options.prefix,
      () => this.#probeWrites(),
      options.breakerCooldownMs,
    );
    this.#leases = new Leases({
      scripts: this.#scripts,
      link: this.#link,
      keys: this.#keys,
      instanceId: this.#id,
      leaseMs: options.leaseMs,
      now: options.now,
      log: this.#log,
      decode: (key, text) => this.#decode(key, text)?.entry,
      listening: () => this.#subscriber.active,
      fenceMs: FENCE_MS,
      refused: (key, error) => this.#writes.failed(key, error),
    });
    this.tags = new RedisTags({
      scripts: this.#scripts,
      link: this.#link,
      keys: this.#keys,
      instanceId: this.#id,
      log: this.#log,
      onRegression: () => this.#startOver(),
      suspect: () => void this.#sync.catchUp(),
    });
    this.#sync = new FleetSync({
      syncTags: () => this.tags.sync(Math.max(options.commandTimeoutMs, SYNC_TIMEOUT_MS)),
      boundMs: this.heardWithinMs,
      retryMs: Math.max(10, options.heartbeatMs / 2),
      log: this.#log,
      prefix: options.prefix,
      changed: () => this.#changed(),
    });
    this.#subscriber = new Subscriber(
      this.#client,
      this.#keys.channel,
      {
        message: (text) => this.#onMessage(text),
        up: (at) => this.#onListening(at),
        down: (reason) => this.#onDeaf(reason),
        confirmed: (sentAt) => this.#sync.confirmed(sentAt),
      },
      options.heartbeatMs,
    );
    // A lazyConnect client would otherwise wait for a first command we never send.
    if (this.#client.status === "wait") this.#client.connect().catch(() => {});
  }

  get available(): boolean {
    return this.#link.up && this.#sync.trusted() && !this.#writes.failing;
  }

  stats(): RedisStoreStats {
    return {
      writes: { ...this.#writes.stats },
      localEntries: this.#local.size,
      available: this.available,
      inSync: this.#sync.trusted(),
    };
  }

  on(event: "writeFailed", listener: (failure: WriteFailure) => void): () => void {
    if (event !== "writeFailed") throw new TypeError(`isr-plug: redis store has no event ${String(event)}`);
    return this.#writes.on(listener);
  }

  ready(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const { timeoutMs } = options;
    if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs >= 0)) {
      throw new TypeError(`isr-plug: ready() "timeoutMs" must be a number >= 0, got ${String(timeoutMs)}`);
    }
    if (this.available) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.#readyWaiters.delete(check);
        resolve(value);
      };
      const check = () => {
        if (this.#closed) done(false);
        else if (this.available) done(true);
      };
      this.#readyWaiters.add(check);
      if (timeoutMs !== undefined) timer = setTimeout(() => done(false), timeoutMs);
    });
  }

  get(key: string): StoreEntry | undefined | Promise<StoreEntry | undefined> {
    const copy = this.#local.get(key);
    const now = performance.now();
    if (copy !== undefined && this.#options.now() < copy.entry.staleAt && this.#sync.trusted(now))
      return copy.entry;
    const shared = this.#reads.get(key);
    if (shared !== undefined) return shared;
    const asked = this.#link.run(() => this.#client.get(this.#keys.entry(key)));
    if (asked === undefined) return this.#fallback(copy, now);
    // Tag records not known to be current: read them as well, and answer once both are in
    // (waiting for them no longer than a command).
    const catchUp = this.#sync.tagsCurrent(now) ? undefined : this.#sync.catchUp();
    const tags =
      catchUp && bounded(catchUp, this.#options.commandTimeoutMs).catch((): number | undefined => undefined);
    const ticket = this.#local.begin(key);
    const read: Promise<StoreEntry | undefined> = Promise.all([asked, tags]).then(
      ([text, caughtUp]) => {
        if (this.#reads.get(key) === read) this.#reads.delete(key);
        if (text === null) {
          if (this.#local.end(key, ticket)) this.#local.delete(key);
          return undefined;
        }
        const decoded = this.#decode(key, text);
        const nonce = decoded?.nonce ?? nonceOf(text);
        const current = this.#local.end(key, ticket, nonce);
        if (decoded === undefined) return undefined;
        const entry = decoded.entry;
        this.#nonces.set(entry, nonce);
        // Its tags could not be checked against the fleet's record: not served as fresh.
        if (tags !== undefined && caughtUp === undefined && entry.tags !== undefined)
          return this.#distrusted(entry, nonce);
        const verifiedAt = Math.min(now, this.#sync.tagsKnownAt);
        if (current)
          this.#local.set(key, entry, decoded.keepUntil - this.#options.now(), { nonce, verifiedAt });
        return entry;
      },
      () => {
        if (this.#reads.get(key) === read) this.#reads.delete(key);
        this.#local.end(key, ticket);
        return this.#fallback(this.#local.get(key), performance.now());
      },
    );
    this.#reads.set(key, read);
    return read;
  }

  async set(key: string, entry: StoreEntry, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) {
      this.#forget(key);
      await this.#link.run(() => this.#drop(key))?.catch(() => {});
      return;
    }
    const fetching = this.#fetching.get(key)?.[0];
    const ticket = fetching?.ticket ?? this.#local.begin(key);
    const verifiedAt = fetching?.startedAt ?? performance.now();
    const nonce = `${this.#id}.${++this.#counter}`;
    this.#nonces.set(entry, nonce);
    const keep = () => {
      if (this.#local.end(key, ticket, nonce)) this.#local.set(key, entry, ttlMs, { nonce, verifiedAt });
    };
    let frame: string;
    try {
      frame = encodeEntry(entry, this.#options.serializer, nonce, this.#options.now() + ttlMs);
    } catch (error) {
      this.#log.error(
        { prefix: this.prefix, key, err: error },
        "value cannot be serialized; it is served and kept in this process only, not shared through redis",
      );
      keep();
      return;
    }
    const permit = fetching?.permit;
    // A fetch that started while Redis could not be asked read no fence: an invalidation may
    // have come in between, and its value must not land in Redis after it. Kept here only.
    // So is a value stamped after a tag number this process gave on its own, until the
    // fleet's sequence is raised above it.
    const unfenced = permit !== undefined && permit.token === undefined && permit.fence === undefined;
    const raised = unfenced ? undefined : this.tags.beforeWrite();
    const shareable = !unfenced && (raised === undefined || (await raised));
    const written = shareable
      ? this.#link.run(() => this.#write(key, entry, frame, ttlMs, nonce, permit))
      : undefined;
    if (written === undefined) {
      this.#writes.localOnly();
      keep();
      return;
    }
    let reply: WriteReply;
    try {
      reply = await written;
    } catch (error) {
      // Refused with an error (a full Redis), or no answer: served and kept here (fail open).
      if (isReplyError(error)) this.#writes.failed(key, error);
      else this.#writes.localOnly();
      keep();
      return;
    }
    if (reply === "stored") {
      this.#writes.stored();
      keep();
      return;
    }
    // Invalidated while it was fetched (its lease or fence moved), or a newer entry is there.
    this.#writes.refused();
    this.#local.end(key, ticket);
    this.#local.delete(key);
    if (this.#log.debugEnabled())
      this.#log.debug({ key, reason: reply }, "value not stored: the key changed while it was fetched");
  }

  async delete(key: string): Promise<void> {
    this.#forget(key);
    const dropped = this.#link.run(() => this.#drop(key));
    if (dropped === undefined) throw unavailable("the entry was dropped in this process only");
    try {
      await dropped;
    } catch (error) {
      throw unavailable("the entry was dropped in this process only", error);
    }
  }

  coordinate(
    key: string,
    purpose: FetchPurpose,
    produce: () => Promise<StoreEntry>,
    context: CoordinateContext,
  ): Promise<StoreEntry | undefined> {
    // A revalidation asked for a new fetch: no entry already stored may stand in for it.
    const seen =
      purpose === "revalidate"
        ? undefined
        : context.seen === undefined
          ? ""
          : (this.#nonces.get(context.seen) ?? "");
    return this.#leases.coordinate(
      key,
      purpose,
      (permit) => this.#produce(key, permit, produce),
      seen,
      context.signal,
    );
  }

  async clear(): Promise<void> {
    this.#local.dropAll();
    this.#reads.clear();
    if (!this.#link.up) throw unavailable("only this process's copies were cleared");
    try {
      const keyPrefix = this.#client.options?.keyPrefix ?? "";
      const pattern = this.#keys.pattern(keyPrefix);
      const nodes = typeof this.#client.nodes === "function" ? this.#client.nodes("master") : [this.#client];
      for (const node of nodes) {
        let cursor = "0";
        do {
          const at = cursor;
          const [next, found] = (await this.#required(() =>
            node.call("scan", at, "MATCH", pattern, "COUNT", SCAN_COUNT),
          )) as [string, string[]];
          cursor = next;
          // Through the client, which adds its keyPrefix (and routes each key to its slot on a Cluster).
          await Promise.all(
            found.map((raw) =>
              this.#required(() => this.#client.call("unlink", raw.slice(keyPrefix.length))),
            ),
          );
        } while (cursor !== "0");
      }
      const message = encodeMessage({ i: this.#id, o: "c", k: "" });
      await this.#required(() => this.#client.call("publish", this.#keys.channel, message));
    } catch (error) {
      throw error instanceof IsrRedisUnavailableError ? error : unavailable("clear did not finish", error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.close();
    this.#leases.close();
    this.#sync.close();
    this.#writes.close();
    this.#changed();
    await this.#subscriber.close();
  }

  /** A write of a few bytes, to learn whether Redis takes writes again. */
  #probeWrites(): void {
    const probe = this.#link.run(() => this.#client.call("set", this.#keys.probe, "1", "PX", "1000"));
    // A refused probe changes nothing: writes are failing already.
    probe?.then(
      () => this.#writes.took(),
      () => {},
    );
  }

  #required<T>(command: () => Promise<T>): Promise<T> {
    return this.#link.run(command) ?? Promise.reject(unavailable("clear did not finish"));
  }

  #write(key: string, entry: StoreEntry, frame: string, ttlMs: number, nonce: string, permit?: WritePermit) {
    return this.#scripts.write({
      entry: this.#keys.entry(key),
      lease: this.#keys.lease(key),
      fence: this.#keys.fence(key),
      frame,
      px: Number.isFinite(ttlMs) ? ttlMs : undefined,
      token: permit?.token,
      fenced: permit?.fence,
      fenceMs: FENCE_MS,
      storedAt: entry.storedAt,
      channel: this.#keys.channel,
      message: encodeMessage({ i: this.#id, o: "s", k: key, n: nonce }),
    });
  }

  #drop(key: string): Promise<unknown> {
    return this.#scripts.drop({
      entry: this.#keys.entry(key),
      lease: this.#keys.lease(key),
      fence: this.#keys.fence(key),
      channel: this.#keys.channel,
      message: encodeMessage({ i: this.#id, o: "d", k: key }),
    });
  }

  /** Runs the engine's produce as this process's fetch of `key`, so `set` knows its permit. */
  async #produce(key: string, permit: WritePermit, produce: () => Promise<StoreEntry>): Promise<StoreEntry> {
    const fetching: Fetching = { permit, ticket: this.#local.begin(key), startedAt: performance.now() };
    let running = this.#fetching.get(key);
    if (running === undefined) {
      running = [];
      this.#fetching.set(key, running);
    }
    running.push(fetching);
    try {
      return await produce();
    } finally {
      running.splice(running.indexOf(fetching), 1);
      if (running.length === 0 && this.#fetching.get(key) === running) this.#fetching.delete(key);
      this.#local.end(key, fetching.ticket);
    }
  }

  /**
   * What to answer when Redis cannot be read: the local copy as it is if it can be trusted
   * (in sync with the fleet, or known current within the heard-within bound), else as stale.
   */
  #fallback(copy: Copy | undefined, now: number): StoreEntry | undefined {
    if (copy === undefined) return undefined;
    if (this.#sync.trusted(now) || now - copy.verifiedAt < this.heardWithinMs) return copy.entry;
    return this.#distrusted(copy.entry, copy.nonce);
  }

  /** `entry`, stale from now on: it may have been invalidated unheard, so it is refreshed before it is trusted. */
  #distrusted(entry: StoreEntry, nonce: string): StoreEntry {
    const now = this.#options.now();
    if (!(entry.staleAt > now)) return entry;
    const stale = { ...entry, staleAt: now };
    this.#nonces.set(stale, nonce);
    return stale;
  }

  /** Forgets the local copy and any read in flight, so nothing read before this comes back. */
  #forget(key: string): void {
    this.#local.drop(key);
    this.#reads.delete(key);
  }

  #decode(key: string, text: string) {
    try {
      return decodeEntry(text, this.#options.serializer);
    } catch (error) {
      this.#log.warn({ prefix: this.prefix, key, err: error }, "malformed entry in redis; treated as a miss");
      return undefined;
    }
  }

  #changed(): void {
    for (const check of [...this.#readyWaiters]) check();
  }

  /** Whatever was announced while this process was not listening is unknown: start over from Redis. */
  #startOver(): void {
    this.#local.dropAll();
    this.#reads.clear();
    this.#leases.wakeAll("resync");
  }

  #onMessage(text: string): void {
    const message = decodeMessage(text);
    if (message === undefined || message.i === this.#id) return;
    switch (message.o) {
      case "t":
        this.tags.heard(message.t);
        return;
      case "r":
        this.#leases.wake(message.k, message.f === 1 ? "failed" : "released");
        return;
      case "c":
        this.#local.dropAll();
        this.#reads.clear();
        this.#leases.wakeAll("changed");
        return;
      default: {
        const key = message.k;
        const kept = this.#local.drop(key, message.o === "s" ? message.n : undefined);
        this.#reads.delete(key);
        this.#leases.wake(key, "changed");
        if (this.#log.debugEnabled()) {
          const change = message.o === "s" ? "set" : "delete";
          if (kept)
            this.#log.debug({ key, change }, "local copy kept: it is the entry another process announced");
          else this.#log.debug({ key, change }, "local copy dropped: changed by another process");
        }
      }
    }
  }

  #onListening(at: number): void {
    this.#startOver();
    this.#sync.subscribed(at);
    if (this.#deafReported) this.#log.warn({ prefix: this.prefix }, "redis pub/sub is back");
    else if (this.#heardBefore && this.#log.debugEnabled())
      this.#log.debug({ prefix: this.prefix }, "redis pub/sub is back");
    this.#deafReported = false;
    this.#heardBefore = true;
  }

  #onDeaf(reason: "closed" | "silent"): void {
    this.#sync.lost();
    this.#leases.wakeAll("resync");
    if (reason === "silent") {
      if (this.#deafReported) return;
      this.#deafReported = true;
      this.#log.warn(
        { prefix: this.prefix, silentForMs: 2 * this.#options.heartbeatMs },
        "redis pub/sub connection went silent (its heartbeat got no answer); it is replaced, and local copies are checked against redis until it is back",
      );
      return;
    }
    // When Redis itself went away, the command connection learns it a moment later and the
    // link reports it; only a pub/sub connection lost on its own is worth its own warning.
    setTimeout(() => {
      if (this.#closed || this.#deafReported || this.#subscriber.active || this.#client.status !== "ready")
        return;
      this.#deafReported = true;
      this.#log.warn(
        { prefix: this.prefix },
        "redis pub/sub connection lost; local copies are checked against redis until it is back",
      );
    }, DEAF_GRACE_MS).unref?.();
  }
}

/**
 * Creates a store shared through Redis by every process that uses the same Redis and
 * prefix: one fetch per key fleet-wide, invalidations heard everywhere, and requests served
 * from the local tier or the origin when Redis is away. Returns at once, even if Redis is down.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return new FleetStore(resolveRedisOptions(options));
}
