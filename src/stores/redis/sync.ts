import type { Log } from "../../log.js";

export interface SyncDeps {
  /** Reads the fleet's tag record and applies it; `undefined` when Redis is unusable. */
  syncTags: () => Promise<void> | undefined;
  /** The heard-within bound: how long a confirmation is trusted. */
  boundMs: number;
  /** Pause between two resync attempts that failed. */
  retryMs: number;
  log: Log;
  prefix: string;
  /** The state changed (for `ready()` and `available`). */
  changed: () => void;
}

/**
 * How far this process may trust what it heard from the fleet. It trusts its local copies
 * (and its engines' tag records) only while:
 * - its pub/sub connection is subscribed,
 * - the resync after that subscription succeeded: the tag record was read again, and local
 *   copies were dropped, so nothing announced while it was not listening is missing, and
 * - the last confirmation (a heartbeat answered, or that resync) is younger than `boundMs`.
 * So every invalidation is heard, or this process stops trusting its copies, within
 * `boundMs` of the invalidation. A resync that fails is retried until it succeeds.
 *
 * Times are `performance.now()`: no wall clock is involved.
 */
export class FleetSync {
  readonly #deps: SyncDeps;
  #listening = false;
  #synced = false;
  #closed = false;
  /** Bumped on every subscription and loss, so a late resync of an older one counts for nothing. */
  #epoch = 0;
  #subscribedAt = Number.NEGATIVE_INFINITY;
  /** Every announcement published before this time was heard (or made up for by a resync). */
  #confirmedAt = Number.NEGATIVE_INFINITY;
  /** Every tag invalidation recorded before this time is known to this process's engines. */
  #tagsKnownAt = Number.NEGATIVE_INFINITY;
  #catchingUp: Promise<number | undefined> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #failingSince: number | undefined;

  constructor(deps: SyncDeps) {
    this.#deps = deps;
  }

  /** Local copies may be served as they are. */
  trusted(now = performance.now()): boolean {
    return this.#listening && this.#synced && now - this.#confirmedAt < this.#deps.boundMs;
  }

  /** The engines' tag records are current enough to judge an entry read from Redis now. */
  tagsCurrent(now = performance.now()): boolean {
    return now - this.#tagsKnownAt < this.#deps.boundMs;
  }

  /** When the engines' tag records were last known current (`performance.now()`). */
  get tagsKnownAt(): number {
    return this.#tagsKnownAt;
  }

  /** The subscription was confirmed at `at`: read everything again before trusting anything. */
  subscribed(at: number): void {
    this.#epoch += 1;
    this.#listening = true;
    this.#synced = false;
    this.#subscribedAt = at;
    this.#resync(this.#epoch);
  }

  /** The subscription was lost, or went silent. */
  lost(): void {
    this.#epoch += 1;
    this.#listening = false;
    this.#synced = false;
    this.#stopRetrying();
    this.#deps.changed();
  }

  /** A heartbeat sent at `sentAt` came back: everything published before it was heard. */
  confirmed(sentAt: number): void {
    if (!this.#listening || !this.#synced || sentAt < this.#subscribedAt) return;
    if (sentAt > this.#confirmedAt) this.#confirmedAt = sentAt;
    if (sentAt > this.#tagsKnownAt) this.#tagsKnownAt = sentAt;
  }

  /** Commands go through again: a resync waiting for that tries at once. */
  linkUp(): void {
    if (this.#listening && !this.#synced && !this.#closed) {
      this.#stopRetrying();
      this.#resync(this.#epoch);
    }
  }

  /**
   * Reads the tag record now (one read at a time, shared). Resolves with the time the read
   * was sent once it is applied, `undefined` if it failed; `undefined` at once when Redis is
   * unusable.
   */
  catchUp(): Promise<number | undefined> | undefined {
    if (this.#catchingUp !== undefined) return this.#catchingUp;
    const sentAt = performance.now();
    const read = this.#deps.syncTags();
    if (read === undefined) return undefined;
    const caughtUp = read.then(
      () => {
        if (sentAt > this.#tagsKnownAt) this.#tagsKnownAt = sentAt;
        return sentAt;
      },
      (error: unknown) => {
        this.#reportFailure(error);
        return undefined;
      },
    );
    this.#catchingUp = caughtUp;
    const clear = () => {
      if (this.#catchingUp === caughtUp) this.#catchingUp = undefined;
    };
    caughtUp.then(clear, clear);
    return caughtUp;
  }

  close(): void {
    this.#closed = true;
    this.#stopRetrying();
  }

  #resync(epoch: number): void {
    if (this.#closed || epoch !== this.#epoch) return;
    const attempt = this.catchUp();
    if (attempt === undefined) {
      this.#retryLater(epoch);
      return;
    }
    attempt.then((sentAt) => {
      if (this.#closed || epoch !== this.#epoch) return;
      if (sentAt === undefined) {
        this.#retryLater(epoch);
        return;
      }
      // A read that left before the subscription may have missed what was announced in between.
      if (sentAt < this.#subscribedAt) {
        this.#resync(epoch);
        return;
      }
      this.#synced = true;
      if (this.#subscribedAt > this.#confirmedAt) this.#confirmedAt = this.#subscribedAt;
      if (this.#failingSince !== undefined) {
        this.#failingSince = undefined;
        this.#deps.log.warn({ prefix: this.#deps.prefix }, "caught up with the fleet's invalidations");
      }
      this.#deps.changed();
    });
  }

  #retryLater(epoch: number): void {
    this.#stopRetrying();
    this.#retry = setTimeout(() => this.#resync(epoch), this.#deps.retryMs);
    this.#retry.unref?.();
  }

  #stopRetrying(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #reportFailure(error: unknown): void {
    if (this.#failingSince !== undefined) return;
    this.#failingSince = performance.now();
    this.#deps.log.warn(
      { prefix: this.#deps.prefix, err: error },
      "could not read the fleet's tag invalidations; local copies are not trusted until it succeeds (retrying)",
    );
  }
}
