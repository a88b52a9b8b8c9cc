import { IsrError } from "../../errors.js";
import type { Log } from "../../log.js";
import type { RedisConnection } from "./client.js";

/** A Redis command that did not answer within `commandTimeoutMs`. */
export class RedisTimeoutError extends IsrError {
  constructor(ms: number) {
    super(`isr-plug: redis did not answer within ${ms} ms`, "ISR_REDIS_TIMEOUT");
    this.name = "RedisTimeoutError";
  }
}

/**
 * Races `promise` against `ms`. When the timer fires, one more turn of the event loop runs
 * first: under CPU load the reply may already sit in the socket behind the timer, and it
 * should win rather than count as an outage.
 */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new RedisTimeoutError(ms));
      });
    }, ms);
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A Redis error reply: Redis answered, so it says nothing about Redis being reachable. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === "ReplyError";
}

const NEVER_CONNECTED = new Set(["wait", "connecting", "connect"]);

export interface LinkOptions {
  commandTimeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  prefix: string;
  /** Called when Redis is found unusable, so whoever waits on it can stop waiting. */
  onDown?: () => void;
}

/**
 * The store's view of Redis health: per-command timeouts and a circuit breaker. A command
 * is only sent when the client is connected and the breaker closed, so nothing ever waits
 * in ioredis's offline queue; otherwise `run` answers `undefined` at once and the caller
 * serves from the local tier or the origin. Going down and coming back are logged once each.
 */
export class RedisLink {
  readonly #client: RedisConnection;
  readonly #options: LinkOptions;
  readonly #log: Log;
  #down = false;
  /** Why the breaker is open: the connection dropped (probe as soon as it is back) or commands fail (wait the cooldown). */
  #disconnected = false;
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  #everReady = false;
  #closed = false;
  /** On reconnection, probe at once: `up` (and the log) should not wait for the next request. */
  readonly #onReady = () => {
    if (this.#down) this.run(() => this.#client.call("PING"))?.catch(() => {});
  };

  constructor(client: RedisConnection, options: LinkOptions, log: Log) {
    this.#client = client;
    this.#options = options;
    this.#log = log;
    client.on("ready", this.#onReady);
  }

  /** True when commands go through: connected, breaker closed, store open. */
  get up(): boolean {
    return !this.#closed && !this.#down && this.#client.status === "ready";
  }

  close(): void {
    this.#closed = true;
    this.#client.removeListener("ready", this.#onReady);
  }

  /** Runs `op` with the timeout when Redis is usable; `undefined`, synchronously, when it is not. */
  run<T>(op: () => PromiseLike<T>): Promise<T> | undefined {
    if (!this.#admit()) return undefined;
    let pending: PromiseLike<T>;
    try {
      pending = op();
    } catch (error) {
      this.#failed(error);
      return Promise.reject(error);
    }
    return withTimeout(pending, this.#options.commandTimeoutMs).then(
      (value) => {
        this.#succeeded();
        return value;
      },
      (error: unknown) => {
        if (isReplyError(error)) this.#succeeded();
        else this.#failed(error);
        throw error;
      },
    );
  }

  #admit(): boolean {
    if (this.#closed) return false;
    const status = this.#client.status;
    if (status !== "ready") {
      // The first connection is still being made: skip Redis quietly; a lost one is news.
      if (this.#everReady || !NEVER_CONNECTED.has(status)) {
        this.#trip(new IsrError(`isr-plug: redis connection is ${status}`, "ISR_REDIS_DOWN"));
        this.#disconnected = true;
      }
      return false;
    }
    this.#everReady = true;
    if (!this.#down) return true;
    if (this.#probing) return false;
    if (this.#disconnected || performance.now() - this.#openedAt >= this.#options.breakerCooldownMs) {
      this.#probing = true;
      return true;
    }
    return false;
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#probing = false;
    if (!this.#down) return;
    this.#down = false;
    this.#disconnected = false;
    this.#log.warn(
      { prefix: this.#options.prefix },
      "redis is back; the fleet shares entries and fetches again",
    );
  }

  #failed(error: unknown): void {
    this.#failures += 1;
    if (this.#down) {
      // A failed probe: wait a full cooldown before the next one.
      this.#probing = false;
      this.#disconnected = false;
      this.#openedAt = performance.now();
      return;
    }
    if (this.#failures >= this.#options.breakerThreshold) this.#trip(error);
  }

  #trip(error: unknown): void {
    this.#openedAt = performance.now();
    this.#probing = false;
    if (this.#down) return;
    this.#down = true;
    this.#disconnected = false;
    this.#failures = 0;
    this.#log.error(
      { prefix: this.#options.prefix, err: error },
      "redis unavailable; serving from the local tier and fetching from the origin until it is back",
    );
    this.#options.onDown?.();
  }
}
