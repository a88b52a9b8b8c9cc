import type { CacheKey } from "../key.js";
import { checkDuration, type FetchContext, type ValueTtls } from "../options.js";
import type { FetchPurpose, StoreEntry } from "../stores/store.js";
import { checkTags } from "../tags.js";

/** The `context` one fetch receives, and what the fetch asked for through it. */
export class FetchControl<V> implements FetchContext<V> {
  readonly key: CacheKey;
  readonly signal: AbortSignal;
  readonly previous: { readonly value: V; readonly storedAt: number } | undefined;
  ttls: ValueTtls | undefined;
  cache = true;
  extraTags: string[] | undefined;
  /**
   * Why the fetch runs. Not part of the public `FetchContext`: the response cache reads it to
   * render a miss on the waiting client's own response, and a refresh without one. @internal
   */
  readonly purpose: FetchPurpose;

  constructor(
    key: CacheKey,
    signal: AbortSignal,
    previous: StoreEntry<V> | undefined,
    purpose: FetchPurpose,
  ) {
    this.key = key;
    this.purpose = purpose;
    this.signal = signal;
    this.previous =
      previous === undefined ? undefined : { value: previous.value, storedAt: previous.storedAt };
    // Methods are handed to user code that may detach them (`const { noCache } = ctx`).
    this.setTtl = this.setTtl.bind(this);
    this.noCache = this.noCache.bind(this);
    this.addTags = this.addTags.bind(this);
  }

  setTtl(ttls: ValueTtls): void {
    if (ttls === null || typeof ttls !== "object") {
      throw new TypeError("isr-plug: setTtl takes { ttlMs, staleTtlMs, staleIfErrorMs }");
    }
    const next: ValueTtls = { ...this.ttls };
    for (const name of ["ttlMs", "staleTtlMs", "staleIfErrorMs"] as const) {
      if (ttls[name] !== undefined) next[name] = checkDuration(name, ttls[name], 0);
    }
    this.ttls = next;
  }

  noCache(): void {
    this.cache = false;
  }

  addTags(...tags: string[]): void {
    this.extraTags = checkTags([...(this.extraTags ?? []), ...tags]);
  }
}
