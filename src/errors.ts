/** Base class of every error isr-plug creates; `code` is stable across versions. */
export class IsrError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IsrError";
    this.code = code;
  }
}

/**
 * A fetch ran longer than `timeoutMs` (its `signal` has been aborted with this error), or,
 * with `soft: true`, longer than `softTimeoutMs` (an older value was served; it goes on).
 */
export class IsrTimeoutError extends IsrError {
  readonly timeoutMs: number;
  readonly soft: boolean;
  constructor(timeoutMs: number, key: string, soft = false) {
    super(
      `isr-plug: fetch for key ${key} ${soft ? "passed its soft deadline" : "timed out"} after ${timeoutMs} ms`,
      "ISR_TIMEOUT",
    );
    this.name = "IsrTimeoutError";
    this.timeoutMs = timeoutMs;
    this.soft = soft;
  }
}

/** The engine was closed: no new fetch starts, and in-flight fetches are aborted with this reason. */
export class IsrClosedError extends IsrError {
  constructor() {
    super("isr-plug: the engine is closed", "ISR_CLOSED");
    this.name = "IsrClosedError";
  }
}

/** `fetch` resolved with something that cannot be cached (`undefined`). */
export class IsrFetchError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "ISR_FETCH", options);
    this.name = "IsrFetchError";
  }
}

/** Too many fetches: `maxConcurrentFetches` are running and `maxQueuedFetches` are waiting. */
export class IsrOverloadedError extends IsrError {
  constructor(maxConcurrentFetches: number, maxQueuedFetches: number) {
    super(
      `isr-plug: overloaded: ${maxConcurrentFetches} fetches running and ${maxQueuedFetches} waiting`,
      "ISR_OVERLOADED",
    );
    this.name = "IsrOverloadedError";
  }
}

/** A key refused by admission control (`maxKeys`, `maxKeyLength`); nothing was fetched. */
export class IsrKeyRejectedError extends IsrError {
  constructor(reason: string) {
    super(`isr-plug: key rejected: ${reason}`, "ISR_KEY_REJECTED");
    this.name = "IsrKeyRejectedError";
  }
}
