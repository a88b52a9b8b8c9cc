import type { StoreEntry } from "../store.js";

/** Turns what the store keeps of an entry into a string and back (JSON by default). */
export interface RedisSerializer {
  serialize(record: unknown): string;
  deserialize(text: string): unknown;
}

/**
 * JSON.parse without prototype tricks: `__proto__` keys, and `constructor` objects carrying
 * a `prototype`, are dropped, so no stored document can reach an object's prototype when
 * the value is later merged or spread (the secure-json-parse rules).
 */
function safeReviver(key: string, value: unknown): unknown {
  if (key === "__proto__") return undefined;
  if (
    key === "constructor" &&
    value !== null &&
    typeof value === "object" &&
    Object.hasOwn(value, "prototype")
  ) {
    return undefined;
  }
  return value;
}

/**
 * Whether a JSON text may hold one of the keys the reviver drops. A key can only be spelled
 * two ways in JSON: literally, or with `\u` escapes (`"\u005f_proto__"`); no other escape
 * yields a letter or an underscore. So a text without the words and without `\u` cannot.
 */
function mayHoldUnsafeKeys(text: string): boolean {
  return text.includes("__proto__") || text.includes("constructor") || text.includes("\\u");
}

/** The default serializer: JSON, parsed safely. A value JSON cannot hold is an error. */
export const jsonSerializer: RedisSerializer = Object.freeze({
  serialize(record: unknown): string {
    // JSON.stringify would silently drop these, and the value would come back missing.
    const value = (record as { value?: unknown } | null)?.value;
    if (typeof value === "function" || typeof value === "symbol")
      throw new TypeError(`a ${typeof value} has no JSON form`);
    const text = JSON.stringify(record);
    if (typeof text !== "string") throw new TypeError("the value has no JSON form");
    return text;
  },
  deserialize(text: string): unknown {
    // The reviver costs a call per node; only documents that could carry the keys pay it.
    return mayHoldUnsafeKeys(text) ? JSON.parse(text, safeReviver) : JSON.parse(text);
  },
});

const VERSION = "i1";
const FIELD_NAME = /^\w+$/;
const NONCE = /^\S+$/;
const MAX_TAGS = 64;
const MAX_TAG_LENGTH = 256;

/** The numeric fields of an entry, which travel in the header (Lua reads them, Infinity survives). */
const TIMES = ["storedAt", "staleAt", "expiresAt"] as const;
const OPTIONAL_NUMBERS = ["staleIfErrorUntil", "tagSeq"] as const;
const NUMBERS: ReadonlySet<string> = new Set([...TIMES, ...OPTIONAL_NUMBERS]);

/**
 * Stored form: a header line `i1 <nonce> <keepUntil> name=number ...` holding every numeric
 * field of the entry (so Lua can compare times, and Infinity survives), then the serialized
 * rest (`value` and `tags`). The nonce names this one write.
 */
export function encodeEntry(
  entry: StoreEntry,
  serializer: RedisSerializer,
  nonce: string,
  keepUntil: number,
): string {
  let header = `${VERSION} ${nonce} ${keepUntil}`;
  const rest: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(entry)) {
    if (name !== "value" && typeof field === "number" && FIELD_NAME.test(name)) header += ` ${name}=${field}`;
    else rest[name] = field;
  }
  const body = serializer.serialize(rest);
  if (typeof body !== "string") throw new TypeError("the serializer did not return a string");
  return `${header}\n${body}`;
}

export interface Decoded {
  entry: StoreEntry;
  nonce: string;
  /** Entry-clock time until which the writer asked for the entry to be kept. */
  keepUntil: number;
}

/** A malformed stored entry: the caller logs it and treats it as a miss. */
export class MalformedEntryError extends TypeError {
  constructor(reason: string) {
    super(`not a valid isr-plug entry: ${reason}`);
    this.name = "MalformedEntryError";
  }
}

/**
 * Reads a stored entry, checking every field, since anything may sit in Redis (another
 * version, another program, a bad write): the header's numbers, the record's shape, the
 * tags. Only the fields an entry has are kept. Throws `MalformedEntryError` on anything else.
 */
export function decodeEntry(text: string, serializer: RedisSerializer): Decoded {
  const end = text.indexOf("\n");
  if (end < 0) throw new MalformedEntryError("no header line");
  const parts = text.slice(0, end).split(" ");
  if (parts[0] !== VERSION || parts.length < 3) throw new MalformedEntryError("no i1 header");
  const nonce = parts[1] as string;
  if (!NONCE.test(nonce)) throw new MalformedEntryError("no nonce");
  const keepUntil = Number(parts[2]);
  if (Number.isNaN(keepUntil)) throw new MalformedEntryError("no keepUntil");
  const entry: Record<string, unknown> = {};
  for (let i = 3; i < parts.length; i++) {
    const part = parts[i] as string;
    const at = part.indexOf("=");
    const name = part.slice(0, at);
    if (at < 1 || !FIELD_NAME.test(name)) throw new MalformedEntryError(`bad header field ${part}`);
    // A field of a later version is skipped; a known one must be a number.
    if (!NUMBERS.has(name)) continue;
    const value = Number(part.slice(at + 1));
    if (Number.isNaN(value)) throw new MalformedEntryError(`${name} is not a number`);
    entry[name] = value;
  }
  if (!Number.isFinite(entry.storedAt)) throw new MalformedEntryError("storedAt is not a finite number");
  for (const name of TIMES) {
    if (typeof entry[name] !== "number") throw new MalformedEntryError(`no ${name}`);
  }
  if (entry.tagSeq !== undefined && !Number.isFinite(entry.tagSeq))
    throw new MalformedEntryError("tagSeq is not a finite number");
  const record = serializer.deserialize(text.slice(end + 1));
  if (
    record === null ||
    typeof record !== "object" ||
    Array.isArray(record) ||
    !Object.hasOwn(record, "value")
  ) {
    throw new MalformedEntryError("the stored record has no value");
  }
  const { value, tags } = record as { value: unknown; tags?: unknown };
  entry.value = value;
  if (tags !== undefined) entry.tags = checkStoredTags(tags);
  return { entry: entry as unknown as StoreEntry, nonce, keepUntil };
}

/** Tags as the engine writes them: an array of at most 64 distinct strings of 1 to 256 characters. */
function checkStoredTags(tags: unknown): readonly string[] {
  if (!Array.isArray(tags) || tags.length > MAX_TAGS)
    throw new MalformedEntryError("tags is not a tag array");
  for (const tag of tags) {
    if (typeof tag !== "string" || tag.length === 0 || tag.length > MAX_TAG_LENGTH)
      throw new MalformedEntryError("tags holds something other than a tag");
  }
  return tags as string[];
}

/** The nonce of a stored entry, or "" when it has none. */
export function nonceOf(text: string): string {
  const match = /^i1 (\S+)/.exec(text);
  return match?.[1] ?? "";
}
