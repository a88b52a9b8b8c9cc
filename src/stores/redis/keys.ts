/** Checks `prefix`: braces would end or start a Redis Cluster hash tag of their own. */
export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== "string" || prefix.length === 0 || /[{}]/.test(prefix)) {
    const shown = typeof prefix === "string" ? JSON.stringify(prefix) : String(prefix);
    throw new TypeError(
      `isr-plug: redis store "prefix" must be a non-empty string without "{" or "}", got ${shown}`,
    );
  }
  return prefix;
}

const TAG_SPECIAL = /[%{}]/g;
const GLOB_SPECIAL = /[*?[\]\\]/g;

/**
 * Names in Redis. One cache key's entry and lease share a hash tag (`{...}`), so they live
 * in one Cluster slot and a script may touch both. The engine's key goes inside the tag
 * with `%`, `{` and `}` escaped, so no key can close the tag early or meet another key.
 */
export class KeySpace {
  readonly prefix: string;
  /** The one pub/sub channel of this prefix (plain PUBLISH reaches every Cluster node). */
  readonly channel: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.channel = `${prefix}events`;
  }

  entry(key: string): string {
    return `${this.prefix}{${tagOf(key)}}`;
  }

  lease(key: string): string {
    return `${this.prefix}{${tagOf(key)}}:lease`;
  }

  /**
   * The key's fence: a version an invalidation changes, read before a fetch that may have to
   * write without the lease (see scripts.ts). Short-lived; only contended keys have one.
   */
  fence(key: string): string {
    return `${this.prefix}{${tagOf(key)}}:fence`;
  }

  /**
   * Tag invalidations (a sorted set by sequence number) and the floors of those trimmed from it (a
   * hash), in one slot. `~` cannot start an engine key, so no entry meets them.
   */
  get tagLog(): string {
    return `${this.prefix}{~tags}`;
  }

  get tagFloors(): string {
    return `${this.prefix}{~tags}:floors`;
  }

  /** The fleet's tag-invalidation sequence (INCR), in the tag log's slot. */
  get tagSeq(): string {
    return `${this.prefix}{~tags}:seq`;
  }

  /** Changes whenever the sequence starts again (a Redis that lost its data). */
  get tagEpoch(): string {
    return `${this.prefix}{~tags}:epoch`;
  }

  /** A key written (briefly) to learn whether a Redis that refused writes takes them again. */
  get probe(): string {
    return `${this.prefix}{~probe}`;
  }

  /** The keys of the tag record, for the scripts that read or change it together. */
  get tagRecord(): { log: string; floors: string; seq: string; epoch: string } {
    return { log: this.tagLog, floors: this.tagFloors, seq: this.tagSeq, epoch: this.tagEpoch };
  }

  /** SCAN pattern of every key of this prefix (entries, leases, fences, tags), after ioredis's `keyPrefix`. */
  pattern(keyPrefix = ""): string {
    return `${(keyPrefix + this.prefix).replace(GLOB_SPECIAL, "\\$&")}{*`;
  }
}

function tagOf(key: string): string {
  return key.replace(TAG_SPECIAL, (c) => (c === "%" ? "%25" : c === "{" ? "%7B" : "%7D"));
}
