import type { StoreEntry, TagInvalidation } from "./stores/store.js";

/** How an entry stands after tag invalidations: untouched, soft (stale), or hard (gone). */
export enum TagVerdict {
  None = 0,
  Soft = 1,
  Hard = 2,
}

export type InvalidationMode = "soft" | "hard";

interface TagRecord {
  /** Sequence number of the tag's latest soft invalidation (-Infinity: none). */
  softSeq: number;
  /** Sequence number of the tag's latest hard invalidation (-Infinity: none). */
  hardSeq: number;
}

const MAX_TAGS_PER_ENTRY = 64;
export const MAX_TAG_LENGTH = 256;

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
 * Tag invalidations as versions checked on read. Each invalidation of a namespace takes the
 * next number of one sequence (which never goes back, whatever the clocks do); each tagged
 * entry carries the highest number known when its fetch started (`tagSeq`). An entry is
 * invalidated by a record of one of its tags with a higher number: the invalidation came
 * after the data was read. No scan, so the cost does not grow with the number of entries.
 *
 * At most `maxTags` records are kept; the oldest ones are folded into floors (every tagged
 * entry stamped below a floor counts as invalidated), which may invalidate more than asked
 * but never less.
 */
export class TagRegistry {
  readonly #records = new Map<string, TagRecord>();
  readonly #maxTags: number;
  #softFloor = Number.NEGATIVE_INFINITY;
  #hardFloor = Number.NEGATIVE_INFINITY;
  #seq = 0;

  constructor(maxTags: number) {
    this.#maxTags = maxTags;
  }

  get size(): number {
    return this.#records.size;
  }

  /** The highest sequence number known: what an entry whose fetch starts now is stamped with. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Records an invalidation. Idempotent: one already known (the same one heard back from
   * a fleet, say) changes nothing. Returns whether it changed anything.
   */
  record(invalidation: TagInvalidation): boolean {
    const { tag, mode, seq } = invalidation;
    if (tag === undefined) return this.#raiseFloor(mode, seq);
    const known = this.#records.get(tag);
    if (known !== undefined && (mode === "hard" ? known.hardSeq : known.softSeq) >= seq) return false;
    const record = known ?? { softSeq: Number.NEGATIVE_INFINITY, hardSeq: Number.NEGATIVE_INFINITY };
    // Re-inserted so the Map's order stays oldest-invalidation first.
    this.#records.delete(tag);
    if (mode === "hard") record.hardSeq = seq;
    else record.softSeq = seq;
    this.#records.set(tag, record);
    this.#heard(seq);
    if (this.#records.size > this.#maxTags) this.#foldOldest();
    return true;
  }

  /** The next number of the sequence, for an engine that keeps its own (no store channel). */
  next(): number {
    return this.#seq + 1;
  }

  /** Everything recorded, as invalidations (floors have no tag), to replay to a newcomer. */
  *invalidations(): Generator<TagInvalidation> {
    if (this.#hardFloor > Number.NEGATIVE_INFINITY)
      yield { tag: undefined, mode: "hard", seq: this.#hardFloor };
    if (this.#softFloor > Number.NEGATIVE_INFINITY)
      yield { tag: undefined, mode: "soft", seq: this.#softFloor };
    for (const [tag, record] of this.#records) {
      if (record.hardSeq > Number.NEGATIVE_INFINITY) yield { tag, mode: "hard", seq: record.hardSeq };
      if (record.softSeq > Number.NEGATIVE_INFINITY) yield { tag, mode: "soft", seq: record.softSeq };
    }
  }

  verdict(entry: StoreEntry): TagVerdict {
    const tags = entry.tags;
    if (tags === undefined || tags.length === 0) return TagVerdict.None;
    // An entry without a stamp (written by something else) is older than every invalidation.
    const stamp = typeof entry.tagSeq === "number" ? entry.tagSeq : Number.NEGATIVE_INFINITY;
    if (stamp < this.#hardFloor) return TagVerdict.Hard;
    let verdict = stamp < this.#softFloor ? TagVerdict.Soft : TagVerdict.None;
    for (const tag of tags) {
      const record = this.#records.get(tag);
      if (record === undefined) continue;
      if (stamp < record.hardSeq) return TagVerdict.Hard;
      if (stamp < record.softSeq) verdict = TagVerdict.Soft;
    }
    return verdict;
  }

  /**
   * True when `entry` was hard-invalidated and its data was read before an invalidation
   * numbered at most `seq` (one a request that started waiting at `seq` came after). Since
   * only each tag's latest invalidation is kept, it may say true for one that came later:
   * more refetched than needed, never a value served that predates what the request knew.
   */
  predates(entry: StoreEntry, seq: number): boolean {
    if (entry.tags === undefined || entry.tags.length === 0) return false;
    const stamp = typeof entry.tagSeq === "number" ? entry.tagSeq : Number.NEGATIVE_INFINITY;
    return stamp < seq && this.verdict(entry) === TagVerdict.Hard;
  }

  #raiseFloor(mode: InvalidationMode, seq: number): boolean {
    if ((mode === "hard" ? this.#hardFloor : this.#softFloor) >= seq) return false;
    if (mode === "hard") this.#hardFloor = seq;
    else this.#softFloor = seq;
    this.#heard(seq);
    return true;
  }

  #heard(seq: number): void {
    if (seq > this.#seq) this.#seq = seq;
  }

  #foldOldest(): void {
    const [tag, record] = this.#records.entries().next().value as [string, TagRecord];
    this.#records.delete(tag);
    this.#softFloor = Math.max(this.#softFloor, record.softSeq);
    this.#hardFloor = Math.max(this.#hardFloor, record.hardSeq);
  }
}
