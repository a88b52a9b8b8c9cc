import { IsrRedisTimeoutError } from "../../errors.js";
import type { Log } from "../../log.js";
import { isReplyError, type RedisConnection } from "./client.js";

/**
 * Settles like `pending` (as soon as it does), or rejects with `IsrRedisTimeoutError` once
 * `ms` have passed. The time counts from the end of the event-loop turn that sent the
 * command: node-redis writes its commands then (in a setImmediate), and the time this process
 * spends before a command leaves it says nothing about Redis. One more turn is given when
 * the deadline passes: timers run before the poll phase, so on a loaded process a reply that
 * already sits in the socket would lose to the timer and count as an outage; `setImmediate`
 * runs after the poll phase, once that reply has been read, so it wins.
 */
export function bounded<T>(pending: PromiseLike<T>, ms: number): Promise<T> {
  let settled = false;
  /** When the turn that sent the command ended (undefined until then). */
  let sentAt: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<T>((resolve, reject) => {
    pending.then(
      (value) => {
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
    setImmediate(() => {
      sentAt = performance.now();
    });
    const expire = () => {
      if (settled) return;
      // A turn that outlasted the deadline: the timer fires before the command was even sent.
      if (sentAt === undefined) {
        setImmediate(expire);
        return;
      }
      const left = sentAt + ms - performance.now();
      if (left > 0) {
        timer = setTimeout(expire, left);
        return;
      }
      setImmediate(() => {
        if (!settled) reject(new IsrRedisTimeoutError(ms));
      });
    };
    timer = setTimeout(expire, ms);
  });
}

/** A command that was never sent: the first connection did not come up in time. */
export class CommandNotSentError extends Error {
  constructor() {
    super("isr-plug: redis is not connected yet; the command was not sent");
    this.name = "CommandNotSentError";
  }
}

/** Statuses of a client whose first connection is being made. */
const CONNECTING = new Set(["wait", "connecting", "connect"]);

export interface LinkOptions {
  commandTimeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  prefix: string;
  /** Called when Redis is found unusable, so whoever waits on it can stop waiting. */
  onDown?: () => void;
  /** Called when commands go through again (first connection, or breaker closed). */
  onUp?: () => void;
}

/**
 * The store's view of Redis health: per-command timeouts and a circuit breaker. A command
 * is only sent when the client is connected and the breaker closed, so nothing ever waits
 * in a client's offline queue; otherwise `run` answers `undefined` at once and the caller
 * serves from the local tier or the origin. One exception: while the first connection is
 * being made, a command waits for it (at most `commandTimeoutMs`), so a process that just
 * started uses the fleet's entries instead of fetching its own. Going down and coming back
 * are logged once each.
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
  /** While the breaker is open: probes Redis every cooldown, so recovery does not wait for a request. */
  #probeTimer: ReturnType<typeof setInterval> | undefined;
  #stopListening: () => void;
  /** Resolves when the first connection is ready. */
  #firstReady: Promise<void>;
  #resolveFirstReady!: () => void;
  /** On reconnection, probe at once: `up` (and the log) should not wait for the next request. */
  readonly #onReady = () => {
    this.#resolveFirstReady();
    if (!this.#everReady) {
      this.#everReady = true;
      this.#options.onUp?.();
    }
    if (this.#down) this.probe();
  };

  constructor(client: RedisConnection, options: LinkOptions, log: Log) {
    this.#client = client;
    this.#options = options;
    this.#log = log;
    this.#firstReady = new Promise((resolve) => {
      this.#resolveFirstReady = resolve;
    });
    this.#stopListening = client.onReady(this.#onReady);
    if (client.status === "ready") {
      this.#everReady = true;
      this.#resolveFirstReady();
    }
  }

  /** True when commands go through: connected, breaker closed, store open. */
  get up(): boolean {
    return !this.#closed && !this.#down && this.#client.status === "ready";
  }

  close(): void {
    this.#closed = true;
    this.#stopListening();
    this.#resolveFirstReady();
    this.#stopProbing();
  }

  /** Probes Redis (a PING through the breaker) when the breaker lets one through. */
  probe(): void {
    this.run(() => this.#client.ping())?.catch(() => {});
  }

  #stopProbing(): void {
    if (this.#probeTimer !== undefined) clearInterval(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /**
   * Runs `op` with the timeout (the command timeout unless told) when Redis is usable; `undefined`, synchronously, when it is
   * not. During the first connection, a Promise that waits for it first (and rejects with
   * `CommandNotSentError` if it does not come within `commandTimeoutMs`).
   */
  run<T>(op: () => PromiseLike<T>, timeoutMs = this.#options.commandTimeoutMs): Promise<T> | undefined {
    if (this.#closed) return undefined;
    if (!this.#everReady && CONNECTING.has(this.#client.status))
      return this.#afterFirstConnection(op, timeoutMs);
    if (!this.#admit()) return undefined;
    let pending: PromiseLike<T>;
    try {
      pending = op();
    } catch (error) {
      this.#failed(error);
      return Promise.reject(error);
    }
    return bounded(pending, timeoutMs).then(
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

  /** Resolves `true` once the first connection is ready, `false` if `ms` pass first. */
  firstConnection(ms: number): Promise<boolean> {
    if (this.#everReady) return Promise.resolve(true);
    return bounded(this.#firstReady, ms).then(
      () => this.#everReady,
      () => false,
    );
  }

  async #afterFirstConnection<T>(op: () => PromiseLike<T>, timeoutMs: number): Promise<T> {
    const connected = await this.firstConnection(this.#options.commandTimeoutMs);
    const sent = connected ? this.run(op, timeoutMs) : undefined;
    if (sent === undefined) throw new CommandNotSentError();
    return sent;
  }

  #admit(): boolean {
    const status = this.#client.status;
    if (status !== "ready") {
      // The first connection is still being made: skip Redis quietly; a lost one is news.
      if (this.#everReady || !CONNECTING.has(status)) {
        this.#trip({ status });
        this.#disconnected = true;
      }
      return false;
    }
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
    this.#stopProbing();
    this.#log.warn(
      { prefix: this.#options.prefix },
      "redis is back; the fleet shares entries and fetches again",
    );
    this.#options.onUp?.();
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
    if (this.#failures >= this.#options.breakerThreshold) this.#trip({ err: error });
  }

  /** Opens the breaker; `why` is the lost connection's status or the last command's error. */
  #trip(why: { status: string } | { err: unknown }): void {
    this.#openedAt = performance.now();
    this.#probing = false;
    if (this.#down) return;
    this.#down = true;
    this.#disconnected = false;
    this.#failures = 0;
    // Requests served from fresh local copies send no command: probe on a timer as well.
    this.#probeTimer = setInterval(() => this.probe(), this.#options.breakerCooldownMs);
    this.#probeTimer.unref?.();
    this.#log.error(
      { prefix: this.#options.prefix, ...why },
      "redis unavailable; serving from the local tier and fetching from the origin until it is back",
    );
    this.#options.onDown?.();
  }
}
