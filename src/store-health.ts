import type { CacheKey } from "./key.js";
import type { Log } from "./log.js";

/**
 * Whether the store answers. A store that throws or rejects fails open (requests go to the
 * origin); the change of state is logged once each way, never per request.
 */
export class StoreHealth {
  readonly #namespace: string;
  readonly #log: Log;
  failing = false;

  constructor(namespace: string, log: Log) {
    this.#namespace = namespace;
    this.#log = log;
  }

  failed(error: unknown, key?: CacheKey): void {
    if (this.failing) return;
    this.failing = true;
    this.#log.error(
      { namespace: this.#namespace, key, err: error },
      "store failed; serving from the origin until it recovers",
    );
  }

  answered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.#log.warn({ namespace: this.#namespace }, "store recovered");
  }
}
