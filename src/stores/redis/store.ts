import { randomUUID } from "node:crypto";
import { IsrError } from "../../errors.js";
import { Log } from "../../log.js";
import type { CoordinateContext, FetchPurpose, Store, StoreEntry, TagChannel } from "../store.js";
import { type RedisConnection, Scripts } from "./client.js";
import { decodeEntry, decodeMessage, encodeEntry, encodeMessage, type Message, nonceOf } from "./codec.js";
import { KeySpace } from "./keys.js";
import { Leases } from "./leases.js";
import { RedisLink } from "./link.js";
import { LocalTier } from "./local-tier.js";
import { type RedisStoreOptions, type ResolvedRedisOptions, resolveRedisOptions } from "./options.js";
import { type EntryScan, type ScanEntriesOptions, scanEntries } from "./scan.js";
import { Subscriber } from "./subscriber.js";
import { RedisTags } from "./tags.js";

/** A store shared by a fleet of processes through Redis, with a local memory tier in front. */
export interface RedisStore extends Store {
  /** Fresh local copies answer synchronously; anything else reads Redis (never rejects). */
  get(key: string): StoreEntry | undefined | Promise<StoreEntry | undefined>;
  /** Stores in Redis and locally and tells the fleet; never rejects (a failure is logged). */
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
  /** Tag invalidations, recorded in Redis and announced to the fleet. */
  readonly tags: TagChannel;
  /** True while Redis answers and its announcements are heard. */
  readonly available: boolean;
  readonly prefix: string;
  /** The inspector's fleet view: entries under the prefix, by a bounded SCAN (see scan.ts). */
  scanEntries(options: ScanEntriesOptions): Promise<EntryScan>;
}

const SCAN_COUNT = "500";
/** How long a lost pub/sub connection waits before it is reported on its own (see #onDeaf). */
const DEAF_GRACE_MS = 250;

function unavailable(what: string, cause?: unknown): IsrError {
  return new IsrError(
    `isr-plug: redis is unavailable; ${what}`,
    "ISR_REDIS_UNAVAILABLE",
    cause === undefined ? undefined : { cause },
  );
}

class FleetStore implements RedisStore {
  readonly prefix: string;
  readonly #options: ResolvedRedisOptions;
  readonly #client: RedisConnection;
  readonly #log: Log;
  readonly #keys: KeySpace;
  readonly #scripts: Scripts;
  readonly #link: RedisLink;
  readonly #local: LocalTier;
  readonly #leases: Leases;
  readonly #subscriber: Subscriber;
  readonly #id = randomUUID();
  readonly tags: RedisTags;
  /** Redis reads in flight, shared by concurrent gets of one key. */
  readonly #reads = new Map<string, Promise<StoreEntry | undefined>>();
  /** Nonce of each entry this store handed out, so `coordinate` knows which one a request saw. */
  readonly #nonces = new WeakMap<StoreEntry, string>();
  #counter = 0;
  #heardBefore = false;
  /** Whether a pub/sub-only outage was reported (a whole-Redis outage is the link's to report). */
  #deafReported = false;
  #closed = false;

