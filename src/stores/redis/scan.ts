import type { StoreEntry } from "../store.js";
import type { RedisConnection } from "./client.js";
import { decodeEntry, type RedisSerializer } from "./codec.js";

/**
 * The fleet view's read of Redis: entries under the store's prefix, whichever process wrote
 * them. Bounded twice, so a large database costs a known amount: at most `limit` entries
 * read, and at most `maxScanCalls` SCAN calls per node (each looking at about 500 keys).
 */

export interface ScanEntriesOptions {
  /** Only store keys starting with this (an engine's namespace prefix); "" for all. */
  storeKeyPrefix: string;
  /** Most entries to read. */
  limit: number;
  /** Most SCAN calls per node. @default 50 */
  maxScanCalls?: number;
}

export interface ScannedEntry {
  /** The engine's store key (namespace prefix and encoded cache key). */
  storeKey: string;
  entry: StoreEntry;
}

export interface EntryScan {
  entries: ScannedEntry[];
  /** The store's clock when the scan ended: entries' times are on it. */
  now: number;
  /** True when a bound stopped the scan before it had seen every key. */
  truncated: boolean;
}

export interface ScanDeps {
  client: RedisConnection;
  prefix: string;
  serializer: RedisSerializer;
  now: () => number;
  /** Runs a command through the store's link (breaker, timeout); rejects when Redis is away. */
  run<T>(command: () => Promise<T>): Promise<T>;
}

const SCAN_COUNT = "500";
const DEFAULT_MAX_SCAN_CALLS = 50;
const GLOB_SPECIAL = /[*?[\]\\]/g;
// The store writes `%`, `{` and `}` of a key escaped inside its hash tag (keys.ts).
const TAG_SPECIAL = /[%{}]/g;

function escapeForTag(text: string): string {
  return text.replace(TAG_SPECIAL, (c) => (c === "%" ? "%25" : c === "{" ? "%7B" : "%7D"));
}

function unescapeTag(text: string): string {
  return text.replace(/%25|%7B|%7D/g, (code) => (code === "%25" ? "%" : code === "%7B" ? "{" : "}"));
}

/** The store key of a Redis key `<prefix>{<tag>}`; undefined for leases and tag records. */
function storeKeyOf(redisKey: string, prefix: string): string | undefined {
  if (!redisKey.startsWith(`${prefix}{`) || !redisKey.endsWith("}")) return undefined;
  const tag = redisKey.slice(prefix.length + 1, -1);
  if (tag.startsWith("~") || /[{}]/.test(tag)) return undefined;
  return unescapeTag(tag);
}

export async function scanEntries(deps: ScanDeps, options: ScanEntriesOptions): Promise<EntryScan> {
  const { client, prefix } = deps;
  const maxCalls = options.maxScanCalls ?? DEFAULT_MAX_SCAN_CALLS;
  const keyPrefix = client.keyPrefix;
  const pattern = `${(keyPrefix + prefix).replace(GLOB_SPECIAL, "\\$&")}{${escapeForTag(options.storeKeyPrefix).replace(GLOB_SPECIAL, "\\$&")}*`;
  const nodes = await deps.run(() => client.scanTargets());
  const found: string[] = [];
  let truncated = false;
  for (const node of nodes) {
    let cursor = "0";
    let calls = 0;
    do {
      if (found.length >= options.limit || calls >= maxCalls) {
        truncated = true;
        break;
      }
      const at = cursor;
      const [next, keys] = await deps.run(() => node.scan(at, pattern, SCAN_COUNT));
      calls++;
      cursor = next;
      for (const raw of keys) {
        const key = raw.slice(keyPrefix.length);
        if (storeKeyOf(key, prefix) === undefined) continue;
        if (found.length < options.limit) found.push(key);
        else truncated = true;
      }
    } while (cursor !== "0");
  }
  // Through the client, which adds its keyPrefix (and routes each key to its slot on a Cluster).
  const texts = await Promise.all(found.map((key) => deps.run(() => client.get(key))));
  const entries: ScannedEntry[] = [];
  texts.forEach((text, i) => {
    const storeKey = storeKeyOf(found[i] as string, prefix);
    if (text === null || storeKey === undefined) return; // gone since the SCAN
    try {
      entries.push({ storeKey, entry: decodeEntry(text, deps.serializer).entry });
    } catch {
      // A malformed entry is a miss for the engine too; the view leaves it out.
    }
  });
  return { entries, now: deps.now(), truncated };
}
