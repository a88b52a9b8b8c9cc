import { ageOf, standingOf } from "../entry.js";
import type { InspectedEntry } from "../isr.js";
import type { CacheKey } from "../key.js";
import type { Store, StoreEntry } from "../stores/store.js";
import type { TagRegistry } from "../tags.js";
import type { Inspection } from "./inspection.js";
import type { KeyRecord, RecentKeys } from "./recent.js";

/** One recently fetched key as `inspect` lists it. */
export function describeEntry<V, E>(
  id: string,
  record: KeyRecord<E>,
  entry: StoreEntry<V> | undefined,
  now: number,
  tags: TagRegistry,
  withValue: boolean,
): InspectedEntry<V> {
  const described: InspectedEntry<V> = { id, key: record.key, state: "missing", fetching: record.fetching };
  // "How long ago" is read on the clock that stamped `at`: the engine's, which may be a custom one.
  if (record.lastFetch !== undefined) {
    described.lastFetch = { ...record.lastFetch, agoMs: Math.max(0, now - record.lastFetch.at) };
  }
  if (entry === undefined) return described;
  const standing = standingOf(entry, now, tags.verdict(entry));
  described.state = (["fresh", "stale", "stale-if-error", "expired"] as const)[standing];
  described.ageMs = ageOf(entry, now);
  described.ttlMs = entry.staleAt - entry.storedAt;
  described.staleTtlMs = entry.expiresAt - entry.staleAt;
  described.staleIfErrorMs = (entry.staleIfErrorUntil ?? entry.expiresAt) - entry.expiresAt;
  if (entry.tags !== undefined) described.tags = entry.tags;
  if (withValue) described.value = entry.value;
  return described;
}

/** The inspection seam of an engine (see inspection.ts): its recent keys, read from its store. */
export function recentKeysInspection<V, E>(parts: {
  recent: RecentKeys<E>;
  store: Store;
  tags: TagRegistry;
  now: () => number;
  revalidate: (key: CacheKey, extracted: E) => Promise<V>;
}): Inspection<V> {
  const { recent, store, tags, now } = parts;
  return {
    entries: async ({ values }) => {
      const at = now();
      const records = recent.entries();
      const entries = await Promise.all(
        records.map(async ([id]) => {
          try {
            return (await store.get(id)) as StoreEntry<V> | undefined;
          } catch {
            return undefined;
          }
        }),
      );
      return records.map(([id, record], i) => describeEntry(id, record, entries[i], at, tags, values));
    },
    revalidate: (id) => {
      const record = recent.get(id);
      if (record === undefined) return Promise.reject(new TypeError(`isr-plug: no recent key with id ${id}`));
      return parts.revalidate(record.key, record.extracted);
    },
  };
}
