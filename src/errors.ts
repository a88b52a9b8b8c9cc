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

/** `fetch` resolved with something that cannot be cached (`undefined`), or failed without a reason. */
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

/**
 * A fetch waits for its own result: it `get`s (directly, or through other keys of the same
 * engine) the key it is fetching. Without this error it would wait forever.
 */
export class IsrDeadlockError extends IsrError {
  constructor(key: string) {
    super(
      `isr-plug: the fetch for key ${key} waits for its own result (it gets the key it is fetching); fetch the data it needs directly instead`,
      "ISR_DEADLOCK",
    );
    this.name = "IsrDeadlockError";
  }
}

/** A store broke its contract (e.g. `coordinate` resolved no entry for a miss). */
export class IsrStoreError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "ISR_STORE", options);
    this.name = "IsrStoreError";
  }
}

/** A fleet store could not reach Redis for something that must reach it (`delete`, `invalidateTag`, `clear`). */
export class IsrRedisUnavailableError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "ISR_REDIS_UNAVAILABLE", options);
    this.name = "IsrRedisUnavailableError";
  }
}

/**
 * A Redis command did not answer within the fleet store's `commandTimeoutMs`. It reaches you
 * as the `cause` of an `IsrRedisUnavailableError`, and in the store's log lines.
 */
export class IsrRedisTimeoutError extends IsrError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`isr-plug: redis did not answer within ${timeoutMs} ms`, "ISR_REDIS_TIMEOUT");
    this.name = "IsrRedisTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Builds an error without capturing a stack trace. Refusals under a flood (`maxKeys`,
 * `maxQueuedFetches`) are answered with one of these per request: a stack trace per refused
 * request would cost more than the request costs its sender, and a shared instance would
 * carry one request's changes (`err.status = …`) into every later one.
 */
export function withoutStack<T extends Error>(create: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return create();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
