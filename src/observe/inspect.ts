import { ageOf, standingOf } from "../entry.js";
import type { InspectedEntry } from "../isr.js";
import type { StoreEntry } from "../stores/store.js";
import type { TagRegistry } from "../tags.js";
import type { KeyRecord } from "./recent.js";

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