  constructor(options: ResolvedRedisOptions) {
    this.#options = options;
    this.#client = options.client;
    this.prefix = options.prefix;
    this.#log = new Log(options.logger);
    this.#keys = new KeySpace(options.prefix);
    this.#scripts = new Scripts(this.#client);
    // A miss waiting for another process's fetch stops waiting and fetches itself.
    const onDown = () => this.#leases.wakeAll("resync");
    this.#link = new RedisLink(this.#client, { ...options, onDown }, this.#log);
    this.#local = new LocalTier(options.localMax, options.localMaxBytes);
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
    });
    this.tags = new RedisTags({
      client: this.#client,
      scripts: this.#scripts,
      link: this.#link,
      keys: this.#keys,
      instanceId: this.#id,
      log: this.#log,
    });
    this.#subscriber = new Subscriber(this.#client, this.#keys.channel, {
      message: (text) => this.#onMessage(text),
      up: () => this.#onListening(),
      down: () => this.#onDeaf(),
    });
    // A lazyConnect client would otherwise wait for a first command we never send.
    if (this.#client.status === "wait") this.#client.connect().catch(() => {});
  }

  get available(): boolean {
    return this.#link.up && this.#subscriber.active;
  }

  get(key: string): StoreEntry | undefined | Promise<StoreEntry | undefined> {
    const local = this.#local.get(key);
    if (local !== undefined && this.#subscriber.active && this.#options.now() < local.staleAt) return local;
    const shared = this.#reads.get(key);
    if (shared !== undefined) return shared;
    const asked = this.#link.run(() => this.#client.get(this.#keys.entry(key)));
    if (asked === undefined) return local;
    const ticket = this.#local.begin(key);
    const read: Promise<StoreEntry | undefined> = asked.then(
      (text) => {
        if (this.#reads.get(key) === read) this.#reads.delete(key);
        if (text === null) {
          if (this.#local.end(key, ticket)) this.#local.delete(key);
          return undefined;
        }
        const decoded = this.#decode(key, text);
        const nonce = decoded?.nonce ?? nonceOf(text);
        const current = this.#local.end(key, ticket, nonce);
        if (decoded === undefined) return undefined;
        this.#nonces.set(decoded.entry, nonce);
        if (current) this.#local.set(key, decoded.entry, decoded.keepUntil - this.#options.now());
        return decoded.entry;
      },
      () => {
        if (this.#reads.get(key) === read) this.#reads.delete(key);
        this.#local.end(key, ticket);
        return this.#local.get(key);
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
    const nonce = `${this.#id}.${++this.#counter}`;
    this.#nonces.set(entry, nonce);
    let frame: string;
    try {
      frame = encodeEntry(entry, this.#options.serializer, nonce, this.#options.now() + ttlMs);
    } catch (error) {
      this.#log.error(
        { prefix: this.prefix, key, err: error },
        "value cannot be serialized; it is served and kept in this process only, not shared through redis",
      );
      this.#local.set(key, entry, ttlMs);
      return;
    }
    const token = this.#leases.tokenOf(key) ?? "";
    const ticket = this.#local.begin(key);
    const px = Number.isFinite(ttlMs) ? String(Math.ceil(ttlMs)) : "";
    const message = encodeMessage({ i: this.#id, o: "s", k: key, n: nonce });
    const written = this.#link.run(() =>
      this.#scripts.write(
        this.#keys.entry(key),
        this.#keys.lease(key),
        frame,
        px,
        token,
        entry.storedAt,
        this.#keys.channel,
        message,
      ),
    );
    // Redis unreachable: keep serving the value from this process (fail open).
    let landed = true;
    if (written !== undefined)
      landed = await written.then(
        (answer) => answer === 1,
        () => true,
      );
    const current = this.#local.end(key, ticket, nonce);
    if (!landed) {
      // Invalidated while it was fetched (our lease is gone), or a newer entry is there.
      this.#local.delete(key);
      if (this.#log.debugEnabled())
        this.#log.debug({ key }, "value not stored: the key changed while it was fetched");
      return;
    }
    if (current) this.#local.set(key, entry, ttlMs);
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
    return this.#leases.coordinate(key, purpose, produce, seen, context.signal);
  }

  async clear(): Promise<void> {
    this.#local.dropAll();
    this.#reads.clear();
    if (!this.#link.up) throw unavailable("only this process's copies were cleared");
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
          found.map((raw) => this.#required(() => this.#client.call("unlink", raw.slice(keyPrefix.length)))),
        );
      } while (cursor !== "0");
    }
    await this.#required(() => this.#client.call("publish", this.#keys.channel, this.#message("c", "")));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.close();
    this.#leases.close();
    await this.#subscriber.close();
  }

  // The inspector's fleet view; everything about it lives in scan.ts.
  scanEntries(options: ScanEntriesOptions): Promise<EntryScan> {
    const { serializer, now } = this.#options;
    const run = <T>(command: () => Promise<T>) =>
      this.#link.run(command) ?? Promise.reject(unavailable("the fleet view cannot be read"));
    return scanEntries({ client: this.#client, prefix: this.prefix, serializer, now, run }, options);
  }

  #required<T>(command: () => Promise<T>): Promise<T> {
    return this.#link.run(command) ?? Promise.reject(unavailable("clear did not finish"));
  }

  #drop(key: string): Promise<unknown> {
    return this.#scripts.drop(
      this.#keys.entry(key),
      this.#keys.lease(key),
      this.#keys.channel,
      this.#message("d", key),
    );
  }

  /** Forgets the local copy and any read in flight, so nothing read before this comes back. */
  #forget(key: string): void {
    this.#local.drop(key);
    this.#reads.delete(key);
  }

  #message(o: Message["o"], key: string): string {
    return encodeMessage({ i: this.#id, o, k: key });
  }

  #decode(key: string, text: string) {
    try {
      return decodeEntry(text, this.#options.serializer);
    } catch (error) {
      this.#log.warn({ prefix: this.prefix, key, err: error }, "malformed entry in redis; treated as a miss");
      return undefined;
    }
  }

  #onMessage(text: string): void {
    const message = decodeMessage(text);
    if (message === undefined || message.i === this.#id) return;
    const { o, k: key } = message;
    if (o === "t") {
      this.tags.heard(message);
      return;
    }
    if (o === "r") {
      this.#leases.wake(key, message.f === 1 ? "failed" : "released");
      return;
    }
    if (o === "c") {
      this.#local.dropAll();
      this.#reads.clear();
      this.#leases.wakeAll("changed");
      return;
    }
    this.#local.drop(key, message.n);
    this.#reads.delete(key);
    this.#leases.wake(key, "changed");
    if (this.#log.debugEnabled()) {
      this.#log.debug(
        { key, change: o === "s" ? "set" : "delete" },
        "local copy dropped: changed by another process",
      );
    }
  }

  #onListening(): void {
    // Whatever was announced while we were not listening is unknown: start over from Redis.
    this.#local.dropAll();
    this.#reads.clear();
    this.#leases.wakeAll("resync");
    this.tags.resync();
    if (this.#deafReported) this.#log.warn({ prefix: this.prefix }, "redis pub/sub is back");
    else if (this.#heardBefore && this.#log.debugEnabled())
      this.#log.debug({ prefix: this.prefix }, "redis pub/sub is back");
    this.#deafReported = false;
    this.#heardBefore = true;
  }

  #onDeaf(): void {
    this.#leases.wakeAll("resync");
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
