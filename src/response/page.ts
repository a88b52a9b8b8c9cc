/**
 * A response as stored: JSON-serialisable (the Redis store keeps values as JSON), so the body
 * travels as base64. Header names are lower-case; a repeated header is repeated in the list.
 */
export interface StoredPage {
  readonly kind: "page";
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body's bytes, base64. */
  readonly body: string;
  /** The validator `If-None-Match` is compared with: the route's `ETag`, or one generated from the body. */
  readonly etag: string;
  /** The request headers the response varies on (`Vary`, lower-case), when it names any. */
  readonly vary?: readonly string[];
  /** Those headers' values in the request this page was rendered for. */
  readonly varyValues?: readonly string[];
}

/**
 * What a render that must not be stored leaves in the engine: the requests that waited for it
 * do not get that response (it may set a cookie, or be private), they render for themselves.
 */
export interface UnstorablePage {
  readonly kind: "pass";
  readonly reason: string;
}

export type PageValue = StoredPage | UnstorablePage;

/** A response as a render produced it, before it is checked and stored. */
export interface CapturedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/** What a render ends with: a whole response, or the reason it cannot be stored (known early). */
export type Rendered = CapturedResponse | { unstorable: string };

interface Base64Buffer {
  from(data: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: "base64"): string };
  from(data: string, encoding: "base64"): Uint8Array;
}
// Node's Buffer where there is one (fast), else btoa/atob (workers, Deno, Bun have them too).
const NodeBuffer = (globalThis as { Buffer?: Base64Buffer }).Buffer;

export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const decoded = new WeakMap<StoredPage, Uint8Array>();

/** The page's body bytes, decoded once per stored object (a memory store hands out the same one). */
export function bodyOf(page: StoredPage): Uint8Array {
  let bytes = decoded.get(page);
  if (bytes === undefined) {
    bytes = fromBase64(page.body);
    decoded.set(page, bytes);
  }
  return bytes;
}

function fromBase64(text: string): Uint8Array {
  if (NodeBuffer !== undefined) return NodeBuffer.from(text, "base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The first value of a header in a list of pairs (names lower-case). */
export function headerOf(
  headers: ReadonlyArray<readonly [string, string]>,
  name: string,
): string | undefined {
  for (const [key, value] of headers) if (key === name) return value;
  return undefined;
}

/** Every value of a header, joined as one field value (RFC 9110 §5.3). */
export function joinedHeader(
  headers: ReadonlyArray<readonly [string, string]>,
  name: string,
): string | undefined {
  let joined: string | undefined;
  for (const [key, value] of headers) {
    if (key === name) joined = joined === undefined ? value : `${joined}, ${value}`;
  }
  return joined;
}
