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
    return text.includes("__proto__") || text.includes("constructor")
      ? JSON.parse(text, safeReviver)
      : JSON.parse(text);
  },
});

const VERSION = "i1";
const FIELD_NAME = /^\w+$/;

/**
 * Stored form: a header line `i1 <nonce> <keepUntil> name=number ...` holding every numeric
 * field of the entry (so Lua can compare times, and Infinity survives), then the serialized
 * rest (`value` and any other field, such as tags). The nonce names this one write.
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

/** Reads a stored entry; throws on anything malformed (the caller treats it as a miss). */
export function decodeEntry(text: string, serializer: RedisSerializer): Decoded {
  const end = text.indexOf("\n");
  const parts = (end < 0 ? text : text.slice(0, end)).split(" ");
  if (end < 0 || parts[0] !== VERSION || parts.length < 3) throw new TypeError("not an isr-plug entry");
  const nonce = parts[1] as string;
  const keepUntil = Number(parts[2]);
  const record = serializer.deserialize(text.slice(end + 1));
  if (
    record === null ||
    typeof record !== "object" ||
    Array.isArray(record) ||
    !Object.hasOwn(record, "value")
  ) {
    throw new TypeError("the stored record has no value");
  }
  const entry: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(record)) {
    if (name !== "__proto__") entry[name] = field;
  }
  for (let i = 3; i < parts.length; i++) {
    const part = parts[i] as string;
    const at = part.indexOf("=");
    const name = part.slice(0, at);
    if (at < 1 || !FIELD_NAME.test(name) || name === "value") throw new TypeError(`bad header field ${part}`);
    entry[name] = Number(part.slice(at + 1));
  }
  for (const name of ["storedAt", "staleAt", "expiresAt"]) {
    if (typeof entry[name] !== "number" || Number.isNaN(entry[name])) throw new TypeError(`no ${name}`);
  }
  if (Number.isNaN(keepUntil)) throw new TypeError("no keepUntil");
  return { entry: entry as unknown as StoreEntry, nonce, keepUntil };
}

/** The nonce of a stored entry, or "" when it has none. */
export function nonceOf(text: string): string {
  const match = /^i1 (\S+)/.exec(text);
  return match?.[1] ?? "";
}

/** What one store announces to the others: set, deleted, lease released (failed), cleared, tag invalidated. */
export interface Message {
  /** Instance id of the sender, so a store ignores its own announcements. */
  i: string;
  o: "s" | "d" | "r" | "c" | "t";
  /** The store key ("" for a clear). */
  k: string;
  /** 1 when a released lease's fetch failed. */
  f?: 1;
  /** Nonce of the entry a set stored. */
  n?: string;
  /** A tag invalidation: namespace, tag, mode, sequence number. */
  t?: { s: string; g: string; m: "soft" | "hard"; a: number };
}

export function encodeMessage(message: Message): string {
  return JSON.stringify(message);
}

/** Parses a channel message; anything unexpected is ignored (undefined). */
export function decodeMessage(text: string): Message | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const { i, o, k, f, n, t } = parsed as Record<string, unknown>;
  if (typeof i !== "string" || typeof k !== "string") return undefined;
  if (o !== "s" && o !== "d" && o !== "r" && o !== "c" && o !== "t") return undefined;
  const message: Message = { i, o, k };
  if (f === 1) message.f = 1;
  if (typeof n === "string") message.n = n;
  if (o === "t") {
    const tag = t as Record<string, unknown> | null;
    if (tag === null || typeof tag !== "object") return undefined;
    const { s, g, m, a } = tag;
    if (
      typeof s !== "string" ||
      typeof g !== "string" ||
      (m !== "soft" && m !== "hard") ||
      typeof a !== "number"
    ) {
      return undefined;
    }
    message.t = { s, g, m, a };
  }
  return message;
}
