import { LRUCache } from "lru-cache";
import type { ErrorBackoffOptions } from "../options.js";

interface Failure {
  failures: number;
  retryAt: number;
  error: unknown;
}

/** Keys whose failures are remembered; beyond it the oldest are forgotten (they retry at once). */
const MAX_TRACKED_KEYS = 10_000;

/**
 * Per-key error backoff: after the n-th consecutive failure, the next attempt waits
 * min(maxMs, minMs · 2^(n−1)), jittered to between half and all of it, so a failing origin is
 * not hit by every stale request and keys do not retry in lockstep.
 */
export class ErrorBackoff {
  readonly #failures = new LRUCache<string, Failure>({ max: MAX_TRACKED_KEYS });
  readonly #options: Required<ErrorBackoffOptions>;
  /** A clock that never goes back: a wall clock set back must not stretch a wait. */
  readonly #elapsed: () => number;

  constructor(options: Required<ErrorBackoffOptions>, elapsed: () => number) {
    this.#options = options;
    this.#elapsed = elapsed;
  }

  failed(key: string, error: unknown): void {
    const failures = (this.#failures.get(key)?.failures ?? 0) + 1;
    const { minMs, maxMs } = this.#options;
    const delay = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 52));
    const jittered = delay / 2 + Math.random() * (delay / 2);
    this.#failures.set(key, { failures, retryAt: this.#elapsed() + jittered, error });
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }

  /** The last error of `key` while it must still wait, else undefined. */
  waiting(key: string): Failure | undefined {
    const failure = this.#failures.get(key);
    return failure !== undefined && this.#elapsed() < failure.retryAt ? failure : undefined;
  }
}
