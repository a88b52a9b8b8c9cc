import { LRUCache } from "lru-cache";
import type { CacheKey } from "../key.js";

/** What the engine remembers of a key it fetched, for the inspector. */
export interface KeyRecord<E> {
  key: CacheKey;
  /** The extracted data of the latest fetch, so the inspector can revalidate the key. */
  extracted: E;
  fetching: boolean;
  lastFetch?: { at: number; durationMs: number; ok: boolean; error?: string };
}

/** Keys recently fetched by this engine, bounded: the inspector's list. */
export const RECENT_KEYS_MAX = 1_000;

export class RecentKeys<E> {
  readonly #records = new LRUCache<string, KeyRecord<E>>({ max: RECENT_KEYS_MAX });

  started(storeKey: string, key: CacheKey, extracted: E): KeyRecord<E> {
    const record = this.#records.get(storeKey) ?? { key, extracted, fetching: true };
    record.extracted = extracted;
    record.fetching = true;
    this.#records.set(storeKey, record);
    return record;
  }

  ended(record: KeyRecord<E>, at: number, durationMs: number, failure: { error: unknown } | undefined): void {
    record.fetching = false;
    record.lastFetch = { at, durationMs, ok: failure === undefined };
    if (failure !== undefined) {
      const { error } = failure;
      record.lastFetch.error = error instanceof Error ? error.message : String(error);
    }
  }

  get(storeKey: string): KeyRecord<E> | undefined {
    return this.#records.get(storeKey);
  }

  entries(): [string, KeyRecord<E>][] {
    return [...this.#records.entries()];
  }
}
