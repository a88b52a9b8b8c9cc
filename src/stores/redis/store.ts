import { randomUUID } from "node:crypto";
import { IsrRedisUnavailableError } from "../../errors.js";
import { Log } from "../../log.js";
import type { CoordinateContext, FetchPurpose, StoreEntry } from "../store.js";
import type { RedisStore, RedisStoreStats } from "./api.js";
import { clearPrefix } from "./clear.js";
import type { RedisConnection } from "./client.js";
import { decodeEntry } from "./codec.js";
import { KeySpace } from "./keys.js";
import { Leases } from "./leases.js";
import { RedisLink } from "./link.js";
import { LocalTier } from "./local-tier.js";
import { decodeMessage, encodeMessage } from "./messages.js";
import {
  HEARD_WITHIN_HEARTBEATS,
  type RedisStoreOptions,
  type ResolvedRedisOptions,
  resolveRedisOptions,
} from "./options.js";
import { FleetReads } from "./reads.js";
import { type EntryScan, type ScanEntriesOptions, scanEntries } from "./scan.js";
import { Scripts } from "./scripts.js";
import { Subscriber } from "./subscriber.js";
import { FleetSync } from "./sync.js";
import { RedisTags } from "./tags.js";
import { type WriteFailure, WriteReport } from "./write-report.js";
import { FENCE_MS, FleetWrites } from "./writes.js";

/** How long a lost pub/sub connection waits before it is reported on its own (see #onDeaf). */
const DEAF_GRACE_MS = 250;
/** Bound on a read of the tag record: the first one may carry its 10 000 members. */
const SYNC_TIMEOUT_MS = 1_000;

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
  readonly #report: WriteReport;
  readonly #reads: FleetReads;
  readonly #writes: FleetWrites;
  readonly #leases: Leases;
  readonly #sync: FleetSync;
  readonly #subscriber: Subscriber;
  readonly #id = randomUUID();
  /** Engines told of keys another process deleted (see Store.onInvalidate). */
  readonly #deleteListeners = new Set<(key: string | undefined) => void>();
  /** Nonce of each entry this store handed out, so `coordinate` knows which one a request saw. */
  readonly #nonces = new WeakMap<StoreEntry, string>();
  readonly #readyWaiters = new Set<() => void>();
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
    this.#report = new WriteReport(
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
      // Noted with its nonce, so a request handed this entry can pass it by (`seen`) next time.
      decode: (key, text) => {
        const decoded = this.#decode(key, text);
        if (decoded === undefined) return undefined;
        this.#nonces.set(decoded.entry, decoded.nonce);
        return decoded.entry;
      },
      listening: () => this.#subscriber.active,
      fenceMs: FENCE_MS,
      refused: (key, error) => this.#report.failed(key, error),
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
    this.#reads = new FleetReads({
      client: this.#client,
      link: this.#link,
      keys: this.#keys,
      local: this.#local,
      sync: this.#sync,
      nonces: this.#nonces,
      decode: (key, text) => this.#decode(key, text),
      now: options.now,
      commandTimeoutMs: options.commandTimeoutMs,
      heardWithinMs: this.heardWithinMs,
    });
    this.#writes = new FleetWrites({
      link: this.#link,
      scripts: this.#scripts,
      keys: this.#keys,
      local: this.#local,
      tags: this.tags,
      report: this.#report,
      nonces: this.#nonces,
      serializer: options.serializer,
      now: options.now,
      log: this.#log,
      prefix: options.prefix,
      instanceId: this.#id,
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
    this.#client.start();
  }

  get available(): boolean {
    return this.#link.up && this.#sync.trusted() && !this.#report.failing;
  }

  stats(): RedisStoreStats {
    return {
      writes: { ...this.#report.stats },
      localEntries: this.#local.size,
      available: this.available,
      inSync: this.#sync.trusted(),
    };
  }

  onInvalidate(listener: (key: string | undefined) => void): () => void {
    this.#deleteListeners.add(listener);
    return () => {
      this.#deleteListeners.delete(listener);
    };
  }

  #deleted(key: string | undefined): void {
    for (const listener of [...this.#deleteListeners]) listener(key);
  }

  on(event: "writeFailed", listener: (failure: WriteFailure) => void): () => void {
    if (event !== "writeFailed") throw new TypeError(`isr-plug: redis store has no event ${String(event)}`);
    return this.#report.on(listener);
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
    return this.#reads.get(key);
  }

  async set(key: string, entry: StoreEntry, ttlMs: number): Promise<void> {
    if (ttlMs > 0) return this.#writes.set(key, entry, ttlMs);
    this.#forget(key);
    await this.#link.run(() => this.#writes.drop(key))?.catch(() => {});
  }

  async delete(key: string): Promise<void> {
    this.#forget(key);
    const dropped = this.#link.run(() => this.#writes.drop(key));
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
      (permit) => this.#writes.produce(key, permit, produce),
      seen,
      context.signal,
    );
  }

  async clear(): Promise<void> {
    this.#local.dropAll();
    this.#reads.forgetAll();
    if (!this.#link.up) throw unavailable("only this process's copies were cleared");
    try {
      await clearPrefix(this.#client, this.#keys, encodeMessage({ i: this.#id, o: "c", k: "" }), (command) =>
        this.#required(command),
      );
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
    this.#report.close();
    this.#changed();
    await this.#subscriber.close();
    this.#client.release();
  }

  // The inspector's fleet view; everything about it lives in scan.ts.
  scanEntries(options: ScanEntriesOptions): Promise<EntryScan> {
    const { serializer, now } = this.#options;
    const run = <T>(command: () => Promise<T>) =>
      this.#link.run(command) ?? Promise.reject(unavailable("the fleet view cannot be read"));
    return scanEntries({ client: this.#client, prefix: this.prefix, serializer, now, run }, options);
  }

  /** A write of a few bytes, to learn whether Redis takes writes again. */
  #probeWrites(): void {
    const probe = this.#link.run(() => this.#client.set(this.#keys.probe, "1", 1000));
    // A refused probe changes nothing: writes are failing already.
    probe?.then(
      () => this.#report.took(),
      () => {},
    );
  }

  #required<T>(command: () => Promise<T>): Promise<T> {
    return this.#link.run(command) ?? Promise.reject(unavailable("clear did not finish"));
  }

  /** Forgets the local copy and any read in flight, so nothing read before this comes back. */
  #forget(key: string): void {
    this.#local.drop(key);
    this.#reads.forget(key);
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
    this.#reads.forgetAll();
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
        this.#reads.forgetAll();
        this.#leases.wakeAll("changed");
        this.#deleted(undefined);
        return;
      default: {
        const key = message.k;
        const kept = this.#local.drop(key, message.o === "s" ? message.n : undefined);
        this.#reads.forget(key);
        this.#leases.wake(key, "changed");
        if (message.o === "d") this.#deleted(key);
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
