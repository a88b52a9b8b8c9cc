import type { StoreEntry } from "./stores/store.js";

/** How an entry stands after tag invalidations: untouched, soft (stale), or hard (gone). */
export enum TagVerdict {
  None = 0,
  Soft = 1,
  Hard = 2,
}

export type InvalidationMode = "soft" | "hard";

interface TagRecord {
  softAt: number;
  hardAt: number;
  /** Local sequence number of the record's latest invalidation, to spot fetches it overtook. */
  seq: number;
}

const MAX_TAGS_PER_ENTRY = 64;
const MAX_TAG_LENGTH = 256;

/** Checks the tags of a value: a few short strings. */
export function checkTags(tags: readonly unknown[]): string[] {
  if (tags.length > MAX_TAGS_PER_ENTRY) {
    throw new TypeError(`isr-plug: a value may carry at most ${MAX_TAGS_PER_ENTRY} tags, got ${tags.length}`);
  }
  for (const tag of tags) checkTag(tag);
  return [...new Set(tags as string[])];
}

export function checkTag(tag: unknown): asserts tag is string {
  if (typeof tag !== "string" || tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
    throw new TypeError(
      `isr-plug: a tag must be a string of 1 to ${MAX_TAG_LENGTH} characters, got ${String(tag)}`,
    );
  }
}

/**
 * Tag invalidations as versions checked on read: `invalidateTag` writes one record, and an
 * entry is invalidated when one of its tags was invalidated at or after it was stored. No
 * scan, so the cost does not grow with the number of entries. At most `maxTags` records are
 * kept; the oldest ones are folded into floors (any tagged entry stored before a floor counts
 * as invalidated), which may invalidate more than asked but never less.
 */
export class TagRegistry {
  readonly #records = new Map<string, TagRecord>();
  readonly #maxTags: number;
  #softFloor = Number.NEGATIVE_INFINITY;
  #hardFloor = Number.NEGATIVE_INFINITY;
  #floorSeq = 0;
  #seq = 0;
  /** Time of the latest invalidation, so values stored in the same millisecond land after it. */
  latestAt = Number.NEGATIVE_INFINITY;

  constructor(maxTags: number) {
    this.#maxTags = maxTags;
  }

  get size(): number {
    return this.#records.size;
  }

  /** Current sequence number; a fetch notes it when it starts. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Records an invalidation. Idempotent: one already known (the same one heard back from
   * a fleet, say) changes nothing. Returns whether it changed anything.
   */
  invalidate(tag: string, mode: InvalidationMode, at: number): boolean {
    const known = this.#records.get(tag);
    if (known !== undefined && (mode === "hard" ? known.hardAt : known.softAt) >= at) return false;
    const record = known ?? { softAt: Number.NEGATIVE_INFINITY, hardAt: Number.NEGATIVE_INFINITY, seq: 0 };
    // Re-inserted so the Map's order stays oldest-invalidation first.
    this.#records.delete(tag);
    if (mode === "hard") record.hardAt = Math.max(record.hardAt, at);
    else record.softAt = Math.max(record.softAt, at);
    record.seq = ++this.#seq;
    this.#records.set(tag, record);
    if (at > this.latestAt) this.latestAt = at;
    if (this.#records.size > this.#maxTags) this.#foldOldest();
    return true;
  }

  /** Every tagged entry stored at or before `at` counts as invalidated (`mode`). */
  raiseFloor(mode: InvalidationMode, at: number): boolean {
    if ((mode === "hard" ? this.#hardFloor : this.#softFloor) >= at) return false;
    if (mode === "hard") this.#hardFloor = at;
    else this.#softFloor = at;
    this.#floorSeq = ++this.#seq;
    if (at > this.latestAt) this.latestAt = at;
    return true;
  }

  /** Everything recorded, as invalidations (floors have no tag), to replay to a newcomer. */
  *invalidations(): Generator<{ tag: string | undefined; mode: InvalidationMode; at: number }> {
    if (this.#hardFloor > Number.NEGATIVE_INFINITY)
      yield { tag: undefined, mode: "hard", at: this.#hardFloor };
    if (this.#softFloor > Number.NEGATIVE_INFINITY)
      yield { tag: undefined, mode: "soft", at: this.#softFloor };
    for (const [tag, record] of this.#records) {
      if (record.hardAt > Number.NEGATIVE_INFINITY) yield { tag, mode: "hard", at: record.hardAt };
      if (record.softAt > Number.NEGATIVE_INFINITY) yield { tag, mode: "soft", at: record.softAt };
    }
  }

  verdict(entry: StoreEntry): TagVerdict {
    const tags = entry.tags;
    if (tags === undefined || tags.length === 0) return TagVerdict.None;
    const storedAt = entry.storedAt;
    if (storedAt <= this.#hardFloor) return TagVerdict.Hard;
    let verdict = storedAt <= this.#softFloor ? TagVerdict.Soft : TagVerdict.None;
    for (const tag of tags) {
      const record = this.#records.get(tag);
      if (record === undefined) continue;
      if (storedAt <= record.hardAt) return TagVerdict.Hard;
      if (storedAt <= record.softAt) verdict = TagVerdict.Soft;
    }
    return verdict;
  }

  /** True when one of `tags` was invalidated after a fetch that started at `startSeq`. */
  invalidatedSince(tags: readonly string[] | undefined, startSeq: number): boolean {
    if (tags === undefined || tags.length === 0 || this.#seq === startSeq) return false;
    if (this.#floorSeq > startSeq) return true;
    for (const tag of tags) {
      const record = this.#records.get(tag);
      if (record !== undefined && record.seq > startSeq) return true;
    }
    return false;
  }

  #foldOldest(): void {
    const [tag, record] = this.#records.entries().next().value as [string, TagRecord];
    this.#records.delete(tag);
    this.#softFloor = Math.max(this.#softFloor, record.softAt);
    this.#hardFloor = Math.max(this.#hardFloor, record.hardAt);
    this.#floorSeq = Math.max(this.#floorSeq, record.seq);
  }
}
