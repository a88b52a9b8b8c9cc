import type { FetchControl } from "./fetch/context.js";
import type { ResolvedOptions } from "./options.js";
import type { StoreEntry } from "./stores/store.js";
import { checkTags, TagVerdict } from "./tags.js";

/**
 * Where an entry stands now: servable fresh, servable stale, servable only as stale-if-error
 * (when the origin fails), or gone.
 */
export enum Standing {
  Fresh = 0,
  Stale = 1,
  StaleIfError = 2,
  Gone = 3,
}

/** Two comparisons on the entry's absolute times, after tag invalidations. */
export function standingOf(entry: StoreEntry, now: number, verdict: TagVerdict): Standing {
  if (verdict === TagVerdict.Hard) return Standing.Gone;
  if (now < entry.staleAt && verdict === TagVerdict.None) return Standing.Fresh;
  if (now < entry.expiresAt) return Standing.Stale;
  if (entry.staleIfErrorUntil !== undefined && now < entry.staleIfErrorUntil) return Standing.StaleIfError;
  return Standing.Gone;
}

/**
 * A new entry and how long a store should keep it. `storedAt` is the clock's reading, never
 * moved by anything else; `tagSeq` orders it against tag invalidations.
 */
export function createEntry<V, E>(
  value: V,
  extracted: E,
  control: FetchControl<V>,
  options: ResolvedOptions<V, E>,
  storedAt: number,
  tagSeq: number,
): { entry: StoreEntry<V>; retentionMs: number } {
  const set = control.ttls;
  let ttlMs = set?.ttlMs ?? options.ttlMs;
  // Jitter only shortens the lifetime the engine chose; one a fetch set itself is kept exact.
  if (set?.ttlMs === undefined && options.ttlJitterMs > 0)
    ttlMs -= Math.floor(Math.random() * options.ttlJitterMs);
  const staleTtlMs = set?.staleTtlMs ?? options.staleTtlMs;
  const staleIfErrorMs = set?.staleIfErrorMs ?? options.staleIfErrorMs;
  const staleAt = storedAt + ttlMs;
  const expiresAt = staleAt + staleTtlMs;
  const entry: StoreEntry<V> = { value, storedAt, staleAt, expiresAt };
  if (staleIfErrorMs > 0) entry.staleIfErrorUntil = expiresAt + staleIfErrorMs;
  const tags = tagsOf(value, extracted, control, options);
  if (tags !== undefined) {
    entry.tags = tags;
    entry.tagSeq = tagSeq;
  }
  return { entry, retentionMs: ttlMs + staleTtlMs + staleIfErrorMs };
}

function tagsOf<V, E>(
  value: V,
  extracted: E,
  control: FetchControl<V>,
  options: ResolvedOptions<V, E>,
): readonly string[] | undefined {
  const fromOption = options.tags?.(value, extracted);
  if (fromOption === undefined && control.extraTags === undefined) return undefined;
  if (fromOption !== undefined && !Array.isArray(fromOption)) {
    throw new TypeError('isr-plug: "tags" must return an array of strings');
  }
  const tags = checkTags([...(fromOption ?? []), ...(control.extraTags ?? [])]);
  return tags.length === 0 ? undefined : tags;
}

/** ms since the entry was stored; never negative, even if the clock stepped back. */
export function ageOf(entry: StoreEntry, now: number): number {
  return now > entry.storedAt ? now - entry.storedAt : 0;
}
