import type { StoreEntry } from "../store.js";

/** Where an entry's key lives in its namespace: a string key, an array key, or any other store key. */
export enum KeyKind {
  String = 0,
  Array = 1,
  Other = 2,
}

/**
 * An entry's lifetimes, shared by every entry stored with the same ones (an engine's entries
 * usually are), so an entry holds one pointer instead of three times. `exact` keeps the
 * given times of an entry whose times cannot be rebuilt exactly from durations.
 */
export interface Life {
  readonly ttlMs: number;
  readonly staleTtlMs: number;
  /** undefined: no stale-if-error window. */
  readonly staleIfErrorMs: number | undefined;
  readonly exact: StoreEntry | undefined;
}

/** What an entry needs of the table that indexes it. */
export interface EntryTable {
  remove(entry: MemoryEntry): void;
  storeKeyOf(entry: MemoryEntry): string;
}

/**
 * One entry of the memory store: the engine's entry, kept compact (its times as one stored-at
 * time and a shared Life), with the store's bookkeeping. It reads as a `StoreEntry`.
 */
export class MemoryEntry implements StoreEntry {
  readonly value: unknown;
  readonly storedAt: number;
  readonly life: Life;
  readonly tags: readonly string[] | undefined;
  readonly tagSeq: number | undefined;
  /** Read since the eviction hand last passed: SIEVE's one bit. */
  visited = false;
  /** Toward the newest entry. */
  newer: MemoryEntry | undefined = undefined;
  /** Toward the oldest entry. */
  older: MemoryEntry | undefined = undefined;
  /** When the store may drop it, in whole ms on the store's clock since the store was made. */
  dropAt = 0;
  readonly kind: KeyKind;
  /** The key inside its namespace: a string, or the parts of an array key. */
  readonly key: string | readonly (string | number)[];
  readonly table: EntryTable;
  /** The object given to the generic `Store.set`, handed back as is by `Store.get`. */
  readonly source: StoreEntry | undefined;

  constructor(
    kind: KeyKind,
    key: string | readonly (string | number)[],
    table: EntryTable,
    entry: StoreEntry,
    life: Life,
    source: StoreEntry | undefined,
  ) {
    this.source = source;
    this.kind = kind;
    this.key = key;
    this.table = table;
    this.value = entry.value;
    this.storedAt = entry.storedAt;
    this.life = life;
    this.tags = entry.tags;
    this.tagSeq = entry.tagSeq;
  }

  get staleAt(): number {
    const life = this.life;
    return life.exact === undefined ? this.storedAt + life.ttlMs : life.exact.staleAt;
  }

  get expiresAt(): number {
    const life = this.life;
    return life.exact === undefined ? this.storedAt + life.ttlMs + life.staleTtlMs : life.exact.expiresAt;
  }

  get staleIfErrorUntil(): number | undefined {
    const life = this.life;
    if (life.exact !== undefined) return life.exact.staleIfErrorUntil;
    return life.staleIfErrorMs === undefined
      ? undefined
      : this.storedAt + life.ttlMs + life.staleTtlMs + life.staleIfErrorMs;
  }

  /** A plain `StoreEntry` with exactly the fields that were stored. */
  toStoreEntry(): StoreEntry {
    const entry: StoreEntry = {
      value: this.value,
      storedAt: this.storedAt,
      staleAt: this.staleAt,
      expiresAt: this.expiresAt,
    };
    const staleIfErrorUntil = this.staleIfErrorUntil;
    if (staleIfErrorUntil !== undefined) entry.staleIfErrorUntil = staleIfErrorUntil;
    if (this.tags !== undefined) entry.tags = this.tags;
    if (this.tagSeq !== undefined) entry.tagSeq = this.tagSeq;
    return entry;
  }
}

/**
 * The Life of an entry, reusing `last` when the durations match (they do for an engine's
 * entries unless jitter or `setTtl` made them differ).
 */
export function lifeOf(entry: StoreEntry, last: Life | undefined): Life {
  const { storedAt, staleAt, expiresAt, staleIfErrorUntil } = entry;
  const ttlMs = staleAt - storedAt;
  const staleTtlMs = expiresAt - staleAt;
  const staleIfErrorMs = staleIfErrorUntil === undefined ? undefined : staleIfErrorUntil - expiresAt;
  // Times are rebuilt as storedAt + durations: keep the given ones where that would not be exact.
  const exact =
    storedAt + ttlMs === staleAt &&
    storedAt + ttlMs + staleTtlMs === expiresAt &&
    (staleIfErrorMs === undefined || storedAt + ttlMs + staleTtlMs + staleIfErrorMs === staleIfErrorUntil);
  if (!exact) {
    return {
      ttlMs,
      staleTtlMs,
      staleIfErrorMs,
      exact: { value: undefined, storedAt, staleAt, expiresAt, staleIfErrorUntil },
    };
  }
  if (
    last !== undefined &&
    last.exact === undefined &&
    last.ttlMs === ttlMs &&
    last.staleTtlMs === staleTtlMs &&
    last.staleIfErrorMs === staleIfErrorMs
  ) {
    return last;
  }
  return { ttlMs, staleTtlMs, staleIfErrorMs, exact: undefined };
}
