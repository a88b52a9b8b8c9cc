/** Base class of every error isr-plug creates; `code` is stable across versions. */
export class IsrError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IsrError";
    this.code = code;
  }
}

/** A fetch ran longer than `timeoutMs`; its `signal` has been aborted with this error. */
export class IsrTimeoutError extends IsrError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, key: string) {
    super(`isr-plug: fetch for key ${key} timed out after ${timeoutMs} ms`, "ISR_TIMEOUT");
    this.name = "IsrTimeoutError";
    this.timeoutMs = timeoutMs;
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
