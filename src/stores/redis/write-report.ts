import type { Log } from "../../log.js";

/** What `RedisStore.stats()` reports about writes to Redis. Counters only grow. */
export interface RedisWriteStats {
  /** Entries written to Redis (and announced). */
  stored: number;
  /** Writes Redis refused because the key changed while the value was fetched (an invalidation, a newer entry). */
  refused: number;
  /** Writes (and fetch leases) Redis answered with an error: a full memory (`OOM`), say. */
  failed: number;
  /** Values kept in this process only: Redis was unusable, or could not be asked before the fetch. */
  localOnly: number;
}

export interface WriteFailure {
  /** The store key. */
  key: string;
  error: unknown;
}

type Listener = (failure: WriteFailure) => void;

/**
 * Write failures are reported, never silent: each one is counted and emitted; the change of
 * state (Redis refusing writes, then taking them again) is logged once each way, and the
 * store is not `available` in between. Such a Redis still answers reads, so nothing else
 * would notice: the fleet shares nothing new, and leases fail, so processes fetch on their own.
 */
export class WriteReport {
  readonly stats: RedisWriteStats = { stored: 0, refused: 0, failed: 0, localOnly: 0 };
  readonly #log: Log;
  readonly #prefix: string;
  readonly #listeners = new Set<Listener>();
  readonly #probe: () => void;
  readonly #probeEveryMs: number;
  #failing = false;
  #probeTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * `probe` tries a small write whose outcome comes back through `took` or `failed`: while
   * writes fail it runs every `probeEveryMs`, so recovery is seen even when no fetch writes.
   */
  constructor(log: Log, prefix: string, probe: () => void, probeEveryMs: number) {
    this.#log = log;
    this.#prefix = prefix;
    this.#probe = probe;
    this.#probeEveryMs = probeEveryMs;
  }

  /** True from a write Redis refused with an error until one it takes. */
  get failing(): boolean {
    return this.#failing;
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  failed(key: string, error: unknown): void {
    this.stats.failed += 1;
    for (const listener of [...this.#listeners]) {
      try {
        listener({ key, error });
      } catch (thrown) {
        this.#log.error({ prefix: this.#prefix, err: thrown }, "writeFailed listener threw");
      }
    }
    if (this.#failing) return;
    this.#failing = true;
    this.#probeTimer = setInterval(() => this.#probe(), this.#probeEveryMs);
    this.#probeTimer.unref?.();
    this.#log.error(
      { prefix: this.#prefix, key, err: error },
      "redis refuses writes; values are served and kept in each process only, and processes fetch on their own, until it takes them again",
    );
  }

  /** Redis took a write (or a lease). */
  took(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.close();
    this.#log.warn({ prefix: this.#prefix }, "redis takes writes again");
  }

  stored(): void {
    this.stats.stored += 1;
    this.took();
  }

  refused(): void {
    this.stats.refused += 1;
    this.took();
  }

  localOnly(): void {
    this.stats.localOnly += 1;
  }

  close(): void {
    if (this.#probeTimer !== undefined) clearInterval(this.#probeTimer);
    this.#probeTimer = undefined;
  }
}
